//! Policy rule files: TOML parsed with spans, unknown keys rejected (architecture.md,
//! "Policy rule file"). Every mistake becomes a [`PolicyError`] pointing into the file.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::model::Severity;
use crate::source::{FileId, Span};

/// A mistake in a policy or config file, with the span in that file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: FileId,
    pub span: Option<Span>,
    pub message: String,
    pub help: Option<String>,
}

impl PolicyError {
    pub fn at(file: FileId, range: Range<usize>, message: impl Into<String>) -> PolicyError {
        PolicyError {
            file,
            span: Some(Span::new(file, range.start, range.end)),
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> PolicyError {
        self.help = Some(help.into());
        self
    }
}

/// One string or a list of strings (`from = "subnet"` or `from = ["10.0.0.0/8", "Internet"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A port written as a number or a string (`3389`, `"20000"`, `"1024-65535"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PortValue {
    Number(i64),
    Text(String),
}

impl PortValue {
    pub fn text(&self) -> String {
        match self {
            PortValue::Number(n) => n.to_string(),
            PortValue::Text(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScope {
    /// Subnet name globs.
    pub subnets: Option<Vec<Spanned<String>>>,
    /// Resource address globs (`azurerm_subnet.roles`, `module.net.*`).
    pub resources: Option<Vec<Spanned<String>>>,
    /// Tenant kinds (`cloud-service-rdp`, `load-balancer-backend`, `unknown`, …; see
    /// [`crate::policy::scope`]).
    pub hosts: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssert {
    pub expect: Spanned<String>,
    pub protocol: Spanned<OneOrMany>,
    pub from: Spanned<OneOrMany>,
    pub to: Spanned<OneOrMany>,
    pub ports: Option<Spanned<Vec<Spanned<PortValue>>>>,
    pub source_ports: Option<Spanned<Vec<Spanned<PortValue>>>>,
    pub except_from: Option<Spanned<Vec<Spanned<String>>>>,
    /// `expect = "deny"`: public sources allowed before it is exposure (default 256).
    pub max_public_sources: Option<Spanned<i64>>,
}

/// Every key any kind may use; each kind rejects the keys it does not take.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub severity: Spanned<String>,
    pub summary: Spanned<String>,
    pub why: Option<Spanned<String>>,
    pub fix: Option<Spanned<String>>,
    pub kind: Spanned<String>,
    pub scope: Option<Spanned<RawScope>>,
    #[serde(rename = "assert")]
    pub asserts: Option<Spanned<Vec<Spanned<RawAssert>>>>,
    /// `subnet-without-nsg`: subnet names exempt (Azure forbids or manages their NSGs).
    pub exempt_subnets: Option<Spanned<Vec<Spanned<String>>>>,
    /// `validation`: which model problems this policy reports.
    pub problems: Option<Spanned<Vec<Spanned<String>>>>,
}

impl RawPolicy {
    /// Names and spans of the kind-specific keys that are present.
    pub fn kind_keys(&self) -> Vec<(&'static str, Range<usize>)> {
        let mut keys = Vec::new();
        if let Some(s) = &self.scope {
            keys.push(("scope", s.span()));
        }
        if let Some(a) = &self.asserts {
            keys.push(("assert", a.span()));
        }
        if let Some(e) = &self.exempt_subnets {
            keys.push(("exempt_subnets", e.span()));
        }
        if let Some(p) = &self.problems {
            keys.push(("problems", p.span()));
        }
        keys
    }
}

/// Parse a policy file's TOML into its raw form (syntax, types and unknown keys checked).
pub fn parse_raw(file: FileId, text: &str) -> Result<RawPolicy, PolicyError> {
    toml::from_str::<RawPolicy>(text).map_err(|e| toml_error(file, text, &e))
}

/// A toml error as a spanned PolicyError (the span is empty at the end when toml has none).
pub fn toml_error(file: FileId, text: &str, e: &toml::de::Error) -> PolicyError {
    let range = e.span().unwrap_or(text.len()..text.len());
    let mut message = e.message().to_string();
    if let Some(first) = message.lines().next() {
        message = first.to_string();
    }
    PolicyError::at(file, range, message)
}

pub fn parse_severity(file: FileId, s: &Spanned<String>) -> Result<Severity, PolicyError> {
    match s.get_ref().as_str() {
        "error" => Ok(Severity::Error),
        "warning" => Ok(Severity::Warning),
        "note" => Ok(Severity::Note),
        other => Err(
            PolicyError::at(file, s.span(), format!("unknown severity `{other}`"))
                .with_help("use one of: error, warning, note"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_their_span() {
        let text = "id = \"X1\"\nname = \"n\"\nseverity = \"error\"\nsummary = \"s\"\nkind = \"dead-rule\"\nsevrity = \"x\"\n";
        let e = parse_raw(FileId(1), text).unwrap_err();
        assert!(
            e.message.contains("unknown field `sevrity`"),
            "{}",
            e.message
        );
        let span = e.span.unwrap();
        assert_eq!(&text[span.start as usize..span.end as usize], "sevrity");
    }

    #[test]
    fn syntax_errors_point_into_the_file() {
        let e = parse_raw(FileId(1), "id = \n").unwrap_err();
        assert!(e.span.is_some());
    }
}

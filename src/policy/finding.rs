//! Findings: what policies produce and reporters render. Plain values with spans; only
//! reporters turn spans into lines and columns.

use crate::eval::Flow;
use crate::model::{Access, Direction, Severity};
use crate::source::Span;

/// A span with a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// The rule that decides a witness flow, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct DecidedBy {
    pub nsg: String,
    pub rule: String,
    pub priority: Option<u32>,
    pub direction: Direction,
    pub access: Access,
    /// `source NIC, outbound`, `destination subnet, inbound`…
    pub hop: String,
    pub span: Span,
}

/// A concrete flow showing the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Witness {
    pub flow: Flow,
    /// `None` when the verdict is indeterminate (see `note`).
    pub decided_by: Option<DecidedBy>,
    pub note: Option<String>,
}

/// The change that resolves a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    pub summary: String,
    /// Code in the input's own language (HCL block, ARM JSON object, Bicep object).
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub policy: String,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    /// Address of the resource the finding is about.
    pub resource: Option<String>,
    /// Where the user should look first (the deciding rule, the offending value).
    pub primary: Label,
    /// Further places: the subnet's prefix, the association, the allow that lost… Reporters
    /// show the ones in the primary's file as labels and the others as related locations.
    pub labels: Vec<Label>,
    /// The whole resource block, so a suppression above it covers the finding.
    pub resource_span: Option<Span>,
    pub witnesses: Vec<Witness>,
    pub fix: Option<Fix>,
    /// Extra lines for the reader (assumptions, what could not be resolved).
    pub notes: Vec<String>,
    /// Stable identity for baselines and SARIF: survives line moves.
    pub fingerprint: String,
    /// The root (Terraform root module, plan, template) whose evaluation found it.
    pub root: Option<String>,
}

impl Finding {
    pub fn new(
        policy: &str,
        name: &str,
        severity: Severity,
        message: impl Into<String>,
        primary: Label,
    ) -> Finding {
        Finding {
            policy: policy.to_string(),
            name: name.to_string(),
            severity,
            message: message.into(),
            resource: None,
            primary,
            labels: Vec::new(),
            resource_span: None,
            witnesses: Vec::new(),
            fix: None,
            notes: Vec::new(),
            fingerprint: String::new(),
            root: None,
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Finding {
        let label = Label::new(span, message);
        if label.span != self.primary.span && !self.labels.contains(&label) {
            self.labels.push(label);
        }
        self
    }

    pub fn with_resource(mut self, address: impl Into<String>, span: Option<Span>) -> Finding {
        self.resource = Some(address.into());
        self.resource_span = span;
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(note.into());
        self
    }

    /// Name the root that found it. The root joins the fingerprint, so the same module's finding
    /// in two roots (the dev and prod of one configuration) are told apart and a baseline of one
    /// does not hide the other.
    pub fn in_root(&mut self, root: &str) {
        self.root = Some(root.to_string());
        if !self.fingerprint.is_empty() {
            let key = format!("{root}|{}", self.fingerprint);
            self.fingerprint = format!("{:016x}", fnv1a(key.as_bytes()));
        }
    }

    /// Set the fingerprint from the parts that identify the problem, not where it is written.
    pub fn with_fingerprint(mut self, parts: &[&str]) -> Finding {
        let mut key = format!("{}|{}", self.policy, self.resource.as_deref().unwrap_or(""));
        for p in parts {
            key.push('|');
            key.push_str(p);
        }
        self.fingerprint = format!("{:016x}", fnv1a(key.as_bytes()));
        self
    }
}

/// FNV-1a: stable across runs, platforms and Rust versions (unlike `DefaultHasher`).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

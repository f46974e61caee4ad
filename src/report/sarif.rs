//! SARIF 2.1.0 (OASIS): the format of code-scanning services (GitHub code scanning, Azure
//! DevOps) and SARIF viewers. One run; `tool.driver.rules` holds every policy that ran (and any
//! other policy a finding names), with the `explain` text as help; each finding is a result with
//! a precise region, its other labels as `relatedLocations`, and its fingerprint as a
//! `partialFingerprints` entry so alerts survive line moves. Tool errors are
//! `toolExecutionNotifications` and make `executionSuccessful` false.
//!
//! Only real files are artifacts: places in Azure's synthetic default rules or on standard input
//! are described in the message text instead (an invalid URI would make the log unusable).
//! Relative paths use the base id `%SRCROOT%` (the directory nsgate ran in); absolute paths
//! become `file://` URIs. Columns count Unicode code points (`columnKind`).

use serde::Serialize;

use crate::model::Severity;
use crate::policy::{Finding, Label, PolicyMeta};
use crate::report::{artifact_span, is_artifact, Report, ToolError};
use crate::source::{Sources, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base id relative artifact paths are resolved against: the directory nsgate ran in.
pub const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<ResultOut<'a>>,
    /// What the run evaluated and what it could not (the JSON report's `coverage`).
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    #[serde(rename = "nsgate/coverage")]
    coverage: crate::report::json::CoverageOut<'a>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

fn text(s: impl Into<String>) -> Text {
    Text { text: s.into() }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    kind: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<LocationOut>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultOut<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<LocationOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<LocationOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_fingerprints: Option<Fingerprints<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
    /// Set on findings an `nsgate:ignore` comment or the baseline removed from the report:
    /// code scanning shows them as dismissed rather than not at all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SuppressionOut>,
}

#[derive(Serialize)]
struct SuppressionOut {
    kind: &'static str,
    justification: String,
}

/// nsgate's fingerprint (`Finding::fingerprint`) under a versioned key, as SARIF recommends.
#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "nsgateFingerprint/v1")]
    nsgate: &'a str,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixOut<'a>>,
}

#[derive(Serialize)]
struct FixOut<'a> {
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

/// A resource by its address, for findings with no place in a real file (standard input).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

/// `error`, `warning`, `note`: SARIF's levels are spelled like ours.
fn level(s: Severity) -> &'static str {
    s.as_str()
}

/// The project's home, from Cargo metadata (SARIF wants an absolute `informationUri`).
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| u.starts_with("https://") || u.starts_with("http://"))
}

/// Percent-encode a path for a URI: everything but unreserved characters and `/`.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A file name as an artifact location: relative paths against `%SRCROOT%`, absolute ones as
/// `file://` URIs (Windows separators turned into `/`).
fn artifact_location(name: &str) -> ArtifactLocation {
    let slashed = name.replace('\\', "/");
    let drive = slashed.as_bytes().get(1..3) == Some(b":/")
        && slashed
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic());
    if slashed.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", encode_path(&slashed)),
            uri_base_id: None,
        }
    } else if drive {
        // `C:/x` keeps its colon: it is the drive, not a scheme.
        let (letter, rest) = slashed.split_at(1);
        ArtifactLocation {
            uri: format!(
                "file:///{letter}{}",
                encode_path(rest).replacen("%3A", ":", 1)
            ),
            uri_base_id: None,
        }
    } else {
        let relative = slashed.trim_start_matches("./");
        ArtifactLocation {
            uri: encode_path(relative),
            uri_base_id: Some(SRCROOT),
        }
    }
}

fn physical(sources: &Sources, span: Span) -> PhysicalLocation {
    let (start, end) = crate::report::region(sources, span);
    PhysicalLocation {
        artifact_location: artifact_location(sources.name(span.file)),
        region: Some(Region {
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
        }),
    }
}

/// SARIF asks for messages that are sentences.
fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.ends_with(['.', '!', '?']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// A place that is not a real artifact, in words: Azure's default rules by name, anything
/// else (standard input) as `name:line:column`.
fn describe_elsewhere(sources: &Sources, label: &Label) -> String {
    if label.span.file == Sources::defaults_file() {
        let rule = sources.slice(label.span).split_whitespace().next();
        match rule {
            Some(name) => format!("Azure default rule `{name}`: {}", label.message),
            None => format!("Azure default rules: {}", label.message),
        }
    } else {
        let (start, _) = sources.line_col(label.span);
        format!(
            "{}:{}:{}: {}",
            sources.name(label.span.file),
            start.line,
            start.column,
            label.message
        )
    }
}

fn rule(meta: &PolicyMeta) -> Rule {
    Rule {
        id: meta.id.clone(),
        name: meta.name.clone(),
        short_description: text(sentence(&meta.summary)),
        full_description: text(sentence(if meta.why.is_empty() {
            &meta.summary
        } else {
            &meta.why
        })),
        help: text(crate::policy::explain_text(meta)),
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags: vec!["security", "azure", "network-security-group"],
            kind: meta.kind.to_string(),
        },
    }
}

/// A rule for a finding whose policy is not among those that ran (cannot happen through the
/// CLI; kept so the log stays consistent whatever the caller passes).
fn rule_from_finding(f: &Finding) -> Rule {
    Rule {
        id: f.policy.clone(),
        name: f.name.clone(),
        short_description: text(sentence(&f.name)),
        full_description: text(sentence(&f.name)),
        help: text(format!("{} {}", f.policy, f.name)),
        default_configuration: Configuration {
            level: level(f.severity),
        },
        properties: RuleProperties {
            tags: vec!["security", "azure", "network-security-group"],
            kind: String::new(),
        },
    }
}

fn result<'a>(sources: &Sources, f: &'a Finding, rule_index: usize) -> ResultOut<'a> {
    let shown = artifact_span(sources, f);
    let mut message = sentence(&f.message);
    if shown.is_some_and(|s| s != f.primary.span) {
        // The primary place is not a real file: say what it is.
        message.push(' ');
        message.push_str(&sentence(&describe_elsewhere(sources, &f.primary)));
    }
    let mut related = Vec::new();
    for l in &f.labels {
        if Some(l.span) == shown {
            continue;
        }
        if is_artifact(sources, l.span.file) {
            related.push(LocationOut {
                id: Some(related.len() + 1),
                physical_location: Some(physical(sources, l.span)),
                logical_locations: Vec::new(),
                message: Some(text(sentence(&l.message))),
            });
        } else {
            message.push(' ');
            message.push_str(&sentence(&describe_elsewhere(sources, l)));
        }
    }
    if let Some(fix) = &f.fix {
        message.push_str(&format!(" Fix: {}", sentence(&fix.summary)));
    }
    let properties = (f.resource.is_some() || f.fix.is_some()).then(|| ResultProperties {
        resource: f.resource.as_deref(),
        fix: f.fix.as_ref().map(|x| FixOut {
            summary: &x.summary,
            snippet: x.snippet.as_deref(),
        }),
    });
    ResultOut {
        rule_id: &f.policy,
        rule_index,
        level: level(f.severity),
        message: text(message),
        locations: match shown {
            Some(s) => vec![LocationOut {
                id: None,
                physical_location: Some(physical(sources, s)),
                logical_locations: Vec::new(),
                // Shown somewhere else than the primary place: say what this place is.
                message: (s != f.primary.span)
                    .then(|| f.labels.iter().find(|l| l.span == s))
                    .flatten()
                    .map(|l| text(sentence(&l.message))),
            }],
            // No real file (standard input): the resource by its address.
            None => f
                .resource
                .iter()
                .map(|r| LocationOut {
                    id: None,
                    physical_location: None,
                    logical_locations: vec![LogicalLocation {
                        fully_qualified_name: r.clone(),
                        kind: "resource",
                    }],
                    message: None,
                })
                .collect(),
        },
        related_locations: related,
        // A finding without a fingerprint gets none rather than an empty one that would
        // merge unrelated alerts.
        partial_fingerprints: (!f.fingerprint.is_empty()).then_some(Fingerprints {
            nsgate: &f.fingerprint,
        }),
        properties,
        suppressions: Vec::new(),
    }
}

fn notification(sources: &Sources, e: &ToolError) -> Notification {
    let mut message = sentence(&e.message);
    if let Some(h) = &e.help {
        message.push(' ');
        message.push_str(&sentence(h));
    }
    let mut locations = Vec::new();
    match e.span {
        Some(span) if is_artifact(sources, span.file) => locations.push(LocationOut {
            id: None,
            physical_location: Some(physical(sources, span)),
            logical_locations: Vec::new(),
            message: None,
        }),
        _ => {
            if let Some(p) = e.path.as_deref().filter(|p| !p.starts_with('<')) {
                locations.push(LocationOut {
                    id: None,
                    physical_location: Some(PhysicalLocation {
                        artifact_location: artifact_location(p),
                        region: None,
                    }),
                    logical_locations: Vec::new(),
                    message: None,
                });
            }
        }
    }
    Notification {
        level: "error",
        message: text(message),
        locations,
    }
}

pub fn render(report: &Report, sources: &Sources) -> String {
    let mut rules: Vec<Rule> = report.policies.iter().map(rule).collect();
    // Reported findings, then those a comment or the baseline suppressed (marked so).
    let suppressed = report
        .suppressed
        .iter()
        .map(|(f, why)| {
            let justification = format!("nsgate:ignore: {why}");
            (f, Some(("inSource", justification)))
        })
        .chain(report.baselined.iter().map(|f| {
            let justification = "recorded in the baseline (--baseline)".to_string();
            (f, Some(("external", justification)))
        }));
    let all = report.findings.iter().map(|f| (f, None)).chain(suppressed);
    let mut results = Vec::with_capacity(report.findings.len());
    for (f, suppression) in all {
        let index = match rules.iter().position(|r| r.id == f.policy) {
            Some(i) => i,
            None => {
                rules.push(rule_from_finding(f));
                rules.len() - 1
            }
        };
        let mut r = result(sources, f, index);
        if let Some((kind, justification)) = suppression {
            r.suppressions.push(SuppressionOut {
                kind,
                justification,
            });
        }
        results.push(r);
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "nsgate",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: report
                    .errors
                    .iter()
                    .map(|e| notification(sources, e))
                    .collect(),
            }],
            column_kind: "unicodeCodePoints",
            results,
            properties: RunProperties {
                coverage: crate::report::json::coverage(&report.coverage),
            },
        }],
    };
    let mut out = serde_json::to_string_pretty(&log)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise the SARIF log: {e}\"}}"));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_encoded_against_srcroot() {
        let a = artifact_location("./infra dir/main.tf");
        assert_eq!(a.uri, "infra%20dir/main.tf");
        assert_eq!(a.uri_base_id, Some(SRCROOT));
        // A colon in a relative path would read as a scheme.
        assert_eq!(artifact_location("a:b.tf").uri, "a%3Ab.tf");
        assert_eq!(artifact_location("infra:x/b.tf").uri, "infra%3Ax/b.tf");
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        let a = artifact_location("/work/infra/main.tf");
        assert_eq!(a.uri, "file:///work/infra/main.tf");
        assert_eq!(a.uri_base_id, None);
        assert_eq!(
            artifact_location(r"C:\infra\main.tf").uri,
            "file:///C:/infra/main.tf"
        );
    }

    #[test]
    fn messages_become_sentences() {
        assert_eq!(sentence("denied (inbound)"), "denied (inbound).");
        assert_eq!(sentence("done."), "done.");
    }
}

//! The JSON report, version 1 (architecture.md): the machine contract for pipelines and
//! editors. `schema/report-v1.schema.json` describes it; a test validates output against it.

use serde::Serialize;

use crate::eval::Flow;
use crate::model::Severity;
use crate::policy::{Finding, Witness};
use crate::report::{location, Report};
use crate::source::{Sources, Span};

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Tool,
    inputs: Vec<InputOut<'a>>,
    findings: Vec<FindingOut<'a>>,
    coverage: CoverageOut<'a>,
    errors: Vec<ErrorOut<'a>>,
    summary: Summary,
}

/// What the run evaluated and what it could not (architecture.md).
#[derive(Serialize)]
pub(crate) struct CoverageOut<'a> {
    roots: usize,
    nsgs: usize,
    nsgs_unattached: usize,
    rules: usize,
    subnets: usize,
    nics: usize,
    unknown_values: usize,
    suppressed: usize,
    baselined: usize,
    skipped: Vec<SkippedOut<'a>>,
}

#[derive(Serialize)]
pub(crate) struct SkippedOut<'a> {
    pub path: &'a str,
    pub reason: &'a str,
}

pub(crate) fn coverage(c: &crate::report::Coverage) -> CoverageOut<'_> {
    CoverageOut {
        roots: c.roots,
        nsgs: c.nsgs,
        nsgs_unattached: c.nsgs_unattached,
        rules: c.rules,
        subnets: c.subnets,
        nics: c.nics,
        unknown_values: c.unknown_values,
        suppressed: c.suppressed,
        baselined: c.baselined,
        skipped: c
            .skipped
            .iter()
            .map(|s| SkippedOut {
                path: &s.path,
                reason: &s.reason,
            })
            .collect(),
    }
}

/// A failure of the tool (unreadable or malformed input, bad policy): the run exits with 2.
#[derive(Serialize)]
struct ErrorOut<'a> {
    message: &'a str,
    /// Where, when the file could be read at all.
    location: Option<Location>,
    /// The path concerned, for errors without a location.
    path: Option<&'a str>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct InputOut<'a> {
    path: &'a str,
    kind: &'static str,
    /// None for the configuration, which applies to every root.
    root: Option<&'a str>,
}

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct Location {
    path: String,
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct Related {
    message: String,
    location: Location,
}

#[derive(Serialize)]
struct DecidedByOut<'a> {
    nsg: &'a str,
    rule: &'a str,
    priority: Option<u32>,
    direction: String,
    access: String,
    hop: &'static str,
}

#[derive(Serialize)]
struct WitnessOut<'a> {
    protocol: String,
    source: String,
    source_port: Option<u16>,
    destination: String,
    destination_port: Option<u16>,
    decided_by: Option<DecidedByOut<'a>>,
}

#[derive(Serialize)]
struct FixOut<'a> {
    summary: &'a str,
    snippet: Option<&'a str>,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    policy: &'a str,
    name: &'a str,
    severity: &'static str,
    message: &'a str,
    root: Option<&'a str>,
    resource: Option<&'a str>,
    location: Location,
    related: Vec<Related>,
    witnesses: Vec<WitnessOut<'a>>,
    fix: Option<FixOut<'a>>,
}

#[derive(Serialize)]
struct Summary {
    error: usize,
    warning: usize,
    note: usize,
}

fn loc(sources: &Sources, span: Span) -> Location {
    let (path, start, end) = location(sources, span);
    Location {
        path,
        start: Position {
            line: start.line,
            column: start.column,
        },
        end: Position {
            line: end.line,
            column: end.column,
        },
    }
}

fn witness(w: &Witness) -> WitnessOut<'_> {
    let Flow {
        protocol,
        src,
        src_port,
        dst,
        dst_port,
    } = w.flow;
    WitnessOut {
        protocol: protocol.as_str().to_ascii_lowercase(),
        source: src.to_string(),
        source_port: src_port,
        destination: dst.to_string(),
        destination_port: dst_port,
        decided_by: w.decided_by.as_ref().map(|d| DecidedByOut {
            nsg: &d.nsg,
            rule: &d.rule,
            priority: d.priority,
            direction: d.direction.as_str().to_ascii_lowercase(),
            access: d.access.as_str().to_ascii_lowercase(),
            hop: d.hop_id,
        }),
    }
}

fn finding<'a>(sources: &Sources, f: &'a Finding) -> FindingOut<'a> {
    FindingOut {
        policy: &f.policy,
        name: &f.name,
        severity: f.severity.as_str(),
        message: &f.message,
        root: f.root.as_deref(),
        resource: f.resource.as_deref(),
        location: loc(sources, f.primary.span),
        related: f
            .labels
            .iter()
            .map(|l| Related {
                message: l.message.clone(),
                location: loc(sources, l.span),
            })
            .collect(),
        witnesses: f.witnesses.iter().map(witness).collect(),
        fix: f.fix.as_ref().map(|x| FixOut {
            summary: &x.summary,
            snippet: x.snippet.as_deref(),
        }),
    }
}

pub fn render(report: &Report, sources: &Sources) -> String {
    let doc = Doc {
        version: 1,
        tool: Tool {
            name: "nsgate",
            version: env!("CARGO_PKG_VERSION"),
        },
        inputs: report
            .roots
            .iter()
            .flat_map(|r| {
                r.inputs.iter().map(|i| InputOut {
                    path: &i.path,
                    kind: i.kind.as_str(),
                    root: Some(&r.name),
                })
            })
            .chain(report.config.iter().map(|i| InputOut {
                path: &i.path,
                kind: i.kind.as_str(),
                root: None,
            }))
            .collect(),
        coverage: coverage(&report.coverage),
        findings: report
            .findings
            .iter()
            .map(|f| finding(sources, f))
            .collect(),
        errors: report
            .errors
            .iter()
            .map(|e| ErrorOut {
                message: &e.message,
                location: e.span.map(|s| loc(sources, s)),
                path: e.path.as_deref(),
                help: e.help.as_deref(),
            })
            .collect(),
        summary: Summary {
            error: report.count(Severity::Error),
            warning: report.count(Severity::Warning),
            note: report.count(Severity::Note),
        },
    };
    let mut text =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

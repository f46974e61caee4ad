//! Reporters: pure functions of (report, sources) → text, one file per format. Output order is
//! the findings' order (deterministic), and nothing here reads the clock or the environment.

pub mod compact;
pub mod human;
pub mod json;

use crate::frontend::Input;
use crate::model::Severity;
use crate::policy::Finding;
use crate::source::{Sources, Span};

/// Output formats (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Compact,
    Json,
}

/// A failure of the tool itself (unreadable input, bad policy or config): exit code 2.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolError {
    pub message: String,
    pub span: Option<Span>,
    /// For errors without a span: the path concerned.
    pub path: Option<String>,
    pub help: Option<String>,
}

/// Everything one run has to say.
#[derive(Debug, Default)]
pub struct Report {
    pub inputs: Vec<Input>,
    pub findings: Vec<Finding>,
    pub errors: Vec<ToolError>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Options that change how a report looks, not what it says.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
        }
    }
}

pub fn render(format: Format, report: &Report, sources: &Sources, style: Style) -> String {
    match format {
        Format::Human => human::render(report, sources, style),
        Format::Compact => compact::render(report, sources),
        Format::Json => json::render(report, sources),
    }
}

/// `path`, 1-based start and end positions of a span.
pub(crate) fn location(
    sources: &Sources,
    span: Span,
) -> (String, crate::source::LineCol, crate::source::LineCol) {
    let (start, end) = sources.line_col(span);
    (sources.name(span.file).to_string(), start, end)
}

/// One summary line: `2 errors, 1 warning, 0 notes`.
pub(crate) fn summary_line(report: &Report) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {}",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.count(Severity::Note), "note")
    )
}

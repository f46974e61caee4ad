//! Reporters: pure functions of (report, sources) → text, one file per format (written as it
//! is rendered for the line-oriented ones, see [`write`]). Output order is
//! the findings' order (deterministic), and nothing here reads the clock or the environment.

pub mod compact;
pub mod github;
pub mod human;
pub mod inventory;
pub mod json;
pub mod junit;
pub mod sarif;

use std::io::Write;

use rayon::prelude::*;

use crate::frontend::Input;
use crate::model::Severity;
use crate::policy::{Finding, PolicyMeta};
use crate::source::{Origin, Sources, Span};

/// Output formats (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Compact,
    Json,
    /// SARIF 2.1.0 (code scanning: GitHub, Azure DevOps, IDE viewers).
    Sarif,
    /// JUnit XML: one test case per policy and scope (GitLab, Azure Pipelines, Jenkins).
    Junit,
    /// GitHub Actions workflow commands (`::error file=…::…`): annotations on the pull request.
    Github,
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

/// One root of the run and the files it read.
#[derive(Debug, Clone, Default)]
pub struct RootInfo {
    /// As findings name it (`infra/prod`, `plan.json`, `<stdin>`).
    pub name: String,
    pub kind: &'static str,
    pub inputs: Vec<Input>,
}

/// What a run evaluated and what it could not (architecture.md, JSON report `coverage`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    pub roots: usize,
    pub nsgs: usize,
    /// NSGs associated with no subnet or NIC of their root (a module's NSG).
    pub nsgs_unattached: usize,
    /// User rules (Azure's default rules are not counted).
    pub rules: usize,
    pub subnets: usize,
    pub nics: usize,
    /// Values nsgate could not compute, in the models of all roots.
    pub unknown_values: usize,
    pub suppressed: usize,
    pub baselined: usize,
    pub skipped: Vec<crate::discover::Skipped>,
}

impl Coverage {
    /// Add one root's linked network.
    pub fn add_network(&mut self, net: &crate::model::Network) {
        self.roots += 1;
        self.nsgs += net.nsgs.len();
        self.nsgs_unattached += net.unattached_nsgs().len();
        self.rules += net.nsgs.iter().map(|n| n.rules.len()).sum::<usize>();
        self.subnets += net.subnets.len();
        self.nics += net.nics.len();
        self.unknown_values += crate::model::census::unknown_values(net);
    }

    /// Nothing was there to evaluate.
    pub fn is_empty(&self) -> bool {
        self.nsgs == 0 && self.subnets == 0 && self.nics == 0
    }
}

/// Everything one run has to say.
#[derive(Debug, Default)]
pub struct Report {
    pub roots: Vec<RootInfo>,
    /// The project configuration the run used (`nsgate.toml`), if any.
    pub config: Option<Input>,
    /// Findings an `nsgate:ignore` comment suppressed, with its reason, and findings the
    /// baseline records: not reported, but SARIF lists them as suppressed results.
    pub suppressed: Vec<(Finding, String)>,
    pub baselined: Vec<Finding>,
    pub coverage: Coverage,
    pub findings: Vec<Finding>,
    pub errors: Vec<ToolError>,
    /// The policies that ran (SARIF rule metadata, JUnit test cases for passing policies).
    pub policies: Vec<PolicyMeta>,
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
    let mut out = Vec::new();
    // Writing into memory cannot fail, and every reporter writes UTF-8.
    let _ = write(format, report, sources, style, &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Write the report to `w`. The line-oriented formats (human, compact, GitHub) are written a
/// chunk of findings at a time, each chunk rendered on every core, so a run with tens of
/// thousands of findings never holds its whole output; the document formats are built, then
/// written.
pub fn write(
    format: Format,
    report: &Report,
    sources: &Sources,
    style: Style,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let document = match format {
        Format::Human => return human::write(report, sources, style, w),
        Format::Compact => return compact::write(report, sources, w),
        Format::Github => return github::write(report, sources, w),
        Format::Json => json::render(report, sources),
        Format::Sarif => sarif::render(report, sources),
        Format::Junit => junit::render(report, sources),
    };
    w.write_all(document.as_bytes())
}

/// Items rendered at once by [`write_each`].
const CHUNK: usize = 1024;

/// Render each item with `one` (a chunk at a time, in parallel) and write them in order.
pub(crate) fn write_each<T: Sync>(
    items: &[T],
    one: impl Fn(&T) -> String + Sync,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    for chunk in items.chunks(CHUNK) {
        let texts: Vec<String> = chunk.par_iter().map(&one).collect();
        for t in texts {
            w.write_all(t.as_bytes())?;
        }
    }
    Ok(())
}

/// Whether a file is a real artifact a user can open: not Azure's synthetic default rules,
/// not standard input (`<stdin>`) nor another made-up `<…>` name. Formats that hand paths to
/// other tools (SARIF, GitHub, JUnit) only point into real artifacts.
pub(crate) fn is_artifact(sources: &Sources, file: crate::source::FileId) -> bool {
    sources
        .get(file)
        .is_some_and(|f| f.origin == Origin::User && !f.name.starts_with('<'))
}

/// Where a finding is best shown in a format that can only point into real files: its
/// primary span, else its resource block, else its first label in a real file.
pub(crate) fn artifact_span(sources: &Sources, f: &Finding) -> Option<Span> {
    std::iter::once(f.primary.span)
        .chain(f.resource_span)
        .chain(f.labels.iter().map(|l| l.span))
        .find(|s| is_artifact(sources, s.file))
}

/// `path`, 1-based start and end positions of a span.
pub(crate) fn location(
    sources: &Sources,
    span: Span,
) -> (String, crate::source::LineCol, crate::source::LineCol) {
    let (start, end) = sources.line_col(span);
    (sources.name(span.file).to_string(), start, end)
}

/// 1-based start and end of a region for tools that show regions (SARIF, GitHub): a span that
/// ends with its line break ends on that line, not at column 1 of the next one.
pub(crate) fn region(
    sources: &Sources,
    span: Span,
) -> (crate::source::LineCol, crate::source::LineCol) {
    let ends_with_newline = span.end > span.start
        && sources
            .get(span.file)
            .and_then(|f| f.text.as_bytes().get(span.end as usize - 1))
            == Some(&b'\n');
    let trimmed = if ends_with_newline {
        Span {
            end: span.end - 1,
            ..span
        }
    } else {
        span
    };
    sources.line_col(trimmed)
}

/// Text for a terminal or a CI log: control characters other than line breaks and tabs are
/// written as Rust escapes (`\u{1b}`), so a name in an input cannot move the cursor, rewrite a
/// line or inject a workflow command. `keep_lines` keeps `\n` (and a `\r` before it).
pub(crate) fn terminal_safe(s: &str, keep_lines: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |(i, c): (usize, char)| {
        c.is_control()
            && !(keep_lines
                && (c == '\n'
                    || c == '\t'
                    || (c == '\r' && s.as_bytes().get(i + 1) == Some(&b'\n'))))
    };
    if !s.char_indices().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        if unsafe_char((i, c)) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One summary line: `2 errors, 1 warning, 0 notes`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The coverage in one sentence: what was evaluated, what could not be, what was left out.
pub(crate) fn coverage_line(c: &Coverage) -> String {
    if c.roots == 0 {
        return "nothing was evaluated: no root was found".to_string();
    }
    if c.is_empty() {
        return format!(
            "nothing to evaluate: {} held no NSG, subnet or network interface",
            if c.roots == 1 {
                "the root".to_string()
            } else {
                format!("the {} roots", c.roots)
            }
        );
    }
    format!(
        "evaluated {} ({} unattached), {}, {}, {}; {}; {} suppressed, {} baselined",
        plural(c.nsgs, "NSG"),
        c.nsgs_unattached,
        plural(c.rules, "rule"),
        plural(c.subnets, "subnet"),
        plural(c.nics, "network interface"),
        plural(c.unknown_values, "unknown value"),
        c.suppressed,
        c.baselined,
    )
}

pub(crate) fn summary_line(report: &Report) -> String {
    format!(
        "{}, {}, {}",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.count(Severity::Note), "note")
    )
}

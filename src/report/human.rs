//! The human report: miette graphical diagnostics. The primary label sits on the deciding rule
//! (or the offending value); labels in the same file are shown with it, labels in other files
//! as related diagnostics (miette labels one file per diagnostic). Help carries the witness
//! flows and the fix in the input's own language. A summary line ends the report.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::model::Severity;
use crate::policy::{Finding, Label};
use crate::report::{
    coverage_line, location, plural, summary_line, terminal_safe, write_each, Report, Style,
    ToolError,
};
use crate::source::{FileId, Sources, Span};

/// A loaded file as miette source, borrowed (no copy of the text per diagnostic).
struct FileSource<'a> {
    name: &'a str,
    text: &'a str,
}

/// Lines longer than this are not printed: a compact `terraform show -json` plan is one line
/// of megabytes, and miette pads to columns with a formatting width that panics past 65535.
/// A label on such a line is given as a plain `path:line:col` instead.
const MAX_SHOWN_LINE: usize = 1000;

/// Context lines around a label (the handler's setting, and what [`MAX_SHOWN_LINE`] checks).
const CONTEXT_LINES: usize = 1;

/// The files as the terminal may see them: names and text with control characters made
/// harmless. The text keeps its byte length (each control character becomes `?`s), so spans
/// still point at the same places; a file without control characters is borrowed.
struct Shown<'a> {
    files: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Shown<'a> {
    fn new(sources: &'a Sources) -> Shown<'a> {
        let files = sources
            .iter()
            .map(|(_, f)| (terminal_safe(&f.name, false), same_length_safe(&f.text)))
            .collect();
        Shown { files }
    }

    fn source(&self, file: FileId) -> Option<FileSource<'_>> {
        self.files
            .get(file.0 as usize)
            .map(|(name, text)| FileSource {
                name: name.as_ref(),
                text: text.as_ref(),
            })
    }
}

/// `text` with every control character but line breaks and tabs replaced by as many `?` as it
/// has bytes.
fn same_length_safe(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t' && c != '\r';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a span's lines (with context) are short enough to print.
fn printable(sources: &Sources, span: Span) -> bool {
    sources
        .get(span.file)
        .is_some_and(|f| f.widest_line(span, CONTEXT_LINES) <= MAX_SHOWN_LINE)
}

/// `path:line:col: message`, for a label whose line is too long to print.
fn plain_label(sources: &Sources, span: Span, message: &str) -> String {
    let (path, start, _) = location(sources, span);
    format!(
        "{}:{start}: {}",
        terminal_safe(&path, false),
        terminal_safe(message, true)
    )
}

impl SourceCode for FileSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

struct Diag<'a> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    source: Option<FileSource<'a>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Diag<'a>>,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    }
}

fn labeled(span: Span, message: &str, primary: bool) -> LabeledSpan {
    let source_span = SourceSpan::new((span.start as usize).into(), span.len());
    let message = Some(terminal_safe(message, true).into_owned());
    if primary {
        LabeledSpan::new_primary_with_span(message, source_span)
    } else {
        LabeledSpan::new_with_span(message, source_span)
    }
}

/// A diagnostic's snippet: the file and its labels when every label's lines can be printed,
/// else no snippet and one plain `path:line:col: message` line per label (prepended to help).
fn snippet<'a>(
    sources: &Sources,
    shown: &'a Shown<'a>,
    file: FileId,
    labels: &[(Span, &str, bool)],
) -> (Option<FileSource<'a>>, Vec<LabeledSpan>, Vec<String>) {
    if labels.iter().all(|(span, _, _)| printable(sources, *span)) {
        let spans = labels
            .iter()
            .map(|(span, message, primary)| labeled(*span, message, *primary))
            .collect();
        (shown.source(file), spans, Vec::new())
    } else {
        let plain = labels
            .iter()
            .map(|(span, message, _)| plain_label(sources, *span, message))
            .collect();
        (None, Vec::new(), plain)
    }
}

fn joined_help(lines: Vec<String>) -> Option<String> {
    if lines.is_empty() {
        None
    } else {
        Some(lines.join("\n"))
    }
}

fn finding_diag<'a>(sources: &Sources, shown: &'a Shown<'a>, f: &Finding) -> Diag<'a> {
    let file = f.primary.span.file;
    let mut here = vec![(f.primary.span, f.primary.message.as_str(), true)];
    let mut elsewhere: Vec<&Label> = Vec::new();
    for l in &f.labels {
        if l.span.file == file {
            here.push((l.span, l.message.as_str(), false));
        } else {
            elsewhere.push(l);
        }
    }
    // One related diagnostic per other file, carrying all its labels.
    let mut related: Vec<Diag<'a>> = Vec::new();
    let mut files: Vec<FileId> = elsewhere.iter().map(|l| l.span.file).collect();
    files.sort();
    files.dedup();
    for other in files {
        let these: Vec<(Span, &str, bool)> = elsewhere
            .iter()
            .filter(|l| l.span.file == other)
            .map(|l| (l.span, l.message.as_str(), false))
            .collect();
        let (source, labels, plain) = snippet(sources, shown, other, &these);
        related.push(Diag {
            message: format!("related: {}", terminal_safe(sources.name(other), false)),
            code: None,
            severity: miette::Severity::Advice,
            source,
            labels,
            help: joined_help(plain),
            related: Vec::new(),
        });
    }
    let (source, labels, mut help) = snippet(sources, shown, file, &here);
    for w in &f.witnesses {
        let mut line = format!("witness: {}", w.flow);
        if let Some(d) = &w.decided_by {
            let priority = d
                .priority
                .map(|p| format!("priority {p}"))
                .unwrap_or_else(|| "priority unknown".into());
            line.push_str(&format!(
                " {} by `{}` ({priority}) of {} `{}`, {}",
                if d.access == crate::model::Access::Deny {
                    "denied"
                } else {
                    "allowed"
                },
                d.rule,
                if d.hop.contains("admin") {
                    "admin rule collection"
                } else {
                    "NSG"
                },
                d.nsg,
                d.hop
            ));
        }
        if let Some(n) = &w.note {
            line.push_str(&format!(" ({n})"));
        }
        help.push(terminal_safe(&line, true).into_owned());
    }
    for n in &f.notes {
        help.push(format!("note: {}", terminal_safe(n, true)));
    }
    if let Some(fix) = &f.fix {
        help.push(format!("fix: {}", terminal_safe(&fix.summary, true)));
        if let Some(snippet) = &fix.snippet {
            help.push(terminal_safe(snippet, true).into_owned());
        }
    }
    Diag {
        message: terminal_safe(&f.message, true).into_owned(),
        code: Some(format!("{}/{}", f.policy, terminal_safe(&f.name, false))),
        severity: severity(f.severity),
        source,
        labels,
        help: joined_help(help),
        related,
    }
}

fn error_diag<'a>(sources: &Sources, shown: &'a Shown<'a>, e: &ToolError) -> Diag<'a> {
    let mut message = e.message.clone();
    if e.span.is_none() {
        if let Some(p) = &e.path {
            if !message.contains(p.as_str()) {
                message = format!("{p}: {message}");
            }
        }
    }
    let (source, labels, mut help) = match e.span {
        Some(span) => snippet(sources, shown, span.file, &[(span, "here", true)]),
        None => (None, Vec::new(), Vec::new()),
    };
    help.extend(e.help.iter().map(|h| terminal_safe(h, true).into_owned()));
    Diag {
        message: terminal_safe(&message, true).into_owned(),
        code: Some("nsgate::error".into()),
        severity: miette::Severity::Error,
        source,
        labels,
        help: joined_help(help),
        related: Vec::new(),
    }
}

/// Skipped files listed in the footer; JSON lists them all.
const MAX_SKIPPED_SHOWN: usize = 20;

pub fn write(
    report: &Report,
    sources: &Sources,
    style: Style,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_context_lines(CONTEXT_LINES);
    let shown = Shown::new(sources);
    let rendered = |d: Diag| {
        let mut text = String::new();
        if handler.render_report(&mut text, &d).is_err() {
            text = format!("{}\n", d.message);
        }
        text.push('\n');
        text
    };
    write_each(
        &report.errors,
        |e| rendered(error_diag(sources, &shown, e)),
        w,
    )?;
    write_each(
        &report.findings,
        |f| rendered(finding_diag(sources, &shown, f)),
        w,
    )?;
    let mut out = String::new();
    let inputs: usize = report.roots.iter().map(|r| r.inputs.len()).sum();
    out.push_str(&format!(
        "nsgate: {} in {} ({}){}{}\n",
        summary_line(report),
        plural(report.roots.len(), "root"),
        plural(inputs, "input"),
        report
            .config
            .as_ref()
            .map(|c| format!(" (configuration {})", c.path))
            .unwrap_or_default(),
        if report.errors.is_empty() {
            String::new()
        } else {
            format!(
                "; {} input or configuration error{}",
                report.errors.len(),
                if report.errors.len() == 1 { "" } else { "s" }
            )
        }
    ));
    out.push_str(&format!("coverage: {}\n", coverage_line(&report.coverage)));
    let skipped = &report.coverage.skipped;
    if !skipped.is_empty() {
        out.push_str(&format!("skipped {}:\n", plural(skipped.len(), "path")));
        for s in skipped.iter().take(MAX_SKIPPED_SHOWN) {
            out.push_str(&format!("  {}: {}\n", s.path, s.reason));
        }
        if skipped.len() > MAX_SKIPPED_SHOWN {
            out.push_str(&format!(
                "  … and {} more (`--format json` lists every one)\n",
                skipped.len() - MAX_SKIPPED_SHOWN
            ));
        }
    }
    w.write_all(out.as_bytes())
}

//! The human report: miette graphical diagnostics. The primary label sits on the deciding rule
//! (or the offending value); labels in the same file are shown with it, labels in other files
//! as related diagnostics (miette labels one file per diagnostic). Help carries the witness
//! flows and the fix in the input's own language. A summary line ends the report.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::model::Severity;
use crate::policy::{Finding, Label};
use crate::report::{coverage_line, plural, summary_line, Report, Style, ToolError};
use crate::source::{FileId, Sources, Span};

/// A loaded file as miette source, borrowed (no copy of the text per diagnostic).
struct FileSource<'a> {
    name: &'a str,
    text: &'a str,
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

fn source(sources: &Sources, file: FileId) -> Option<FileSource<'_>> {
    sources.get(file).map(|f| FileSource {
        name: &f.name,
        text: &f.text,
    })
}

fn labeled(span: Span, message: &str, primary: bool) -> LabeledSpan {
    let source_span = SourceSpan::new((span.start as usize).into(), span.len());
    if primary {
        LabeledSpan::new_primary_with_span(Some(message.to_string()), source_span)
    } else {
        LabeledSpan::new_with_span(Some(message.to_string()), source_span)
    }
}

fn finding_diag<'a>(sources: &'a Sources, f: &Finding) -> Diag<'a> {
    let file = f.primary.span.file;
    let mut labels = vec![labeled(f.primary.span, &f.primary.message, true)];
    let mut elsewhere: Vec<&Label> = Vec::new();
    for l in &f.labels {
        if l.span.file == file {
            labels.push(labeled(l.span, &l.message, false));
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
        let these: Vec<LabeledSpan> = elsewhere
            .iter()
            .filter(|l| l.span.file == other)
            .map(|l| labeled(l.span, &l.message, false))
            .collect();
        related.push(Diag {
            message: format!("related: {}", sources.name(other)),
            code: None,
            severity: miette::Severity::Advice,
            source: source(sources, other),
            labels: these,
            help: None,
            related: Vec::new(),
        });
    }
    let mut help = Vec::new();
    for w in &f.witnesses {
        let mut line = format!("witness: {}", w.flow);
        if let Some(d) = &w.decided_by {
            let priority = d
                .priority
                .map(|p| format!("priority {p}"))
                .unwrap_or_else(|| "priority unknown".into());
            line.push_str(&format!(
                " {} by `{}` ({priority}) of NSG `{}`, {}",
                if d.access == crate::model::Access::Deny {
                    "denied"
                } else {
                    "allowed"
                },
                d.rule,
                d.nsg,
                d.hop
            ));
        }
        if let Some(n) = &w.note {
            line.push_str(&format!(" ({n})"));
        }
        help.push(line);
    }
    for n in &f.notes {
        help.push(format!("note: {n}"));
    }
    if let Some(fix) = &f.fix {
        help.push(format!("fix: {}", fix.summary));
        if let Some(snippet) = &fix.snippet {
            help.push(snippet.clone());
        }
    }
    Diag {
        message: f.message.clone(),
        code: Some(format!("{}/{}", f.policy, f.name)),
        severity: severity(f.severity),
        source: source(sources, file),
        labels,
        help: if help.is_empty() {
            None
        } else {
            Some(help.join("\n"))
        },
        related,
    }
}

fn error_diag<'a>(sources: &'a Sources, e: &ToolError) -> Diag<'a> {
    let mut message = e.message.clone();
    if e.span.is_none() {
        if let Some(p) = &e.path {
            if !message.contains(p.as_str()) {
                message = format!("{p}: {message}");
            }
        }
    }
    Diag {
        message,
        code: Some("nsgate::error".into()),
        severity: miette::Severity::Error,
        source: e.span.and_then(|s| source(sources, s.file)),
        labels: e
            .span
            .map(|s| vec![labeled(s, "here", true)])
            .unwrap_or_default(),
        help: e.help.clone(),
        related: Vec::new(),
    }
}

/// Skipped files listed in the footer; JSON lists them all.
const MAX_SKIPPED_SHOWN: usize = 20;

pub fn render(report: &Report, sources: &Sources, style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_context_lines(1);
    let mut out = String::new();
    let diags = report
        .errors
        .iter()
        .map(|e| error_diag(sources, e))
        .chain(report.findings.iter().map(|f| finding_diag(sources, f)));
    for d in diags {
        let mut text = String::new();
        if handler.render_report(&mut text, &d).is_err() {
            text = format!("{}\n", d.message);
        }
        out.push_str(&text);
        out.push('\n');
    }
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
    out
}

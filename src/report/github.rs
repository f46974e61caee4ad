//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding,
//! which the runner turns into annotations on the pull request's changed lines.
//!
//! `::error file=main.tf,line=53,col=3,endLine=53,endColumn=9,title=NSG001 name::message`
//!
//! Escaping follows the runner's rules: in the message `%`, CR and LF become `%25`, `%0D`,
//! `%0A`; in property values also `:` and `,` (`%3A`, `%2C`). Columns are only given when the
//! region is on one line: GitHub's annotations take `col`/`endColumn` only for single-line
//! regions. Places in files that are not real (Azure's default rules, standard input) are left
//! out; a finding with no real place is an annotation without `file`.

use std::io::Write;

use crate::model::Severity;
use crate::policy::Finding;
use crate::report::{artifact_span, is_artifact, write_each, Report, ToolError};
use crate::source::{Sources, Span};

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// Escape the message part of a workflow command. Other control characters (ESC…) are
/// written as Rust escapes first: the runner's log is a terminal.
pub fn escape_data(s: &str) -> String {
    crate::report::terminal_safe(s, true)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`file=`, `title=`…) of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `file=…,line=…[,col=…],endLine=…[,endColumn=…]` for a span.
fn place(sources: &Sources, span: Span) -> Vec<(&'static str, String)> {
    let (start, end) = crate::report::region(sources, span);
    let mut props = vec![
        (
            "file",
            sources.name(span.file).replace('\\', "/").to_string(),
        ),
        ("line", start.line.to_string()),
    ];
    if start.line == end.line {
        props.push(("col", start.column.to_string()));
        props.push(("endLine", end.line.to_string()));
        props.push(("endColumn", end.column.to_string()));
    } else {
        props.push(("endLine", end.line.to_string()));
    }
    props
}

fn line(cmd: &str, props: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    format!("::{cmd} {}::{}\n", props.join(","), escape_data(message))
}

fn finding_line(sources: &Sources, f: &Finding) -> String {
    let mut props = artifact_span(sources, f)
        .map(|s| place(sources, s))
        .unwrap_or_default();
    props.push(("title", format!("{} {}", f.policy, f.name)));
    let mut message = f.message.clone();
    if let Some(fix) = &f.fix {
        message.push_str(&format!("\nfix: {}", fix.summary));
        if let Some(snippet) = &fix.snippet {
            message.push('\n');
            message.push_str(snippet);
        }
    }
    line(command(f.severity), &props, &message)
}

fn error_line(sources: &Sources, e: &ToolError) -> String {
    let mut props = match (e.span, e.path.as_deref()) {
        (Some(span), _) if is_artifact(sources, span.file) => place(sources, span),
        (_, Some(p)) if !p.starts_with('<') => vec![("file", p.replace('\\', "/"))],
        _ => Vec::new(),
    };
    props.push(("title", "nsgate".to_string()));
    let mut message = e.message.clone();
    if let Some(h) = &e.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    line("error", &props, &message)
}

pub fn write(report: &Report, sources: &Sources, w: &mut dyn Write) -> std::io::Result<()> {
    write_each(&report.errors, |e| error_line(sources, e), w)?;
    write_each(&report.findings, |f| finding_line(sources, f), w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("a\u{1b}[2Jb\rc"), "a\\u{1b}[2Jb\\rc");
    }
}

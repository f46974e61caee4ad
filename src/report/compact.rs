//! `path:line:col: severity[ID] message`, one line per finding: vim's default errorformat and a
//! VS Code problem matcher read it (see the README). Tool errors use the same shape with `nsgate`
//! as the ID.

use std::io::Write;

use crate::policy::Finding;
use crate::report::{location, terminal_safe, write_each, Report, ToolError};
use crate::source::Sources;

pub fn write(report: &Report, sources: &Sources, w: &mut dyn Write) -> std::io::Result<()> {
    let error_line = |e: &ToolError| {
        let place = match e.span {
            Some(span) => {
                let (path, start, _) = location(sources, span);
                format!("{}:{}:{}", one_line(&path), start.line, start.column)
            }
            None => format!("{}:1:1", one_line(e.path.as_deref().unwrap_or("nsgate"))),
        };
        format!("{place}: error[nsgate] {}\n", one_line(&e.message))
    };
    write_each(&report.errors, error_line, w)?;
    let finding_line = |f: &Finding| {
        let (path, start, _) = location(sources, f.primary.span);
        format!(
            "{}:{}:{}: {}[{}] {}\n",
            one_line(&path),
            start.line,
            start.column,
            f.severity,
            f.policy,
            one_line(&f.message)
        )
    };
    write_each(&report.findings, finding_line, w)
}

/// One line for the terminal: whitespace runs become one space, other control characters are
/// escaped.
fn one_line(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    terminal_safe(&words.join(" "), false).into_owned()
}

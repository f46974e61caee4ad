//! `path:line:col: severity[ID] message`, one line per finding: vim's default errorformat and a
//! VS Code problem matcher read it (see the README). Tool errors use the same shape with `nsgate`
//! as the ID.

use crate::report::{location, terminal_safe, Report};
use crate::source::Sources;

pub fn render(report: &Report, sources: &Sources) -> String {
    let mut out = String::new();
    for e in &report.errors {
        let place = match e.span {
            Some(span) => {
                let (path, start, _) = location(sources, span);
                format!("{}:{}:{}", one_line(&path), start.line, start.column)
            }
            None => format!("{}:1:1", one_line(e.path.as_deref().unwrap_or("nsgate"))),
        };
        out.push_str(&format!(
            "{place}: error[nsgate] {}\n",
            one_line(&e.message)
        ));
    }
    for f in &report.findings {
        let (path, start, _) = location(sources, f.primary.span);
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {}\n",
            one_line(&path),
            start.line,
            start.column,
            f.severity,
            f.policy,
            one_line(&f.message)
        ));
    }
    out
}

/// One line for the terminal: whitespace runs become one space, other control characters are
/// escaped.
fn one_line(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    terminal_safe(&words.join(" "), false).into_owned()
}

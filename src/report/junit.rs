//! JUnit XML, the test-report format CI systems display (GitLab's `artifacts:reports:junit`,
//! Azure Pipelines' PublishTestResults, Jenkins).
//!
//! One `<testsuite>` per policy that ran, with one `<testcase>` per scope a finding is about
//! (the resource's address, else the file): a failing test case carries one `<failure>` whose
//! `message` lists the findings as `path:line:col: message` and whose text has the details
//! (witnesses, fix). A policy with no finding gets one passing test case, so the report shows
//! what was checked. Tool errors (unreadable input) are `<error>`s in a suite named `nsgate`.
//! Nothing depends on the clock: no timestamps, `time="0"`.

use std::fmt::Write as _;

use crate::policy::Finding;
use crate::report::{artifact_span, location, Report, ToolError};
use crate::source::Sources;

/// Characters XML 1.0 cannot carry at all become U+FFFD.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if u32::from(c) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

/// Escape element text.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Escape an attribute value (double-quoted); line breaks and tabs survive as references.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// `path:line:col` of where a finding is best shown (a real file when there is one).
fn place(sources: &Sources, f: &Finding) -> String {
    let span = artifact_span(sources, f).unwrap_or(f.primary.span);
    let (path, start, _) = location(sources, span);
    format!("{path}:{}:{}", start.line, start.column)
}

/// What a finding is about: the resource's address, else the file it is in.
fn scope(sources: &Sources, f: &Finding) -> String {
    match &f.resource {
        Some(r) => r.clone(),
        None => {
            let span = artifact_span(sources, f).unwrap_or(f.primary.span);
            sources.name(span.file).to_string()
        }
    }
}

fn details(sources: &Sources, f: &Finding) -> String {
    let mut out = format!(
        "{}: {}[{}] {}\n",
        place(sources, f),
        f.severity,
        f.policy,
        f.message
    );
    for l in &f.labels {
        let (path, start, _) = location(sources, l.span);
        let _ = writeln!(
            out,
            "  {path}:{}:{}: {}",
            start.line, start.column, l.message
        );
    }
    for w in &f.witnesses {
        let _ = write!(out, "  witness: {}", w.flow);
        if let Some(d) = &w.decided_by {
            let priority = d
                .priority
                .map(|p| format!("priority {p}"))
                .unwrap_or_else(|| "priority unknown".into());
            let _ = write!(
                out,
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
            );
        }
        if let Some(n) = &w.note {
            let _ = write!(out, " ({n})");
        }
        out.push('\n');
    }
    for n in &f.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(out, "  fix: {}", fix.summary);
        if let Some(snippet) = &fix.snippet {
            for l in snippet.lines() {
                let _ = writeln!(out, "    {l}");
            }
        }
    }
    out
}

struct Case {
    name: String,
    file: Option<String>,
    /// `(message attribute, text)` of its failure, if it fails.
    failure: Option<(String, String, &'static str)>,
    error: Option<(String, String)>,
}

struct Suite {
    name: String,
    classname: String,
    cases: Vec<Case>,
}

/// One suite per policy, one case per scope, in the findings' (deterministic) order.
fn policy_suite(sources: &Sources, id: &str, name: &str, findings: &[&Finding]) -> Suite {
    let mut scopes: Vec<(String, Vec<&Finding>)> = Vec::new();
    let mut index: rustc_hash::FxHashMap<String, usize> = Default::default();
    for f in findings {
        let s = scope(sources, f);
        match index.get(&s).and_then(|&i| scopes.get_mut(i)) {
            Some((_, v)) => v.push(f),
            None => {
                index.insert(s.clone(), scopes.len());
                scopes.push((s, vec![f]));
            }
        }
    }
    let mut cases: Vec<Case> = scopes
        .into_iter()
        .map(|(scope, fs)| {
            let message = fs
                .iter()
                .map(|f| format!("{}: {}", place(sources, f), f.message))
                .collect::<Vec<_>>()
                .join("\n");
            let text: String = fs.iter().map(|f| details(sources, f)).collect();
            let worst = fs.iter().map(|f| f.severity).max();
            let file = fs
                .first()
                .and_then(|f| artifact_span(sources, f).map(|s| sources.name(s.file).to_string()));
            Case {
                name: scope,
                file,
                failure: Some((message, text, worst.map(|s| s.as_str()).unwrap_or("error"))),
                error: None,
            }
        })
        .collect();
    if cases.is_empty() {
        cases.push(Case {
            name: "all inputs".into(),
            file: None,
            failure: None,
            error: None,
        });
    }
    Suite {
        name: format!("{id} {name}"),
        classname: format!("{id} {name}"),
        cases,
    }
}

fn error_suite(sources: &Sources, errors: &[ToolError]) -> Suite {
    let cases = errors
        .iter()
        .map(|e| {
            let (name, file, at) = match e.span {
                Some(span) => {
                    let (path, start, _) = location(sources, span);
                    let at = format!("{path}:{}:{}", start.line, start.column);
                    (path.clone(), Some(path), at)
                }
                None => {
                    let p = e.path.clone().unwrap_or_else(|| "nsgate".into());
                    (p.clone(), e.path.clone(), p)
                }
            };
            let mut text = format!("{at}: error {}\n", e.message);
            if let Some(h) = &e.help {
                let _ = writeln!(text, "  help: {h}");
            }
            Case {
                name,
                file: file.filter(|f| !f.starts_with('<')),
                failure: None,
                error: Some((format!("{at}: {}", e.message), text)),
            }
        })
        .collect();
    Suite {
        name: "nsgate".into(),
        classname: "nsgate".into(),
        cases,
    }
}

/// The run's coverage as JUnit properties (each suite carries them: `<testsuites>` has none).
fn coverage_properties(c: &crate::report::Coverage) -> String {
    let mut props = vec![
        ("nsgate.roots", c.roots.to_string()),
        ("nsgate.nsgs", c.nsgs.to_string()),
        ("nsgate.nsgs_unattached", c.nsgs_unattached.to_string()),
        ("nsgate.rules", c.rules.to_string()),
        ("nsgate.subnets", c.subnets.to_string()),
        ("nsgate.nics", c.nics.to_string()),
        ("nsgate.unknown_values", c.unknown_values.to_string()),
        ("nsgate.suppressed", c.suppressed.to_string()),
        ("nsgate.baselined", c.baselined.to_string()),
        ("nsgate.skipped", c.skipped.len().to_string()),
    ];
    props.extend(
        c.skipped
            .iter()
            .map(|s| ("nsgate.skipped.path", format!("{}: {}", s.path, s.reason))),
    );
    let mut out = String::from("    <properties>\n");
    for (name, value) in props {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            escape_attr(&value)
        );
    }
    out.push_str("    </properties>\n");
    out
}

fn write_suite(out: &mut String, s: &Suite, properties: &str) {
    let failures = s.cases.iter().filter(|c| c.failure.is_some()).count();
    let errors = s.cases.iter().filter(|c| c.error.is_some()).count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"0\">",
        escape_attr(&s.name),
        s.cases.len()
    );
    out.push_str(properties);
    for c in &s.cases {
        let file = c
            .file
            .as_ref()
            .map(|f| format!(" file=\"{}\"", escape_attr(f)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"{file} time=\"0\"",
            escape_attr(&s.classname),
            escape_attr(&c.name)
        );
        match (&c.failure, &c.error) {
            (Some((message, text, kind)), _) => {
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"{kind}\" message=\"{}\">{}</failure>\n    </testcase>",
                    escape_attr(message),
                    escape_text(text)
                );
            }
            (None, Some((message, text))) => {
                let _ = writeln!(
                    out,
                    ">\n      <error type=\"input\" message=\"{}\">{}</error>\n    </testcase>",
                    escape_attr(message),
                    escape_text(text)
                );
            }
            (None, None) => out.push_str("/>\n"),
        }
    }
    out.push_str("  </testsuite>\n");
}

pub fn render(report: &Report, sources: &Sources) -> String {
    let mut suites = Vec::new();
    if !report.errors.is_empty() {
        suites.push(error_suite(sources, &report.errors));
    }
    let mut ids: Vec<(&str, &str)> = report
        .policies
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    for f in &report.findings {
        if !ids.iter().any(|(id, _)| *id == f.policy) {
            ids.push((&f.policy, &f.name));
        }
    }
    for (id, name) in ids {
        let these: Vec<&Finding> = report.findings.iter().filter(|f| f.policy == id).collect();
        suites.push(policy_suite(sources, id, name, &these));
    }
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let count = |pred: fn(&Case) -> bool| -> usize {
        suites
            .iter()
            .map(|s| s.cases.iter().filter(|c| pred(c)).count())
            .sum()
    };
    let failures = count(|c| c.failure.is_some());
    let errors = count(|c| c.error.is_some());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"nsgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"0\">"
    );
    let properties = coverage_properties(&report.coverage);
    for s in &suites {
        write_suite(&mut out, s, &properties);
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            escape_attr("a<b>&\"c'\nd\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;d\u{FFFD}"
        );
        assert_eq!(escape_text("`x` < 3 & y\n"), "`x` &lt; 3 &amp; y\n");
    }
}

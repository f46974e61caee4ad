//! Inline suppressions and baselines.
//!
//! A comment `nsgate:ignore NSG002 -- <reason>` (`#`, `//` or `/* */` in HCL, `//` and `/* */`
//! in Bicep and JSON with comments — real comments, as the parsers see them, never text in a
//! string) suppresses the listed policies' findings on the construct it precedes (the block or
//! attribute below it), or, after code on its line, on the construct that line starts. The
//! reason is required;
//! a suppression without one is reported and ignored, and one that matches nothing is reported
//! as a note, so stale suppressions do not pile up.
//!
//! A baseline records findings by fingerprint (policy, resource, rule and what fails — not line
//! numbers), so a team can adopt nsgate on an existing estate and gate only new problems.

use serde::{Deserialize, Serialize};

use crate::model::Severity;
use crate::policy::finding::{Finding, Label};
use crate::source::{Origin, Sources, Span};

const MARKER: &str = "nsgate:ignore";

/// One `nsgate:ignore` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    pub ids: Vec<String>,
    pub reason: String,
    /// The comment itself.
    pub span: Span,
    /// The first byte of the construct it applies to: the code after it, or — for a comment
    /// that ends a line of code — the code that line starts with.
    pub target: Span,
}

/// The suppressions in `comments` — spans of real comments, as the input languages' parsers
/// found them (see `frontend::comment_spans`) — and the malformed ones as findings. Text that
/// only looks like a comment (inside a string) never reaches here.
pub fn scan(sources: &Sources, comments: &[Span]) -> (Vec<Suppression>, Vec<Finding>) {
    let mut found = Vec::new();
    let mut bad = Vec::new();
    for &span in comments {
        let Some(f) = sources.get(span.file).filter(|f| f.origin == Origin::User) else {
            continue;
        };
        let (start, end) = (span.start as usize, span.end as usize);
        let Some(comment) = f.text.get(start..end) else {
            continue;
        };
        let Some(at) = comment.find(MARKER) else {
            continue;
        };
        let rest = comment
            .get(at + MARKER.len()..)
            .unwrap_or("")
            .trim_end_matches("*/")
            .trim();
        let (ids_part, reason) = match rest.split_once("--") {
            Some((ids, reason)) => (ids, reason.trim()),
            None => (rest, ""),
        };
        let ids: Vec<String> = ids_part
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| s.to_ascii_uppercase())
            .collect();
        if ids.is_empty() || reason.is_empty() {
            let what = if ids.is_empty() {
                "names no policy"
            } else {
                "gives no reason"
            };
            bad.push(
                Finding::new(
                    "suppression",
                    "malformed-suppression",
                    Severity::Warning,
                    format!("this suppression {what}, so it is ignored; write `nsgate:ignore NSG002 -- why this is acceptable`"),
                    Label::new(span, "malformed suppression"),
                )
                .with_fingerprint(&[&format!("{}:{start}", f.name)]),
            );
            continue;
        }
        let target = target_of(&f.text, span, comments);
        found.push(Suppression {
            ids,
            reason: reason.to_string(),
            span,
            target: Span::new(span.file, target, target),
        });
    }
    (found, bad)
}

/// Where the construct a comment applies to starts (a byte offset of its file).
fn target_of(text: &str, comment: Span, comments: &[Span]) -> usize {
    let (start, end) = (comment.start as usize, comment.end as usize);
    let line_start = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |n| n + 1);
    let code_first = |from: usize| -> usize {
        let mut at = from;
        loop {
            // Skip whitespace, then any further comment.
            at += text.get(at..).map_or(0, |t| t.len() - t.trim_start().len());
            match comments
                .iter()
                .find(|c| c.file == comment.file && c.start as usize == at)
            {
                Some(c) if c.end as usize > at => at = c.end as usize,
                _ => return at,
            }
        }
    };
    let next = code_first(end);
    let same_line = !text.get(end..next).unwrap_or("\n").contains('\n');
    let before = text.get(line_start..start).unwrap_or("");
    if same_line || before.trim().is_empty() {
        next
    } else {
        // A comment ending a line of code is about that line's construct.
        code_first(line_start)
    }
}

/// Remove suppressed findings; add notes for suppressions that matched nothing.
pub fn apply(findings: Vec<Finding>, sources: &Sources, comments: &[Span]) -> Vec<Finding> {
    apply_counted(findings, sources, comments).0
}

/// As [`apply`], also returning how many findings were suppressed (for the coverage).
pub fn apply_counted(
    findings: Vec<Finding>,
    sources: &Sources,
    comments: &[Span],
) -> (Vec<Finding>, usize) {
    let (kept, suppressed) = apply_split(findings, sources, comments);
    (kept, suppressed.len())
}

/// As [`apply`], also returning the suppressed findings with the reason their comment gives
/// (SARIF reports them as suppressed results, so code scanning shows them as dismissed).
pub fn apply_split(
    findings: Vec<Finding>,
    sources: &Sources,
    comments: &[Span],
) -> (Vec<Finding>, Vec<(Finding, String)>) {
    let (suppressions, mut out_extra) = scan(sources, comments);
    let mut used = vec![false; suppressions.len()];
    let hit = |f: &Finding| {
        if suppressions.is_empty() {
            return None;
        }
        let places: Vec<Span> = std::iter::once(f.primary.span)
            .chain(f.resource_span)
            .chain(f.labels.iter().map(|l| l.span))
            .collect();
        // Exactly the construct the comment precedes: never everything on a (one-)line.
        suppressions.iter().position(|s| {
            s.ids.contains(&f.policy)
                && places
                    .iter()
                    .any(|p| p.file == s.target.file && p.start == s.target.start)
        })
    };
    let hits: Vec<Option<usize>> = findings.iter().map(hit).collect();
    // Nothing suppressed (the common case): a large run's findings are not moved.
    let (mut kept, suppressed) = if hits.iter().all(Option::is_none) {
        (findings, Vec::new())
    } else {
        let (mut kept, mut suppressed) = (Vec::new(), Vec::new());
        for (f, hit) in findings.into_iter().zip(hits) {
            match hit {
                Some(i) => {
                    if let Some(u) = used.get_mut(i) {
                        *u = true;
                    }
                    let reason = suppressions
                        .get(i)
                        .map(|s| s.reason.clone())
                        .unwrap_or_default();
                    suppressed.push((f, reason));
                }
                None => kept.push(f),
            }
        }
        (kept, suppressed)
    };
    for (s, used) in suppressions.iter().zip(used) {
        if !used {
            out_extra.push(
                Finding::new(
                    "suppression",
                    "unused-suppression",
                    Severity::Note,
                    format!(
                        "this suppression of {} matches no finding; remove it",
                        s.ids.join(", ")
                    ),
                    Label::new(s.span, "matches nothing"),
                )
                .with_fingerprint(&[&s.ids.join(","), &s.reason]),
            );
        }
    }
    kept.extend(out_extra);
    (kept, suppressed)
}

/// A baseline file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub policy: String,
    pub resource: Option<String>,
    pub message: String,
}

pub fn baseline_of(findings: &[Finding]) -> String {
    let mut entries: Vec<BaselineEntry> = findings
        .iter()
        .map(|f| BaselineEntry {
            fingerprint: f.fingerprint.clone(),
            policy: f.policy.clone(),
            resource: f.resource.clone(),
            message: f.message.clone(),
        })
        .collect();
    entries.sort();
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let text = serde_json::to_string_pretty(&Baseline {
        version: 1,
        findings: entries,
    })
    .unwrap_or_default();
    format!("{text}\n")
}

/// Parse a baseline; the error says what is wrong.
pub fn parse_baseline(text: &str) -> Result<Vec<String>, String> {
    let b: Baseline =
        serde_json::from_str(text).map_err(|e| format!("not a nsgate baseline: {e}"))?;
    if b.version != 1 {
        return Err(format!(
            "baseline version {} is not supported (expected 1)",
            b.version
        ));
    }
    Ok(b.findings.into_iter().map(|e| e.fingerprint).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn apply(findings: Vec<Finding>, sources: &Sources) -> Vec<Finding> {
        super::apply(findings, sources, &crate::frontend::comment_spans(sources))
    }

    fn finding_at(sources: &Sources, file: FileId, needle: &str, policy: &str) -> Finding {
        let span = sources.find(file, needle).unwrap();
        Finding::new(policy, "n", Severity::Error, "m", Label::new(span, "x"))
            .with_fingerprint(&[needle])
    }

    #[test]
    fn a_comment_above_a_block_suppresses_its_findings_and_unused_ones_are_noted() {
        let mut s = Sources::new();
        let text = "# nsgate:ignore NSG002 -- jump host, source pinned by the firewall\n\nsecurity_rule {\n  name = \"AllowRdp\" // nsgate:ignore nsg010 -- kept for audits\n}\n// nsgate:ignore NSG003 -- nothing here\nresource \"x\" \"y\" {}\n";
        let file = s.add("main.tf", text);
        let findings = vec![
            finding_at(&s, file, "security_rule {", "NSG002"),
            finding_at(&s, file, "name = \"AllowRdp\"", "NSG010"),
            finding_at(&s, file, "security_rule {", "NSG001"),
        ];
        let kept = apply(findings, &s);
        let kinds: Vec<_> = kept
            .iter()
            .map(|f| (f.policy.as_str(), f.name.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![("NSG001", "n"), ("suppression", "unused-suppression")]
        );
    }

    #[test]
    fn a_suppression_needs_a_reason() {
        let mut s = Sources::new();
        let file = s.add("main.tf", "# nsgate:ignore NSG002\nsecurity_rule {}\n");
        let kept = apply(vec![finding_at(&s, file, "security_rule", "NSG002")], &s);
        assert_eq!(kept.len(), 2);
        assert!(kept.iter().any(|f| f.name == "malformed-suppression"));
        assert!(kept.iter().any(|f| f.policy == "NSG002"));
    }

    #[test]
    fn baselines_round_trip_by_fingerprint() {
        let mut s = Sources::new();
        let file = s.add("a.tf", "x y");
        let f = finding_at(&s, file, "y", "NSG001");
        let text = baseline_of(std::slice::from_ref(&f));
        assert_eq!(parse_baseline(&text).unwrap(), vec![f.fingerprint.clone()]);
        assert!(parse_baseline("{}").is_err());
        assert!(parse_baseline("{\"version\": 2, \"findings\": []}")
            .unwrap_err()
            .contains("version 2"));
    }

    #[test]
    fn a_marker_inside_a_string_is_not_a_suppression() {
        let mut s = Sources::new();
        let text = "resource \"x\" \"y\" {\n  description = \"// nsgate:ignore NSG002 -- not a comment\"\n  rule = 1\n}\n";
        let file = s.add("main.tf", text);
        let kept = apply(vec![finding_at(&s, file, "rule = 1", "NSG002")], &s);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].policy, "NSG002");
    }

    #[test]
    fn a_comment_in_a_one_line_template_suppresses_only_what_it_precedes() {
        let mut s = Sources::new();
        let text = r#"{"a": {"tags": {"note": "// nsgate:ignore NSG002 -- in a string"}}, /* nsgate:ignore NSG002 -- only b */ "b": {"rule": 1}, "c": {"rule": 2}}"#;
        let file = s.add("azuredeploy.json", text);
        let findings = vec![
            finding_at(&s, file, "\"a\"", "NSG002"),
            finding_at(&s, file, "\"b\"", "NSG002"),
            finding_at(&s, file, "\"c\"", "NSG002"),
        ];
        let kept = apply(findings, &s);
        let starts: Vec<u32> = kept.iter().map(|f| f.primary.span.start).collect();
        assert_eq!(
            starts,
            vec![
                s.find(file, "\"a\"").unwrap().start,
                s.find(file, "\"c\"").unwrap().start
            ]
        );
    }
}

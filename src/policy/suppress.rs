//! Inline suppressions and baselines.
//!
//! A comment `nsgate:ignore NSG002 -- <reason>` (after `#` or `//` in HCL, `//` in Bicep and
//! JSON with comments) suppresses the listed policies' findings on the line it ends, or on the
//! next line of code below it (the block or attribute it sits above). The reason is required;
//! a suppression without one is reported and ignored, and one that matches nothing is reported
//! as a note, so stale suppressions do not pile up.
//!
//! A baseline records findings by fingerprint (policy, resource, rule and what fails — not line
//! numbers), so a team can adopt nsgate on an existing estate and gate only new problems.

use serde::{Deserialize, Serialize};

use crate::model::Severity;
use crate::policy::finding::{Finding, Label};
use crate::source::{FileId, Origin, Sources, Span};

const MARKER: &str = "nsgate:ignore";

/// One `nsgate:ignore` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    pub ids: Vec<String>,
    pub reason: String,
    /// The comment itself.
    pub span: Span,
    /// 1-based line it applies to.
    pub target_line: u32,
}

fn is_comment_line(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty()
        || t.starts_with('#')
        || t.starts_with("//")
        || t.starts_with("/*")
        || t.starts_with('*')
}

/// Every suppression comment in the user's files, and the malformed ones as findings.
pub fn scan(sources: &Sources) -> (Vec<Suppression>, Vec<Finding>) {
    let mut found = Vec::new();
    let mut bad = Vec::new();
    for (file, f) in sources.iter().filter(|(_, f)| f.origin == Origin::User) {
        if !f.text.contains(MARKER) {
            continue;
        }
        let lines: Vec<&str> = f.text.split('\n').collect();
        let mut offset = 0usize;
        for (index, line) in lines.iter().enumerate() {
            let line_start = offset;
            offset += line.len() + 1;
            let Some(at) = line.find(MARKER) else {
                continue;
            };
            let before = line.get(..at).unwrap_or("");
            let comment_start = ["#", "//", "/*"]
                .iter()
                .filter_map(|m| before.rfind(m))
                .min();
            let Some(comment_start) = comment_start else {
                continue;
            };
            let code_before = before.get(..comment_start).unwrap_or("").trim();
            let span = Span::new(
                file,
                line_start + comment_start,
                line_start + line.trim_end().len(),
            );
            let rest = line
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
                    .with_fingerprint(&[&format!("{}:{}", f.name, index)]),
                );
                continue;
            }
            let target = if !code_before.is_empty() {
                index
            } else {
                (index + 1..lines.len())
                    .find(|i| lines.get(*i).is_some_and(|l| !is_comment_line(l)))
                    .unwrap_or(index)
            };
            found.push(Suppression {
                ids,
                reason: reason.to_string(),
                span,
                target_line: target as u32 + 1,
            });
        }
    }
    (found, bad)
}

fn starts_on(sources: &Sources, span: Span, file: FileId, line: u32) -> bool {
    span.file == file && sources.line_col(span).0.line == line
}

/// Remove suppressed findings; add notes for suppressions that matched nothing.
pub fn apply(findings: Vec<Finding>, sources: &Sources) -> Vec<Finding> {
    let (suppressions, mut out_extra) = scan(sources);
    let mut used = vec![false; suppressions.len()];
    let mut kept = Vec::new();
    for f in findings {
        let places = std::iter::once(f.primary.span)
            .chain(f.resource_span)
            .chain(f.labels.iter().map(|l| l.span));
        let places: Vec<Span> = places.collect();
        let hit = suppressions.iter().position(|s| {
            s.ids.contains(&f.policy)
                && places
                    .iter()
                    .any(|p| starts_on(sources, *p, s.span.file, s.target_line))
        });
        match hit {
            Some(i) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
            None => kept.push(f),
        }
    }
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
    kept
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
}

//! The policy engine: policies are data (TOML rule files), policy *kinds* are code.
//!
//! Built-in rule files live in `policies/` and are embedded in the binary; users add their own
//! with `--policies` or a `policies` entry in `nsgate.toml`. Each kind is one file in
//! [`kinds`], listed once in [`kinds::REGISTRY`].

pub mod builtin;
pub mod config;
pub mod describe;
pub mod file;
pub mod finding;
pub mod fix;
pub mod kinds;
pub mod scope;
pub mod suppress;

use rayon::prelude::*;
use std::fmt;

pub use file::PolicyError;
pub use finding::{DecidedBy, Finding, Fix, Label, Witness};

use crate::eval::compiled::CompiledRules;
use crate::model::{Network, Severity};
use crate::source::{FileId, Sources, Span};

/// What every policy has, whatever its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyMeta {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    pub why: String,
    pub fix: String,
    pub kind: &'static str,
    /// The rule file it came from.
    pub file: FileId,
    /// Where its `id` is written, for diagnostics about the policy itself.
    pub id_span: Span,
}

/// The code of a policy kind, configured by one rule file.
pub trait Check: fmt::Debug + Send + Sync {
    fn check(&self, policy: &PolicyMeta, ctx: &CheckContext<'_>, out: &mut Vec<Finding>);

    /// Replace the scope's subnet globs and host kinds (from `nsgate.toml`; what is not given
    /// matches every subnet); kinds without a scope ignore it. An invalid glob or host kind is
    /// an error (its message), and the scope is left as it was.
    fn set_scope(
        &mut self,
        _subnets: Option<Vec<String>>,
        _hosts: Option<Vec<String>>,
    ) -> Result<(), String> {
        Ok(())
    }

    /// Add prefixes exempted as sources (from `nsgate.toml`).
    fn add_except_from(&mut self, _prefixes: Vec<ipnet::IpNet>) {}

    /// Set `max_public_sources` of every deny assertion (from `nsgate.toml`). An error (its
    /// message) when the policy has nothing it applies to.
    fn set_max_public_sources(&mut self, _max: u128) -> Result<(), String> {
        Err("it takes no `max_public_sources`".into())
    }
}

#[derive(Debug)]
pub struct Policy {
    pub meta: PolicyMeta,
    pub check: Box<dyn Check>,
}

/// What checks read.
pub struct CheckContext<'a> {
    pub network: &'a Network,
    pub sources: &'a Sources,
    /// The `unknown-value` policy (NSG030), when enabled: verdicts that depend on an Unknown
    /// are reported under it. When it is disabled they are reported under the policy that
    /// could not decide — never dropped.
    pub unknown_value: Option<&'a PolicyMeta>,
    /// The network's NSG rules, compiled once per context and shared by every policy.
    pub rules: &'a CompiledRules<'a>,
}

/// What `nsgate explain` prints for a policy (also the SARIF rule help text).
pub fn explain_text(p: &PolicyMeta) -> String {
    format!(
        "{} {} ({}, kind {})\n\n{}\n\nWhy\n{}\n\nFix\n{}\n",
        p.id, p.name, p.severity, p.kind, p.summary, p.why, p.fix
    )
}

/// Parse one rule file (already added to `sources`).
pub fn load_policy(file: FileId, sources: &Sources) -> Result<Policy, PolicyError> {
    let text = sources
        .get(file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let raw = file::parse_raw(file, &text)?;
    let kind_name = raw.kind.get_ref().as_str();
    let Some(entry) = kinds::REGISTRY.iter().find(|k| k.name == kind_name) else {
        let names: Vec<&str> = kinds::REGISTRY.iter().map(|k| k.name).collect();
        return Err(PolicyError::at(
            file,
            raw.kind.span(),
            format!("unknown policy kind `{kind_name}`"),
        )
        .with_help(format!("kinds: {}", names.join(", "))));
    };
    for (key, range) in raw.kind_keys() {
        if !entry.keys.contains(&key) {
            return Err(PolicyError::at(
                file,
                range,
                format!("`{key}` is not used by policies of kind `{}`", entry.name),
            ));
        }
    }
    let id = raw.id.get_ref();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(PolicyError::at(
            file,
            raw.id.span(),
            format!("policy id `{id}` must be letters, digits, `-` or `_`"),
        ));
    }
    let severity = file::parse_severity(file, &raw.severity)?;
    let check = (entry.build)(&raw, file)?;
    let text_of = |s: &Option<toml::Spanned<String>>| {
        s.as_ref()
            .map(|s| s.get_ref().trim().to_string())
            .unwrap_or_default()
    };
    let id_range = raw.id.span();
    Ok(Policy {
        meta: PolicyMeta {
            id: id.clone(),
            name: raw.name.get_ref().clone(),
            severity,
            summary: raw.summary.get_ref().trim().to_string(),
            why: text_of(&raw.why),
            fix: text_of(&raw.fix),
            kind: entry.name,
            file,
            id_span: Span::new(file, id_range.start, id_range.end),
        },
        check,
    })
}

/// Run every policy and return findings in a deterministic order.
pub fn run(policies: &[Policy], ctx: &CheckContext<'_>) -> Vec<Finding> {
    // The policies are independent and share the compiled rules: run in parallel, collected
    // in policy order (then sorted), so the output is the same as one after another.
    let per_policy: Vec<Vec<Finding>> = policies
        .par_iter()
        .map(|p| {
            let mut out = Vec::new();
            p.check.check(&p.meta, ctx, &mut out);
            out
        })
        .collect();
    // Largest first, so the fewest findings move: the order of the parts does not matter, as
    // they are sorted next and no two policies share an ID (the sort's ties are within one).
    let mut per_policy = per_policy;
    per_policy.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut out = concat(per_policy);
    sort_findings(&mut out);
    out.dedup_by(|a, b| {
        a.fingerprint == b.fingerprint && a.message == b.message && a.primary == b.primary
    });
    out
}

/// The findings of several parts in order, moved into the first part's vector: a single
/// part (one root) is returned as is, and the first one is grown in place rather than every
/// finding of a large run copied into a new vector.
pub fn concat(parts: Vec<Vec<Finding>>) -> Vec<Finding> {
    let total: usize = parts.iter().map(Vec::len).sum();
    let mut parts = parts.into_iter();
    let mut out = parts.next().unwrap_or_default();
    out.reserve_exact(total.saturating_sub(out.len()));
    for mut part in parts {
        out.append(&mut part);
    }
    out
}

/// Order: file, position, policy, message — the same input always gives the same output.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.primary.span.file,
            a.primary.span.start,
            &a.policy,
            &a.message,
        )
            .cmp(&(
                b.primary.span.file,
                b.primary.span.start,
                &b.policy,
                &b.message,
            ))
    });
}

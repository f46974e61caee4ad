//! Policy kinds: one file each, one line each in [`REGISTRY`].

mod dead_rule;
mod reachability;
mod subnet_without_nsg;
mod unknown_value;
mod validation;

use crate::policy::file::{PolicyError, RawPolicy};
use crate::policy::Check;
use crate::source::FileId;

/// How a rule file configures a kind.
pub type BuildFn = fn(&RawPolicy, FileId) -> Result<Box<dyn Check>, PolicyError>;

/// A kind: its name in rule files, the kind-specific keys it accepts, and how a rule file
/// configures it.
pub struct KindEntry {
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub build: BuildFn,
}

pub const REGISTRY: &[KindEntry] = &[
    reachability::ENTRY,
    dead_rule::ENTRY,
    validation::ENTRY,
    unknown_value::ENTRY,
    subnet_without_nsg::ENTRY,
];

/// A model problem as a finding of `policy` (validation and unknown-value report these).
pub(crate) fn problem_finding(
    policy: &crate::policy::PolicyMeta,
    severity: crate::model::Severity,
    p: &crate::model::Problem,
) -> crate::policy::Finding {
    let mut f = crate::policy::Finding::new(
        &policy.id,
        &policy.name,
        severity,
        p.message.clone(),
        crate::policy::Label::new(p.span, "here"),
    );
    if let Some(r) = &p.resource {
        f = f.with_resource(r.clone(), None);
    }
    for r in &p.related {
        f = f.with_label(r.span, r.value.clone());
    }
    f.with_fingerprint(&[&p.message])
}

/// Glob matching for names and addresses (`*`, `?`, `[…]`), case-insensitive like Azure names.
pub(crate) fn glob_matcher(
    file: FileId,
    globs: &[toml::Spanned<String>],
) -> Result<globset::GlobSet, PolicyError> {
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        let glob = globset::GlobBuilder::new(g.get_ref())
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| PolicyError::at(file, g.span(), format!("invalid glob: {e}")))?;
        b.add(glob);
    }
    b.build()
        .map_err(|e| PolicyError::at(file, 0..0, format!("invalid globs: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_unique() {
        let mut names: Vec<_> = REGISTRY.iter().map(|k| k.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len());
    }
}

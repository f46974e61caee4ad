//! `validation` (NSG020, NSG021): values Azure or the provider rejects, and ambiguous
//! configurations, as found by the front ends and the model (`model::values`,
//! `model::validate`, `model::link`). `problems` selects which kinds of problem a policy reports.

use crate::model::ProblemKind;
use crate::policy::file::{PolicyError, RawPolicy};
use crate::policy::finding::Finding;
use crate::policy::kinds::{problem_finding, KindEntry};
use crate::policy::{Check, CheckContext, PolicyMeta};
use crate::source::FileId;

pub const ENTRY: KindEntry = KindEntry {
    name: "validation",
    keys: &["problems"],
    build,
};

/// Problem kinds a validation policy may select, by name.
pub const PROBLEMS: &[(&str, ProblemKind)] = &[
    ("invalid-field", ProblemKind::InvalidField),
    ("duplicate-priority", ProblemKind::DuplicatePriority),
    ("ambiguous", ProblemKind::Ambiguous),
];

#[derive(Debug)]
struct Validation {
    kinds: Vec<ProblemKind>,
}

fn build(raw: &RawPolicy, file: FileId) -> Result<Box<dyn Check>, PolicyError> {
    let Some(list) = &raw.problems else {
        return Err(PolicyError::at(
            file,
            raw.kind.span(),
            "a validation policy needs `problems = [...]`",
        )
        .with_help("problems: invalid-field, duplicate-priority, ambiguous"));
    };
    let mut kinds = Vec::new();
    for p in list.get_ref() {
        match PROBLEMS.iter().find(|(n, _)| n == p.get_ref()) {
            Some((_, k)) => kinds.push(*k),
            None => {
                return Err(PolicyError::at(
                    file,
                    p.span(),
                    format!("unknown problem `{}`", p.get_ref()),
                )
                .with_help("problems: invalid-field, duplicate-priority, ambiguous"))
            }
        }
    }
    Ok(Box::new(Validation { kinds }))
}

impl Check for Validation {
    fn check(&self, policy: &PolicyMeta, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        for p in ctx
            .network
            .problems
            .iter()
            .filter(|p| self.kinds.contains(&p.kind))
        {
            // The policy's severity is the ceiling: a problem the model calls a warning stays one.
            let severity = p.severity.min(policy.severity);
            out.push(problem_finding(policy, severity, p));
        }
    }
}

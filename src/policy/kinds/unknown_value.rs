//! `unknown-value` (NSG030): a verdict depends on a value nsgate could not resolve. Reachability
//! policies route their indeterminate verdicts here (see `CheckContext::unknown_value`); this
//! kind itself reports the links and values the model could not resolve, and the notes front
//! ends leave (a remote module not fetched, say) as notes.

use crate::model::{ProblemKind, Severity};
use crate::policy::file::{PolicyError, RawPolicy};
use crate::policy::finding::Finding;
use crate::policy::kinds::{problem_finding, KindEntry};
use crate::policy::{Check, CheckContext, PolicyMeta};
use crate::source::FileId;

pub const ENTRY: KindEntry = KindEntry {
    name: "unknown-value",
    keys: &[],
    build,
};

#[derive(Debug)]
struct UnknownValue;

fn build(_: &RawPolicy, _: FileId) -> Result<Box<dyn Check>, PolicyError> {
    Ok(Box::new(UnknownValue))
}

impl Check for UnknownValue {
    fn check(&self, policy: &PolicyMeta, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        for p in &ctx.network.problems {
            let severity = match p.kind {
                ProblemKind::Unresolved => p.severity.min(policy.severity),
                ProblemKind::Note => Severity::Note,
                _ => continue,
            };
            out.push(problem_finding(policy, severity, p));
        }
    }
}

//! `nsgate explain ID`: a policy's summary, why and fix.

use std::path::PathBuf;

use super::{load_policies, print_errors, Io, EXIT_OK, EXIT_TOOL_ERROR};
use crate::policy;
use crate::source::Sources;

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Policy ID, e.g. NSG001.
    pub id: String,
    #[arg(long = "policies")]
    pub policies: Vec<PathBuf>,
}

pub(crate) fn explain(args: ExplainArgs, io: &mut Io<'_>) -> u8 {
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    let policies = load_policies(&args.policies, &mut sources, &mut errors);
    if !errors.is_empty() {
        return print_errors(errors, &sources, io);
    }
    match policies
        .iter()
        .find(|p| p.meta.id.eq_ignore_ascii_case(&args.id) || p.meta.name == args.id)
    {
        Some(p) => {
            let _ = io.stdout.write_all(explain_text(&p.meta).as_bytes());
            EXIT_OK
        }
        None => {
            let _ = writeln!(
                io.stderr,
                "error: no policy has the ID `{}` (`nsgate policies` lists them)",
                args.id
            );
            EXIT_TOOL_ERROR
        }
    }
}

/// The text `explain` prints (also the SARIF help text).
pub fn explain_text(p: &policy::PolicyMeta) -> String {
    policy::explain_text(p)
}

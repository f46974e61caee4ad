//! `nsgate policies`: list the built-in and loaded policies.

use std::path::PathBuf;

use super::{load_policies, print_errors, Io, EXIT_OK};
use crate::source::Sources;

#[derive(Debug, clap::Args)]
pub struct PoliciesArgs {
    /// Extra rule files or folders to load and list.
    #[arg(long = "policies")]
    pub policies: Vec<PathBuf>,
}

pub(crate) fn list_policies(args: PoliciesArgs, io: &mut Io<'_>) -> u8 {
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    let policies = load_policies(&args.policies, &mut sources, &mut errors);
    if !errors.is_empty() {
        return print_errors(errors, &sources, io);
    }
    let mut out = String::new();
    for p in &policies {
        out.push_str(&format!(
            "{:<8} {:<26} {:<8} {}\n",
            p.meta.id,
            p.meta.name,
            p.meta.severity.as_str(),
            p.meta.summary
        ));
    }
    let _ = io.stdout.write_all(out.as_bytes());
    EXIT_OK
}

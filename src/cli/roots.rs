//! Loading what the command line names, root by root: discovery, each root's front end, and
//! linking each root's network on its own (in parallel), never merged with another root.

use std::path::PathBuf;

use rayon::prelude::*;

use super::{build_network, input_errors, Io};
use crate::discover::{self, Exclude, Root, Skipped};
use crate::frontend::{load_root, Input, LoadOptions};
use crate::model::Network;
use crate::policy::config::Config;
use crate::report::{RootInfo, ToolError};
use crate::source::Sources;

/// One root, loaded and linked.
pub(crate) struct LoadedRoot {
    pub root: Root,
    pub name: String,
    pub inputs: Vec<Input>,
    pub network: Network,
}

impl LoadedRoot {
    pub fn info(&self) -> RootInfo {
        RootInfo {
            name: self.name.clone(),
            kind: self
                .root
                .kind
                .input_kind()
                .or_else(|| self.inputs.first().map(|i| i.kind))
                .map(|k| k.as_str())
                .unwrap_or("stdin"),
            inputs: self.inputs.clone(),
        }
    }
}

/// What leaves paths out of the search: `exclude` in the configuration.
pub(crate) fn exclude_of(config: &Config, io: &Io<'_>) -> Exclude {
    Exclude {
        globs: config.exclude.clone(),
        base: config.base.clone(),
        cwd: io.cwd.clone(),
    }
}

/// Find the roots under `paths`, load each, and link each root's network on its own.
pub(crate) fn load_roots(
    paths: &[PathBuf],
    exclude: &Exclude,
    stdin: Option<&str>,
    opts: &LoadOptions,
    sources: &mut Sources,
    errors: &mut Vec<ToolError>,
) -> (Vec<LoadedRoot>, Vec<Skipped>) {
    let found = discover::discover(paths, exclude);
    errors.extend(found.errors.into_iter().map(|e| ToolError {
        message: e.message,
        span: e.span,
        path: Some(e.path),
        help: e.help,
    }));
    // Front ends add to the one source registry, so loading is sequential; it is cheap next
    // to linking and evaluating.
    let mut loaded = Vec::with_capacity(found.roots.len());
    let mut texts = found.plan_texts;
    for root in found.roots {
        let mut l = load_root(&root, texts.remove(&root.path), stdin, opts, sources);
        errors.extend(input_errors(&mut l));
        loaded.push((root, l));
    }
    let roots = loaded
        .into_par_iter()
        .map(|(root, mut l)| LoadedRoot {
            name: root.name(),
            network: build_network(&mut l),
            inputs: l.inputs,
            root,
        })
        .collect();
    (roots, found.skipped)
}

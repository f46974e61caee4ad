//! Bicep source, read without the Bicep CLI (nsg-semantics §4: Bicep compiles to ARM, so its
//! semantics are ARM's).
//!
//! Pipeline: [`syntax`] parses with the `tree-sitter-bicep` grammar (syntax errors are input
//! errors with spans); [`eval`] evaluates a file's declarations with the ARM front end's
//! function library into resource instances; [`modules`] resolves `module` declarations (local
//! `.bicep` and ARM `.json` files, registry modules from Bicep's local module cache);
//! [`params`] reads `.bicepparam` files. The instances are lowered by the ARM lowering, so a
//! `.bicep` file and the template `bicep build` makes of it give the same network.

mod compat;
mod emit;
pub mod eval;
mod modules;
pub mod params;
pub mod syntax;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::frontend::{Input, InputError, InputKind, LoadOptions, Loaded};
use crate::source::{FileId, Sources, Span};

pub use modules::{entry_points, is_entry};
pub use syntax::Comment;

/// Load a `.bicep` entry file with its modules, and its parameters: `opts.parameters` (a
/// `.bicepparam` or JSON parameters file), else a `.bicepparam` beside it whose `using` names it.
pub fn load(path: &Path, opts: &LoadOptions, sources: &mut Sources, out: &mut Loaded) {
    let params_path = opts.parameters.clone().or_else(|| params::beside(path));
    let mut loader = modules::Loader::new(sources, path);
    let supplied = match &params_path {
        Some(p) => loader.read_parameters(p),
        None => HashMap::new(),
    };
    loader.load_entry(path, supplied);
    loader.finish(out);
}

/// Whether text read from standard input looks like Bicep: a line that starts a resource or
/// module declaration with a single-quoted type or path (`resource nsg 'Microsoft.Network/…'`,
/// which Terraform, whose labels are double-quoted, never writes), or sets `targetScope`.
pub fn sniff(text: &str) -> bool {
    text.lines().any(|line| {
        let t = line.trim_start();
        if t.strip_prefix("targetScope")
            .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return true;
        }
        ["resource ", "module "].iter().any(|k| {
            t.strip_prefix(k).is_some_and(|rest| {
                let rest = rest.trim_start();
                let ident = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                ident > 0
                    && rest
                        .get(ident..)
                        .is_some_and(|after| after.trim_start().starts_with('\''))
            })
        })
    })
}

/// Load Bicep source from text (tests, fuzzing, standard input). Modules resolve relative to
/// the current directory.
pub fn load_text(name: &str, text: &str, sources: &mut Sources, out: &mut Loaded) {
    let mut loader = modules::Loader::new(sources, Path::new(name));
    loader.load_entry_text(name, text, HashMap::new());
    loader.finish(out);
}

/// The comments of a Bicep file with their byte ranges, for `// nsgate:ignore` suppressions.
/// Empty when the file does not parse (the syntax error is reported by [`load`]).
pub fn comments(text: &str) -> Vec<Comment> {
    let parsed = compat::compat(text);
    match syntax::parse(&parsed.text) {
        Ok(tree) => syntax::comments(&tree, text),
        Err(_) => Vec::new(),
    }
}

/// The syntax errors of a Bicep file as nsgate reads it (after the rewrites that cover
/// newer Bicep than the grammar knows, see `compat`).
pub fn syntax_errors(text: &str) -> Vec<syntax::SyntaxError> {
    let parsed = compat::compat(text);
    match syntax::parse(&parsed.text) {
        Ok(tree) => syntax::errors(&tree, text),
        Err(failure) => vec![syntax::SyntaxError {
            message: failure.message(),
            start: 0,
            end: 0,
        }],
    }
}

fn input_error(path: &str, message: String, span: Option<Span>) -> InputError {
    InputError {
        message,
        span,
        path: path.to_string(),
        help: None,
    }
}

fn push_input(out: &mut Vec<Input>, path: &str) {
    if !out.iter().any(|i| i.path == path) {
        out.push(Input {
            path: path.to_string(),
            kind: InputKind::Bicep,
        });
    }
}

/// Parse `parsed` (the rewrite of `text`, which is in `sources` as `file`), reporting syntax
/// errors with the source's text.
fn parse_checked(
    sources: &Sources,
    file: FileId,
    parsed: &str,
    text: &str,
    errors: &mut Vec<InputError>,
) -> Option<tree_sitter::Tree> {
    let name = sources.name(file).to_string();
    let tree = match syntax::parse(parsed) {
        Ok(tree) => tree,
        Err(failure) => {
            errors.push(input_error(
                &name,
                format!("{name}: {}", failure.message()),
                Some(Span::new(file, 0, 0)),
            ));
            return None;
        }
    };
    let errs = syntax::errors(&tree, text);
    if errs.is_empty() {
        return Some(tree);
    }
    for e in errs {
        errors.push(input_error(
            &name,
            format!("{name}: {}", e.message),
            Some(Span::new(file, e.start, e.end)),
        ));
    }
    None
}

fn dir_of(path: &Path) -> PathBuf {
    path.parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests;

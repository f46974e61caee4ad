//! Terraform HCL front end: a root module directory (`.tf`, `.tf.json`, tfvars, local
//! modules) to an unlinked [`Network`] fragment with spans and Unknowns.
//!
//! Pipeline, one concern per module:
//! - [`fs`], [`files`]: read a directory; [`parse`] (hcl-edit, with spans) and
//!   [`json_syntax`] (`.tf.json`) produce one small [`ast`]; [`config`] indexes a module's
//!   declarations.
//! - [`vars`]: root variables with Terraform's precedence; [`types`]: type constraints.
//! - [`context`], [`eval`], [`funcs`], [`modules`]: a lazy, memoised evaluator whose
//!   [`value::Value`]s include Unknown (reason + span) and keep the span where each value was
//!   written; local modules are instantiated recursively, remote ones are not fetched.
//! - [`lower`]: azurerm resources to the model; [`keys`]: link keys.
//!
//! Keys this front end gives resources (see `frontend/mod.rs`): `tf:<module path>.<address>`
//! (e.g. `tf:module.net.azurerm_subnet.this["a"]`), plus the name pair
//! (`name:nsg:<rg>/<name>`, `name:subnet:<rg>/<vnet>/<name>`, …) when name and resource group
//! are known. Terraform never knows a resource's full Azure id (no subscription), so no `id:`
//! key is synthesised. References (`azurerm_subnet.roles.id`, also through variables, locals and
//! module outputs) link by the `tf:` key; literal Azure ids and `data.*` lookups link by the
//! name pair they spell; `*_name` arguments link by the resource the name was read from, else
//! by name pair.

pub mod ast;
pub mod config;
pub mod context;
pub mod eval;
pub mod files;
pub mod fs;
pub mod funcs;
pub mod json_syntax;
pub mod keys;
pub mod lower;
pub mod modules;
pub mod parse;
pub mod types;
pub mod value;
pub mod vars;

use std::path::{Path, PathBuf};
use std::rc::Rc;

use self::config::ModuleConfig;
use self::context::{Evaluator, Instance};
use self::files::{config_file_kind, parse_config_text, FileKind};
use self::fs::{display, normalize, Fs, MemFs, RealFs};
use crate::frontend::{Input, InputError, InputKind, LoadOptions, Loaded};
use crate::model::Network;
use crate::source::Sources;

/// Whether `path` is Terraform input: a `.tf`/`.tf.json` file, or a directory holding one.
pub fn detect(path: &Path) -> bool {
    if path.is_dir() {
        return has_config_files(&RealFs, path);
    }
    is_config_file(path)
}

/// Whether a file name is a Terraform configuration file (`.tf`, `.tf.json`).
pub fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .map(|n| config_file_kind(&n.to_string_lossy()).is_some())
        .unwrap_or(false)
}

fn has_config_files(fs: &dyn Fs, dir: &Path) -> bool {
    fs.list(dir)
        .map(|files| files.iter().any(|p| is_config_file(p)))
        .unwrap_or(false)
}

/// Load the root module at `path` (a directory, or a `.tf` file standing for its directory).
pub fn load(path: &Path, opts: &LoadOptions, sources: &mut Sources, out: &mut Loaded) {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    load_dir(&RealFs, &dir, opts, sources, out);
}

/// Load the root module in `dir` through any [`Fs`] (tests and the fuzzer use [`MemFs`]).
pub fn load_dir(
    fs: &dyn Fs,
    dir: &Path,
    opts: &LoadOptions,
    sources: &mut Sources,
    out: &mut Loaded,
) {
    let dir = normalize(dir);
    out.inputs.push(Input {
        path: display(&dir),
        kind: InputKind::Terraform,
    });
    if !has_config_files(fs, &dir) {
        out.errors.push(InputError {
            message: format!(
                "no Terraform configuration (.tf or .tf.json) in {}",
                display(&dir)
            ),
            span: None,
            path: display(&dir),
            help: Some("pass a directory that holds .tf files".into()),
        });
        return;
    }
    let mut ev = Evaluator::new(fs, sources);
    let config = ev.module_config(&dir);
    run(ev, config, Some(dir), opts, out);
}

/// Load one configuration file given as text (standard input, tests, the fuzzer). Local
/// modules cannot be read this way: they become notes and Unknowns.
pub fn load_text(
    name: &str,
    text: &str,
    opts: &LoadOptions,
    sources: &mut Sources,
    out: &mut Loaded,
) {
    out.inputs.push(Input {
        path: name.to_string(),
        kind: InputKind::Terraform,
    });
    let fs = MemFs::new();
    let mut ev = Evaluator::new(&fs, sources);
    let file = ev.sources.add(name, text);
    let kind = if name.ends_with(".json") {
        FileKind::Json
    } else {
        FileKind::Hcl
    };
    let mut config = ModuleConfig::default();
    if let Some(body) = parse_config_text(file, text, kind, name, &mut ev.errors) {
        config.add_file(body);
    }
    ev.problems.append(&mut config.problems);
    run(ev, Rc::new(config), None, opts, out);
}

fn run(
    mut ev: Evaluator,
    config: Rc<ModuleConfig>,
    dir: Option<PathBuf>,
    opts: &LoadOptions,
    out: &mut Loaded,
) {
    let mut root = Instance::new(Rc::clone(&config), dir.clone(), String::new());
    root.ancestors = dir.iter().cloned().collect();
    ev.insts.push(root);
    let vars = vars::root_vars(&mut ev, &config, dir.as_deref(), opts);
    if let Some(root) = ev.insts.first_mut() {
        root.vars = vars;
    }
    let mut fragment = Network::default();
    lower::lower(&mut ev, &mut fragment);
    let mut problems = std::mem::take(&mut ev.problems);
    problems.append(&mut fragment.problems);
    fragment.problems = problems;
    out.errors.append(&mut ev.errors);
    out.network.merge(fragment);
}

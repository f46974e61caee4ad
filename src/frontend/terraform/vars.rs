//! Root module variables with Terraform's precedence, lowest first:
//! defaults < `TF_VAR_name` < `terraform.tfvars` < `terraform.tfvars.json` <
//! `*.auto.tfvars(.json)` in lexical order < `--var-file` then `--var`, in the order given.
//! A variable with no value anywhere is Unknown ("variable `x` has no value") — never a
//! silent default.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::ast::{Body, ExprKind};
use super::config::{ModuleConfig, VariableDef};
use super::context::Evaluator;
use super::files::syntax_error;
use super::fs::display;
use super::types::conform;
use super::value::Value;
use super::{json_syntax, parse};
use crate::frontend::{InputError, LoadOptions};
use crate::model::{Problem, ProblemKind, Severity};
use crate::source::{FileId, Span};

/// The values of the root module's variables.
pub fn root_vars(
    ev: &mut Evaluator,
    config: &ModuleConfig,
    dir: Option<&Path>,
    opts: &LoadOptions,
) -> HashMap<String, Value> {
    let mut set: HashMap<String, Value> = HashMap::new();
    for (key, text) in &opts.env {
        let Some(name) = key.strip_prefix("TF_VAR_") else {
            continue;
        };
        // Terraform ignores environment values for undeclared variables.
        let Some(var) = config.variable(name) else {
            continue;
        };
        let file = ev.sources.add(key.clone(), text.clone());
        if let Some(v) = raw_value(ev, var, file, text, key) {
            set.insert(name.to_string(), v);
        }
    }
    if let Some(dir) = dir {
        for path in auto_files(ev, dir) {
            read_file(ev, config, &path, &mut set);
        }
    }
    for path in &opts.var_files {
        read_file(ev, config, path, &mut set);
    }
    for (name, text) in &opts.vars {
        let shown = format!("--var {name}");
        let file = ev.sources.add(shown.clone(), text.clone());
        match config.variable(name) {
            Some(var) => {
                if let Some(v) = raw_value(ev, var, file, text, &shown) {
                    set.insert(name.clone(), v);
                }
            }
            None => ev.errors.push(InputError {
                message: format!("--var {name}: the root module declares no variable `{name}`"),
                span: Some(Span::new(file, 0, text.len())),
                path: shown,
                help: None,
            }),
        }
    }
    let mut out = HashMap::new();
    for var in &config.variables {
        let v = match set.remove(&var.name) {
            Some(v) => v,
            None => match &var.default {
                Some(d) => ev.eval_detached(&d.expr),
                None => Value::unknown(format!("variable `{}` has no value", var.name), var.span)
                    .with_origin(Rc::from(format!("tf:{}:var.{}", config.dir, var.name))),
            },
        };
        let v = match &var.type_expr {
            Some(t) => conform(ev.sources, v, &t.expr),
            None => v,
        };
        out.insert(var.name.clone(), v);
    }
    out
}

/// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars(.json)` by name.
fn auto_files(ev: &Evaluator, dir: &Path) -> Vec<PathBuf> {
    let Ok(files) = ev.fs.list(dir) else {
        return Vec::new();
    };
    let name = |p: &PathBuf| {
        p.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for fixed in ["terraform.tfvars", "terraform.tfvars.json"] {
        out.extend(files.iter().filter(|p| name(p) == fixed).cloned());
    }
    let mut auto: Vec<PathBuf> = files
        .iter()
        .filter(|p| {
            let n = name(p);
            n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
        })
        .cloned()
        .collect();
    auto.sort_by_key(name);
    out.extend(auto);
    out
}

fn read_file(
    ev: &mut Evaluator,
    config: &ModuleConfig,
    path: &Path,
    set: &mut HashMap<String, Value>,
) {
    let shown = display(path);
    let text = match ev.fs.read(path) {
        Ok(t) => t,
        Err(e) => {
            ev.errors.push(InputError {
                message: format!("cannot read {shown}: {e}"),
                span: None,
                path: shown,
                help: None,
            });
            return;
        }
    };
    let file = ev.sources.add(shown.clone(), text);
    let text = ev.sources.text(file);
    let parsed = if shown.ends_with(".json") {
        json_syntax::parse_tfvars(file, &text)
    } else {
        parse::parse_body(file, &text)
    };
    let mut body: Body = match parsed {
        Ok(b) => b,
        Err(e) => {
            ev.errors.push(syntax_error(file, &text, &shown, &e));
            return;
        }
    };
    ev.problems.append(&mut body.notes);
    for attr in &body.attrs {
        if config.variable(&attr.name).is_none() {
            ev.problems.push(Problem::new(
                ProblemKind::Note,
                Severity::Note,
                format!(
                    "{shown} sets `{}`, which the root module does not declare",
                    attr.name
                ),
                attr.name_span,
            ));
            continue;
        }
        let v = ev.eval_detached(&attr.expr);
        set.insert(attr.name.clone(), v);
    }
}

/// A value given as text (environment, `--var`): a string for primitive types, an HCL
/// expression for lists, maps and objects (as Terraform does).
fn raw_value(
    ev: &mut Evaluator,
    var: &VariableDef,
    file: FileId,
    text: &str,
    shown: &str,
) -> Option<Value> {
    let primitive = match var.type_expr.as_ref().map(|t| &t.expr.kind) {
        None => true,
        Some(ExprKind::Var(t)) => matches!(t.as_str(), "string" | "number" | "bool" | "any"),
        Some(_) => false,
    };
    let span = Span::new(file, 0, text.len());
    if primitive {
        return Some(Value::str(text, span));
    }
    match parse::parse_expr_at(file, text, 0, text.len()) {
        Ok(expr) => Some(ev.eval_detached(&expr)),
        Err(e) => {
            ev.errors.push(syntax_error(file, text, shown, &e));
            None
        }
    }
}

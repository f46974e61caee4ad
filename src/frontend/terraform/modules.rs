//! Module calls: local sources are loaded recursively (each directory parsed once) with their
//! inputs bound from the call; registry and git sources are never fetched — a note says so and
//! the module's values are Unknown. Cycles and excessive depth stop with an error.

use std::path::Path;
use std::rc::Rc;

use super::context::{CallResult, CallSlot, Evaluator, Instance, Shape};
use super::eval::Scope;
use super::files::load_module_dir;
use super::fs::{display, normalize};
use super::installed::{Installed, Manifest};
use super::types::conform;
use super::value::Value;
use crate::frontend::InputError;
use crate::model::{Problem, ProblemKind, Severity};
use crate::source::Span;

/// Deepest module nesting followed.
pub const MAX_MODULE_DEPTH: usize = 16;
/// Most module instances one run creates.
pub const MAX_MODULE_INSTANCES: usize = 2_000;

const CALL_META: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

impl Evaluator<'_> {
    /// Instantiate (once) the module call `idx` of instance `inst`.
    pub fn call_result(&mut self, inst: usize, idx: usize) -> Rc<CallResult> {
        match self.insts.get(inst).and_then(|i| i.calls.get(&idx)) {
            Some(CallSlot::Done(r)) => return Rc::clone(r),
            Some(CallSlot::Pending) => {
                let span = self
                    .config(inst)
                    .module_calls
                    .get(idx)
                    .map(|c| c.block.span)
                    .unwrap_or_else(|| Span::new(crate::source::FileId(0), 0, 0));
                return Rc::new(unknown_result(
                    "the module's inputs refer to its own outputs",
                    span,
                ));
            }
            None => {}
        }
        if let Some(i) = self.insts.get_mut(inst) {
            i.calls.insert(idx, CallSlot::Pending);
        }
        let result = Rc::new(self.instantiate(inst, idx));
        if let Some(i) = self.insts.get_mut(inst) {
            i.calls.insert(idx, CallSlot::Done(Rc::clone(&result)));
        }
        result
    }

    fn instantiate(&mut self, inst: usize, idx: usize) -> CallResult {
        let config = self.config(inst);
        let Some(call) = config.module_calls.get(idx) else {
            return unknown_result(
                "no such module call",
                Span::new(crate::source::FileId(0), 0, 0),
            );
        };
        let block = Rc::clone(&call.block);
        let name = call.name.clone();
        let parent_path = self.insts.get(inst).map(|i| i.prefix()).unwrap_or_default();
        let address = format!("{parent_path}module.{name}");
        let Some(source_attr) = block.body.attr("source") else {
            self.problems.push(Problem::invalid(
                format!("module `{address}` has no `source`"),
                block.span,
            ));
            return unknown_result(format!("module `{address}` has no source"), block.span);
        };
        let source_span = source_attr.expr.span;
        let source = match self
            .eval(&source_attr.expr, &Scope::root(inst))
            .to_text("source")
        {
            Ok(s) => s,
            Err(u) => {
                return unknown_result(
                    format!("the source of module `{address}` is not a literal string"),
                    u.span,
                )
            }
        };
        let parent_key = self
            .insts
            .get(inst)
            .map(|i| i.module_key.clone())
            .unwrap_or_default();
        let module_key = if parent_key.is_empty() {
            name.clone()
        } else {
            format!("{parent_key}.{name}")
        };
        let installed = if source.starts_with("./") || source.starts_with("../") {
            None
        } else {
            match Manifest::lookup(self.manifest.as_ref(), &module_key, &source) {
                Installed::At(dir) => Some(dir),
                missing => {
                    let how = match missing {
                        Installed::NotListed => "is not among the modules `terraform init` installed here (run `terraform init` again)",
                        _ => "is not installed here: run `terraform init` (nsgate reads `.terraform/modules`, never the network), or check the plan (`terraform show -json`)",
                    };
                    self.problems.push(
                        Problem::new(
                            ProblemKind::Note,
                            Severity::Note,
                            format!("module `{address}` comes from `{source}`, which {how}; what depends on it is unknown"),
                            source_span,
                        )
                        .with_resource(address.clone()),
                    );
                    return unknown_result(
                        format!("module `{address}` comes from `{source}`, which is not installed"),
                        source_span,
                    );
                }
            }
        };
        let dir = match installed {
            Some(dir) => dir,
            None => {
                let Some(parent_dir) = self.insts.get(inst).and_then(|i| i.fs_dir.clone()) else {
                    self.problems.push(Problem::new(
                        ProblemKind::Note,
                        Severity::Note,
                        format!("module `{address}`: local module `{source}` cannot be read when the configuration is given as text"),
                        source_span,
                    ));
                    return unknown_result(
                        format!("local module `{source}` was not read"),
                        source_span,
                    );
                };
                normalize(&parent_dir.join(&source))
            }
        };
        let identity = self.fs.canonical(&dir);
        let ancestors = self
            .insts
            .get(inst)
            .map(|i| i.ancestors.clone())
            .unwrap_or_default();
        if let Some(pos) = ancestors.iter().position(|a| *a == identity) {
            let chain: Vec<String> = ancestors
                .get(pos..)
                .unwrap_or(&[])
                .iter()
                .map(|p| shown(p))
                .chain(std::iter::once(shown(&identity)))
                .collect();
            self.error(format!("module cycle: {}", chain.join(" → ")), source_span);
            return unknown_result(
                format!("module `{address}` is part of a module cycle"),
                source_span,
            );
        }
        if ancestors.len() >= MAX_MODULE_DEPTH {
            self.error(
                format!(
                    "modules are nested more than {MAX_MODULE_DEPTH} levels deep at `{address}`"
                ),
                source_span,
            );
            return unknown_result(
                format!("module `{address}` is nested too deeply"),
                source_span,
            );
        }
        if !self.fs.is_dir(&dir) {
            // Not an input error: the module may simply not be checked out here.
            self.problems.push(
                Problem::new(
                    ProblemKind::Unresolved,
                    Severity::Warning,
                    format!("module `{address}`: directory `{}` does not exist; what depends on it is unknown", display(&dir)),
                    source_span,
                )
                .with_resource(address.clone()),
            );
            return unknown_result(
                format!("module `{address}`: directory `{source}` does not exist"),
                source_span,
            );
        }
        let child_config = self.module_config(&dir);
        let what = format!("`{address}`");
        let exp = self.expand(&block.body, &Scope::root(inst), &what);
        if self.insts.len() + exp.items.len() > MAX_MODULE_INSTANCES {
            self.error(
                format!("more than {MAX_MODULE_INSTANCES} module instances; `{address}` is not expanded"),
                block.span,
            );
            return unknown_result(
                format!("module `{address}` was not expanded (too many instances)"),
                block.span,
            );
        }
        let mut children = Vec::new();
        for (key, scope) in &exp.items {
            let path = format!("{address}{}", key.suffix());
            let mut child =
                Instance::new(Rc::clone(&child_config), Some(dir.clone()), path.clone());
            child.ancestors = ancestors.clone();
            child.ancestors.push(identity.clone());
            child.module_key = module_key.clone();
            let child_id = self.insts.len();
            self.insts.push(child);
            // Inputs are evaluated in the caller's scope (with its count/each).
            let mut vars = Vec::new();
            for var in &child_config.variables {
                let v = match block.body.attr(&var.name) {
                    Some(arg) => self.eval(&arg.expr, scope),
                    None => match &var.default {
                        Some(d) => self.eval(&d.expr, &Scope::root(child_id)),
                        None => Value::unknown(
                            format!("variable `{}` of module `{path}` has no value", var.name),
                            block.span,
                        )
                        .with_origin(Rc::from(format!(
                            "tf:{}:{path}.var.{}",
                            self.config(0).dir,
                            var.name
                        ))),
                    },
                };
                let v = match &var.type_expr {
                    Some(t) => conform(self.sources, v, &t.expr),
                    None => v,
                };
                vars.push((var.name.clone(), v));
            }
            for arg in &block.body.attrs {
                if !CALL_META.contains(&arg.name.as_str())
                    && child_config.variable(&arg.name).is_none()
                {
                    self.problems.push(Problem::warning(
                        format!(
                            "module `{path}` has no variable `{}`; the argument is ignored",
                            arg.name
                        ),
                        arg.name_span,
                    ));
                }
            }
            if let Some(c) = self.insts.get_mut(child_id) {
                c.vars.extend(vars);
            }
            children.push((key.clone(), child_id));
        }
        CallResult {
            shape: exp.shape,
            children,
            unknown: exp.unknown.clone(),
        }
    }

    /// Parse a module directory once per run.
    pub fn module_config(&mut self, dir: &Path) -> Rc<super::config::ModuleConfig> {
        let identity = self.fs.canonical(dir);
        if let Some(c) = self.configs.get(&identity) {
            return Rc::clone(c);
        }
        let mut config = load_module_dir(self.fs, dir, self.sources, &mut self.errors);
        self.problems.append(&mut config.problems);
        let config = Rc::new(config);
        self.configs.insert(identity, Rc::clone(&config));
        config
    }

    fn error(&mut self, message: String, span: Span) {
        let path = self.sources.name(span.file).to_string();
        self.errors.push(InputError {
            message,
            span: Some(span),
            path,
            help: None,
        });
    }
}

/// A canonical directory as the user knows it: relative to the working directory when under it.
fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .map(|c| std::fs::canonicalize(&c).unwrap_or(c));
    match cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) => display(rel),
        None => display(path),
    }
}

fn unknown_result(reason: impl Into<String>, span: Span) -> CallResult {
    CallResult {
        shape: Shape::Single,
        children: Vec::new(),
        unknown: Some(Value::unknown(reason, span)),
    }
}

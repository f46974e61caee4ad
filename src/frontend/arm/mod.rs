//! ARM templates — what Azure receives, and what `bicep build` emits (nsg-semantics §4).
//!
//! A template is recognised by its `$schema` (`…deploymentTemplate.json#`, any schema version
//! and deployment scope, case-insensitive). Both resource layouts are read: the classic
//! `resources` array and the `languageVersion` 2.0 object keyed by symbolic name. Comments and
//! trailing commas are accepted, as ARM does.
//!
//! Pipeline: [`template`] builds each deployment's parameters (parameters file, else
//! `defaultValue`, else Unknown), variables (with `copy`) and user functions, and expands its
//! resources (resource `copy` loops, child resources, nested deployments); [`eval`] evaluates
//! expressions ([`expr`] parses them, [`functions`] holds the pure functions) lazily into
//! [`value::Value`]s that keep their spans; [`lower`] reads the network resources into a
//! [`Network`](crate::model::Network) fragment with key links for the model linker.
//!
//! Keys ([`resource_id`] has the details): a resource deployed into the template's own
//! resource group is `arm:<type lower-cased>/<names>` (e.g.
//! `arm:microsoft.network/networksecuritygroups/nsg-roles`); inline subnets get the same key
//! as a child subnet resource; nested deployments into the same resource group (Bicep modules)
//! use the same keys, so links cross module boundaries. A resource in another resource group
//! is `arm:@<subscription>/<group>/<type>/<names>`, plus `name:<kind>:<group>/<names>` when the
//! group is literal, plus `id:<azure id>` when the subscription is literal too. A symbolic name
//! adds `arm-sym:<deployment path>/<symbol>` (`arm-sym:<symbol>` at the root; a loop instance
//! is `<symbol>[i]`). Names computed from unknown values render their unknown parts as
//! `{parameters('x')}`, so a resource named `[parameters('nsgName')]` still links to
//! `resourceId('…', parameters('nsgName'))`.
//!
//! Values nsgate cannot know offline (runtime functions, parameters without a value) are
//! Unknowns with a reason and a span; properties that do not matter to the network model
//! (locations, tags) are never evaluated.

mod eval;
mod expr;
mod functions;
mod lower;
mod params;
mod resource_id;
mod template;
mod value;

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use crate::frontend::json::{self, Node};
use crate::frontend::vocab::arm::cscfg::ServiceFiles;
use crate::frontend::{read_source, Input, InputError, InputKind, LoadOptions, Loaded};
use crate::source::{FileId, Sources, Span};

/// Whether `$schema` names a deployment template (any scope: resource group, subscription,
/// management group, tenant).
pub fn is_template_schema(schema: &str) -> bool {
    let s = schema.trim().trim_end_matches('#').to_ascii_lowercase();
    s.ends_with("deploymenttemplate.json")
}

/// Whether `text` is an ARM template: a JSON object whose `$schema` is a deployment template
/// schema. Parameters files and other JSON are not.
pub fn detect(text: &str) -> bool {
    if !contains_ci(text, "deploymenttemplate.json") {
        return false;
    }
    // Only `$schema` is built; the rest of the text is validated, not kept.
    json::root_member(text, true, "$schema")
        .as_ref()
        .and_then(Node::as_str)
        .is_some_and(is_template_schema)
}

/// Whether a template says the Bicep compiler made it (`metadata._generator.name` is `bicep`,
/// which `bicep build` writes and people do not): a `.bicep` file beside it is its source.
pub fn compiled_from_bicep(text: &str) -> bool {
    if !contains_ci(text, "_generator") {
        return false;
    }
    json::root_member(text, true, "metadata")
        .as_ref()
        .and_then(|m| m.get_ci("_generator"))
        .and_then(|g| g.get_ci("name"))
        .and_then(Node::as_str)
        .is_some_and(|n| n.eq_ignore_ascii_case("bicep"))
}

/// Whether `text` is an ARM parameters file (`…deploymentParameters.json#`), which a directory
/// walk should skip quietly: it is read with the template beside it or via `--parameters`.
pub fn is_parameters_file(text: &str) -> bool {
    if !contains_ci(text, "deploymentparameters.json") {
        return false;
    }
    json::root_member(text, true, "$schema")
        .as_ref()
        .and_then(Node::as_str)
        .is_some_and(params::is_parameters_schema)
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    let n = needle.len();
    hay.as_bytes()
        .windows(n)
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Load a template file, with the parameters file from `opts.parameters` or found beside it
/// (`<name>.parameters.json`, else `azuredeploy.parameters.json`).
pub fn load(path: &Path, opts: &LoadOptions, sources: &mut Sources, out: &mut Loaded) {
    let display = path.display().to_string();
    let file = match read_source(path, &display, sources) {
        Ok(f) => f,
        Err(e) => {
            out.inputs.push(Input {
                path: display,
                kind: InputKind::Arm,
            });
            out.errors.push(e);
            return;
        }
    };
    let params_path = opts.parameters.clone().or_else(|| params::beside(path));
    let params_file = match params_path {
        Some(p) => {
            let shown = p.display().to_string();
            match read_source(&p, &shown, sources) {
                Ok(f) => Some(f),
                Err(e) => {
                    out.errors.push(e);
                    None
                }
            }
        }
        None => None,
    };
    let text = sources
        .get(file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let (service_files, read_with) =
        crate::frontend::service_files::load(path, &text, sources, &mut out.errors);
    load_files(file, params_file, service_files, sources, out);
    // Listed after the template and its parameters, as read with them.
    out.inputs.extend(read_with);
}

/// Load a template from text (tests, fuzzing, standard input), with an optional parameters
/// file `(name, text)`.
pub fn load_text(
    name: &str,
    text: &str,
    parameters: Option<(&str, &str)>,
    sources: &mut Sources,
    out: &mut Loaded,
) {
    let file = sources.add(name, text);
    let params_file = parameters.map(|(n, t)| sources.add(n, t));
    load_files(file, params_file, ServiceFiles::default(), sources, out);
}

fn input_error(sources: &Sources, file: FileId, message: String, span: Option<Span>) -> InputError {
    InputError {
        message,
        span,
        path: sources.name(file).to_string(),
        help: None,
    }
}

fn parse_file(sources: &Sources, file: FileId, what: &str) -> Result<Node, InputError> {
    let text = sources
        .get(file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    // Lazily: large parts (a variable of a million numbers) are built only if evaluation
    // reads them.
    let root = json::parse_lazy(&text, true).map_err(|e| {
        let at = e.offset as usize;
        input_error(
            sources,
            file,
            format!(
                "{}: {what} is not valid JSON: {}",
                sources.name(file),
                e.message
            ),
            Some(Span::new(file, at, at)),
        )
    })?;
    if !matches!(root.json(), json::Json::Object(_)) {
        return Err(input_error(
            sources,
            file,
            format!("{}: {what} must be a JSON object", sources.name(file)),
            Some(Span::new(file, root.start as usize, root.end as usize)),
        ));
    }
    Ok(root)
}

fn load_files(
    file: FileId,
    params_file: Option<FileId>,
    service_files: ServiceFiles,
    sources: &Sources,
    out: &mut Loaded,
) {
    out.inputs.push(Input {
        path: sources.name(file).to_string(),
        kind: InputKind::Arm,
    });
    let root = match parse_file(sources, file, "the template") {
        Ok(r) => r,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    if let Some(schema) = root.get_ci("$schema").and_then(Node::as_str) {
        if params::is_parameters_schema(schema) {
            let mut e = input_error(
                sources,
                file,
                format!(
                    "{} is a parameters file, not a template",
                    sources.name(file)
                ),
                None,
            );
            e.help = Some("pass a parameters file with `--parameters FILE`".into());
            out.errors.push(e);
            return;
        }
    }
    let mut supplied = HashMap::new();
    if let Some(pf) = params_file {
        out.inputs.push(Input {
            path: sources.name(pf).to_string(),
            kind: InputKind::Arm,
        });
        match parse_file(sources, pf, "the parameters file").and_then(|r| {
            params::read(&r, pf).map_err(|m| {
                let span = Span::new(pf, r.start as usize, r.end as usize);
                input_error(
                    sources,
                    pf,
                    format!("{}: {m}", sources.name(pf)),
                    Some(span),
                )
            })
        }) {
            Ok(s) => supplied = s,
            Err(e) => out.errors.push(e),
        }
    }
    let text = sources
        .get(file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let m = eval::Machine::new(file, &text);
    let names = template::names(&m, &root, supplied, String::new());
    let scope = eval::root_scope(Span::new(file, 0, 0));
    let ctx = template::add_ctx(&m, Rc::new(names), &root, String::new(), 0, scope, true);
    let mut lowerer = lower::Lowerer::new(&m);
    lowerer.service_files(service_files);
    lowerer.lower_ctx(ctx);
    out.network.merge(lowerer.finish());
}

#[cfg(test)]
mod tests;

// ---- for other evaluators (Bicep) ---------------------------------------------------------

pub(crate) use eval::Scope;
pub(crate) use params::Supplied;
pub(crate) use value::{Kind, Obj, Value};

/// The ARM function library, for an evaluator of another language that compiles to ARM
/// (Bicep): one implementation of every function, evaluated against the root deployment
/// scope (`resourceGroup()`, `resourceId(…)` with placeholder subscription and group).
pub(crate) struct Library<'m, 'a> {
    m: &'m eval::Machine<'a>,
    env: eval::Env,
}

impl Library<'_, '_> {
    /// Call an ARM function by name (any case) on evaluated arguments.
    pub fn call(&self, name: &str, args: Vec<Value>, span: Span) -> Value {
        self.m
            .call(&name.to_ascii_lowercase(), args, &self.env, span)
    }

    /// Charge `n` evaluation steps against the shared budget; false once it is spent.
    pub fn charge(&self, n: u64) -> bool {
        self.m.charge(n)
    }

    /// Problems the functions reported (invalid arguments, the budget running out).
    pub fn take_problems(&self) -> Vec<crate::model::Problem> {
        self.m.take_problems()
    }

    /// The deployment scope the functions evaluate against.
    pub fn scope(&self) -> Scope {
        self.m.scope_of(&self.env)
    }
}

/// Run `f` with the function library; spans the library makes up point into `file`. `scope`
/// is the deployment's (a Bicep module's `scope:`), else the root deployment's.
pub(crate) fn with_library<R>(
    file: FileId,
    scope: Option<Scope>,
    f: impl FnOnce(&Library<'_, '_>) -> R,
) -> R {
    let empty = Node {
        value: json::Json::Object(Vec::new()),
        start: 0,
        end: 0,
    };
    let m = eval::Machine::new(file, "");
    let names = template::names(&m, &empty, HashMap::new(), String::new());
    let scope = scope.unwrap_or_else(|| eval::root_scope(Span::new(file, 0, 0)));
    let ctx = template::add_ctx(&m, Rc::new(names), &empty, String::new(), 0, scope, true);
    let lib = Library {
        m: &m,
        env: eval::Env::root(ctx),
    };
    f(&lib)
}

/// Evaluate and lower a template already parsed, whose offsets point into `file` (`text` is
/// that file's text, or empty when the tree was built by another front end), with parameter
/// values supplied by the caller and the Cloud Services files read with it, deployed into
/// `scope` (else the root deployment's). Returns the template's outputs, by name as written.
pub(crate) fn lower_template(
    file: FileId,
    text: &str,
    root: &Node,
    scope: Option<Scope>,
    supplied: Supplied,
    service_files: ServiceFiles,
    network: &mut crate::model::Network,
) -> Vec<(String, Value)> {
    let m = eval::Machine::new(file, text);
    let names = template::names(&m, root, supplied, String::new());
    let scope = scope.unwrap_or_else(|| eval::root_scope(Span::new(file, 0, 0)));
    let ctx = template::add_ctx(&m, Rc::new(names), root, String::new(), 0, scope, true);
    let env = eval::Env::root(ctx);
    let mut outputs = Vec::new();
    if let Some(outs) = root.get_ci("outputs") {
        for o in outs.members() {
            let value = match (o.value.get_ci("value"), o.value.get_ci("copy")) {
                (Some(v), _) => m.eval_node(v, &env),
                (None, Some(c)) => m.expand_loop(c, &env).1,
                (None, None) => Value::unknown("output has no value", m.span(&o.value)),
            };
            outputs.push((o.key.to_string(), value));
        }
    }
    let mut lowerer = lower::Lowerer::new(&m);
    lowerer.service_files(service_files);
    lowerer.lower_ctx(ctx);
    network.merge(lowerer.finish());
    outputs
}

pub(crate) use eval::{after_deployment, index_value, member, runtime_state, sym_call};
pub(crate) use value::equals;

/// A literal JSON value (a file read by `loadJsonContent`), spans pointing into `file`.
pub(crate) fn json_value(node: &Node, file: FileId) -> Value {
    params::literal(node, file, 0)
}

/// The values of a parsed ARM parameters file.
pub(crate) fn read_parameters(root: &Node, file: FileId) -> Result<Supplied, String> {
    params::read(root, file)
}

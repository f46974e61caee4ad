//! Evaluating one Bicep file into resource instances (nsg-semantics §4: Bicep compiles to ARM,
//! so values are ARM values and functions are the ARM front end's library).
//!
//! Declarations are evaluated lazily by name, once each (`param` from the caller or its
//! default, `var`, resources and modules by symbolic name), so declaration order does not
//! matter and a cycle is an Unknown, not a hang. Every resource declaration is then expanded
//! into [`Instance`]s: one per loop item, with its condition, full name (`parent/child`), type
//! and body. Modules are evaluated by [`super::modules`] through the [`Host`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use tree_sitter::Node;

use crate::frontend::arm::{self, index_value, member, Kind, Library, Value};

use crate::model::{Problem, ProblemKind, Severity};
use crate::source::{FileId, Span};

/// Deepest expression nesting evaluated (guards the Rust stack against hostile input).
const MAX_DEPTH: u32 = 200;
/// Members of a `resourceGroup(…)` / `subscription(…)` scope value that a module's `scope:`
/// reads (not Bicep property names, so no source can read them).
const SCOPE_SUB: &str = "$scope.subscriptionId";
const SCOPE_RG: &str = "$scope.resourceGroup";
/// Most items one `for` expression yields (ARM's copy limit).
const MAX_LOOP: usize = 800;

/// One deployed (or referenced) resource: one item of a resource loop.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Symbolic name, `sym[i]` for a loop item, `parent::child` for a nested resource.
    pub symbol: String,
    /// Full type, e.g. `Microsoft.Network/networkSecurityGroups/securityRules`.
    pub ty: String,
    pub api_version: Option<String>,
    /// Full name (`nsg/rule` for a child resource).
    pub name: Value,
    /// The declared body (`properties`, `location`, …), evaluated.
    pub body: Value,
    /// The `if` condition (its own, or a parent's), when there is one.
    pub condition: Option<Value>,
    pub existing: bool,
    /// The declaration (`resource x '…' = {…}`).
    pub span: Span,
}

/// The ARM function library, as the evaluator uses it.
pub trait Functions {
    fn call(&self, name: &str, args: Vec<Value>, span: Span) -> Value;
    /// Charge `n` evaluation steps; false once the budget is spent.
    fn charge(&self, n: u64) -> bool;
    /// The deployment scope of the file being evaluated.
    fn scope(&self) -> arm::Scope;
}

impl Functions for Library<'_, '_> {
    fn call(&self, name: &str, args: Vec<Value>, span: Span) -> Value {
        Library::call(self, name, args, span)
    }
    fn charge(&self, n: u64) -> bool {
        Library::charge(self, n)
    }
    fn scope(&self) -> arm::Scope {
        Library::scope(self)
    }
}

/// What a file evaluation needs from the loader: modules and local files.
pub trait Host {
    /// Evaluate module `source` (as written) declared in `from_dir`, with parameter values,
    /// deployed into `scope`; returns its outputs object, or an Unknown saying why not.
    fn module(
        &self,
        from_dir: &Path,
        source: &str,
        params: Vec<(String, Value)>,
        scope: arm::Scope,
        span: Span,
    ) -> Value;
    /// Read a file relative to `from_dir` for `loadTextContent` and friends.
    fn read_text(&self, from_dir: &Path, path: &str) -> Result<(FileId, Rc<str>), String>;
}

#[derive(Clone)]
enum Slot {
    InProgress,
    Done(Value),
}

/// Local names in scope: loop variables, lambda and function parameters.
#[derive(Clone, Default)]
pub struct Env {
    locals: Rc<Vec<(String, Value)>>,
}

impl Env {
    fn with(&self, bound: impl IntoIterator<Item = (String, Value)>) -> Env {
        let mut v = self.locals.as_ref().clone();
        v.extend(bound);
        Env { locals: Rc::new(v) }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

#[derive(Clone)]
struct ResDecl<'t> {
    node: Node<'t>,
    /// Symbol path of the resource this one is nested in.
    parent: Option<String>,
}

/// One Bicep file being evaluated.
pub struct FileEval<'t, 'l> {
    pub file: FileId,
    text: &'t str,
    dir: PathBuf,
    lib: &'l dyn Functions,
    host: &'l dyn Host,
    params: HashMap<&'t str, Node<'t>>,
    vars: HashMap<&'t str, Node<'t>>,
    funcs: HashMap<&'t str, Node<'t>>,
    modules: Vec<(&'t str, Node<'t>)>,
    resources: Vec<(String, ResDecl<'t>)>,
    outputs: Vec<(&'t str, Node<'t>)>,
    supplied: HashMap<String, Value>,
    cache: RefCell<HashMap<String, Slot>>,
    instances: RefCell<Vec<Instance>>,
    problems: RefCell<Vec<Problem>>,
    depth: Cell<u32>,
    /// A lambda node evaluated as its body: the grammar parses `x => x.a` as `(x => x).a`, so
    /// the whole argument is the body with the lambda standing for its own body.
    subst: Cell<Option<usize>>,
    /// Parameters declared nullable (`param x T?`), which default to null.
    nullable: Vec<String>,
    /// Where spreads stood (see [`super::compat::Compat::spreads`]), sorted.
    spreads: Vec<usize>,
}

fn kids<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut c = node.walk();
    node.named_children(&mut c)
        .filter(|n| !matches!(n.kind(), "comment" | "diagnostic_comment"))
        .collect()
}

fn all_kids<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut c = node.walk();
    node.children(&mut c).collect()
}

impl<'t, 'l> FileEval<'t, 'l> {
    pub fn new(
        file: FileId,
        text: &'t str,
        root: Node<'t>,
        dir: PathBuf,
        lib: &'l dyn Functions,
        host: &'l dyn Host,
        supplied: HashMap<String, Value>,
    ) -> FileEval<'t, 'l> {
        let mut f = FileEval {
            file,
            text,
            dir,
            lib,
            host,
            params: HashMap::new(),
            vars: HashMap::new(),
            funcs: HashMap::new(),
            modules: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
            supplied,
            cache: RefCell::new(HashMap::new()),
            instances: RefCell::new(Vec::new()),
            problems: RefCell::new(Vec::new()),
            depth: Cell::new(0),
            subst: Cell::new(None),
            nullable: Vec::new(),
            spreads: Vec::new(),
        };
        for stmt in kids(root) {
            let name = kids(stmt).first().map(|n| f.text_of(*n));
            match (stmt.kind(), name) {
                ("parameter_declaration", Some(n)) => {
                    f.params.insert(n, stmt);
                }
                ("variable_declaration", Some(n)) => {
                    f.vars.insert(n, stmt);
                }
                ("user_defined_function", _) => {
                    if let Some(n) = stmt.child_by_field_name("name") {
                        f.funcs.insert(f.text_of(n), stmt);
                    }
                }
                ("module_declaration", Some(n)) => f.modules.push((n, stmt)),
                ("output_declaration", Some(n)) => f.outputs.push((n, stmt)),
                ("resource_declaration", Some(n)) => f.add_resource(n.to_string(), stmt, None),
                _ => {}
            }
        }
        f
    }

    /// What the grammar rewrites changed (see [`super::compat`]): parameters the source
    /// declares nullable, and where spreads stood.
    pub fn with_rewrites(mut self, nullable: Vec<String>, spreads: Vec<usize>) -> Self {
        self.nullable = nullable;
        self.spreads = spreads;
        self
    }

    fn is_spread(&self, node: Node<'_>) -> bool {
        self.spreads.binary_search(&node.start_byte()).is_ok()
    }

    fn add_resource(&mut self, symbol: String, node: Node<'t>, parent: Option<String>) {
        // Nested resources: `resource child 'type' = {…}` inside the body object.
        if let Some(body) = body_object(node) {
            for prop in kids(body) {
                if prop.kind() != "object_property" {
                    continue;
                }
                for decl in kids(prop) {
                    if decl.kind() == "resource_declaration" {
                        let child = kids(decl).first().map(|n| self.text_of(*n)).unwrap_or("");
                        self.add_resource(format!("{symbol}::{child}"), decl, Some(symbol.clone()));
                    }
                }
            }
        }
        self.resources.push((symbol, ResDecl { node, parent }));
    }

    fn text_of(&self, node: Node<'t>) -> &'t str {
        self.text
            .get(node.start_byte()..node.end_byte())
            .unwrap_or("")
    }

    fn span(&self, node: Node<'_>) -> Span {
        Span::new(self.file, node.start_byte(), node.end_byte())
    }

    fn problem(&self, p: Problem) {
        self.problems.borrow_mut().push(p);
    }

    /// Evaluate every resource and module; returns the instances and problems.
    pub fn run(&self) -> (Vec<Instance>, Vec<Problem>) {
        let env = Env::default();
        for i in 0..self.resources.len() {
            if let Some((sym, _)) = self.resources.get(i) {
                let sym = sym.clone();
                self.resource_value(&sym, &env, Span::new(self.file, 0, 0));
            }
        }
        for (sym, _) in &self.modules {
            self.module_value(sym, Span::new(self.file, 0, 0));
        }
        (
            std::mem::take(&mut *self.instances.borrow_mut()),
            std::mem::take(&mut *self.problems.borrow_mut()),
        )
    }

    /// Problems raised since [`FileEval::run`] (evaluating outputs and variables).
    pub fn take_problems(&self) -> Vec<Problem> {
        std::mem::take(&mut *self.problems.borrow_mut())
    }

    /// The file's outputs, by name.
    pub fn outputs(&self) -> Vec<(String, Value)> {
        let env = Env::default();
        self.outputs
            .iter()
            .map(|(name, node)| {
                let v = match kids(*node).last() {
                    Some(e) => self.expr(*e, &env),
                    None => Value::unknown("output has no value", self.span(*node)),
                };
                (name.to_string(), v)
            })
            .collect()
    }

    /// The values of the named variables (a `.bicepparam` file's `param`s, read as `var`s).
    pub fn var_values(&self, names: &[String]) -> HashMap<String, Value> {
        let span = Span::new(self.file, 0, 0);
        names
            .iter()
            .filter(|n| self.vars.contains_key(n.as_str()))
            .map(|n| (n.clone(), self.ident(n, &Env::default(), span)))
            .collect()
    }

    /// The values `param x = …` assigns (a `.bicepparam` file, or defaults).
    pub fn param_defaults(&self) -> HashMap<String, Value> {
        let mut out = HashMap::new();
        for (name, node) in &self.params {
            if !all_kids(*node).iter().any(|k| k.kind() == "=") {
                continue;
            }
            if let Some(e) = kids(*node).last() {
                out.insert(name.to_string(), self.expr(*e, &Env::default()));
            }
        }
        out
    }

    // ---- names ---------------------------------------------------------------------------

    fn cached(&self, key: &str, span: Span, f: impl FnOnce() -> Value) -> Value {
        match self.cache.borrow().get(key) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::InProgress) => {
                return Value::unknown(format!("`{key}` refers to itself"), span);
            }
            None => {}
        }
        self.cache
            .borrow_mut()
            .insert(key.to_string(), Slot::InProgress);
        let v = f();
        self.cache
            .borrow_mut()
            .insert(key.to_string(), Slot::Done(v.clone()));
        v
    }

    fn ident(&self, name: &str, env: &Env, span: Span) -> Value {
        if let Some(v) = env.get(name) {
            return v.clone();
        }
        if let Some(node) = self.params.get(name).copied() {
            return self.cached(&format!("param {name}"), span, || self.param(name, node));
        }
        if let Some(node) = self.vars.get(name).copied() {
            return self.cached(&format!("var {name}"), span, || match kids(node).get(1) {
                Some(e) => self.expr(*e, &Env::default()),
                None => Value::unknown("variable has no value", self.span(node)),
            });
        }
        if self.resources.iter().any(|(s, _)| s == name) {
            return self.resource_value(name, &Env::default(), span);
        }
        if self.modules.iter().any(|(s, _)| *s == name) {
            return self.module_value(name, span);
        }
        Value::unknown(
            format!("`{name}` is not declared in this file (imported names are not evaluated)"),
            span,
        )
    }

    fn param(&self, name: &str, node: Node<'t>) -> Value {
        let span = kids(node)
            .first()
            .map_or(self.span(node), |n| self.span(*n));
        if let Some(v) = self.supplied.get(name).or_else(|| {
            self.supplied
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        }) {
            return v.clone();
        }
        let parts = kids(node);
        if let Some(default) = parts.get(2) {
            return self.expr(*default, &Env::default());
        }
        if self.nullable.iter().any(|n| n == name)
            || parts
                .get(1)
                .is_some_and(|t| t.kind() == "nullable_type" || self.text_of(*t).ends_with('?'))
        {
            return Value::null(span);
        }
        Value::atom(
            format!(
                "parameter `{name}` has no value (no parameters file value and no defaultValue)"
            ),
            span,
            format!(
                "parameters('{}')",
                name.to_ascii_lowercase().replace('\'', "''")
            ),
        )
    }

    // ---- resources -----------------------------------------------------------------------

    /// The value a resource's symbolic name stands for (an array for a loop): `id`, `name`,
    /// `type`, `apiVersion` and the declared body; evaluating it records its instances.
    fn resource_value(&self, symbol: &str, _env: &Env, span: Span) -> Value {
        let Some(decl) = self
            .resources
            .iter()
            .find(|(s, _)| s == symbol)
            .map(|(_, d)| d.clone())
        else {
            return Value::unknown(format!("resource `{symbol}` is not declared"), span);
        };
        self.cached(&format!("resource {symbol}"), span, || {
            self.expand_resource(symbol, decl)
        })
    }

    fn expand_resource(&self, symbol: &str, decl: ResDecl<'t>) -> Value {
        let node = decl.node;
        let decl_span = self.span(node);
        let parts = kids(node);
        let type_text = parts
            .get(1)
            .map(|s| self.expr(*s, &Env::default()))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let (mut ty, mut api) = match type_text.split_once('@') {
            Some((t, a)) => (t.to_string(), Some(a.to_string())),
            None => (type_text.clone(), None),
        };
        let existing = all_kids(node).iter().any(|n| n.kind() == "existing");
        // A nested declaration: its parent's instance(s), and the short type form.
        let parent_val = decl
            .parent
            .as_ref()
            .map(|p| self.resource_value(p, &Env::default(), decl_span));
        if let Some(p) = &parent_val {
            let pty = ref_type(p);
            if !ty.contains('/') {
                ty = format!("{pty}/{ty}");
            }
            if api.is_none() {
                api = ref_api(p);
            }
        }
        let value = parts.last().copied();
        let Some(value) = value else {
            return Value::unknown("resource has no body", decl_span);
        };
        let env = Env::default();
        let mut out = Vec::new();
        let mut looped = false;
        match value.kind() {
            "for_statement" => {
                looped = true;
                let items = self.for_items(value, &env);
                match items {
                    Ok(items) => {
                        for (i, (env, cond, body)) in items.into_iter().enumerate() {
                            let inst = self.resource_instance(
                                &format!("{symbol}[{i}]"),
                                &ty,
                                &api,
                                existing,
                                cond,
                                body,
                                &env,
                                parent_val.as_ref(),
                                decl_span,
                            );
                            out.push(inst);
                        }
                    }
                    Err(u) => return u,
                }
            }
            "if_statement" => {
                let (cond, body) = self.if_parts(value, &env);
                out.push(self.resource_instance(
                    symbol,
                    &ty,
                    &api,
                    existing,
                    Some(cond),
                    body,
                    &env,
                    parent_val.as_ref(),
                    decl_span,
                ));
            }
            _ => out.push(self.resource_instance(
                symbol,
                &ty,
                &api,
                existing,
                None,
                Some(value),
                &env,
                parent_val.as_ref(),
                decl_span,
            )),
        }
        if looped {
            Value::array(out, decl_span)
        } else {
            out.pop()
                .unwrap_or_else(|| Value::unknown("resource has no body", decl_span))
        }
    }

    /// `if (cond) {…}`: the condition and the object.
    fn if_parts(&self, node: Node<'t>, env: &Env) -> (Value, Option<Node<'t>>) {
        let parts = kids(node);
        let cond = match parts.first() {
            Some(p) => self.paren(*p, env),
            None => Value::unknown("`if` without a condition", self.span(node)),
        };
        (cond, parts.get(1).copied())
    }

    fn paren(&self, node: Node<'t>, env: &Env) -> Value {
        if node.kind() == "parenthesized_expression" {
            match kids(node).last() {
                Some(e) => self.expr(*e, env),
                None => Value::unknown("empty parentheses", self.span(node)),
            }
        } else {
            self.expr(node, env)
        }
    }

    /// The items of a `for` expression: each item's environment, its filter condition (a
    /// filtered `if`) and its body node.
    #[allow(clippy::type_complexity)]
    fn for_items(
        &self,
        node: Node<'t>,
        env: &Env,
    ) -> Result<Vec<(Env, Option<Value>, Option<Node<'t>>)>, Value> {
        let span = self.span(node);
        let parts = kids(node);
        let (item_name, index_name, rest) = match parts.split_first() {
            Some((first, rest)) if first.kind() == "for_loop_parameters" => {
                let p = kids(*first);
                (
                    p.first().map(|n| self.text_of(*n)),
                    p.get(1).map(|n| self.text_of(*n)),
                    rest,
                )
            }
            Some((first, rest)) if node.child_by_field_name("initializer") == Some(*first) => {
                (Some(self.text_of(*first)), None, rest)
            }
            _ => (None, None, parts.as_slice()),
        };
        let (Some(iter_node), Some(body)) = (rest.first(), rest.get(1)) else {
            return Err(Value::unknown("incomplete `for` expression", span));
        };
        let iterable = self.expr(*iter_node, env);
        let items: Vec<Value> = match &iterable.kind {
            Kind::Array(items) => items.as_ref().clone(),
            Kind::Unknown(u) => {
                return Err(Value::derived(u, None, span));
            }
            _ => {
                return Err(Value::unknown(
                    format!("`for` over a {}, not an array", iterable.type_name()),
                    iterable.span,
                ))
            }
        };
        if items.len() > MAX_LOOP {
            return Err(Value::unknown(
                format!(
                    "the loop has {} items; nsgate evaluates at most {MAX_LOOP}",
                    items.len()
                ),
                span,
            ));
        }
        if !self.lib.charge(items.len() as u64) {
            return Err(Value::unknown("evaluation budget exhausted", span));
        }
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let mut bound = Vec::new();
            if let Some(n) = item_name {
                bound.push((n.to_string(), item));
            }
            if let Some(n) = index_name {
                bound.push((n.to_string(), Value::int(i as i64, span)));
            }
            let env = env.with(bound);
            if body.kind() == "if_statement" {
                let (cond, obj) = self.if_parts(*body, &env);
                out.push((env, Some(cond), obj));
            } else {
                out.push((env, None, Some(*body)));
            }
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn resource_instance(
        &self,
        symbol: &str,
        ty: &str,
        api: &Option<String>,
        existing: bool,
        cond: Option<Value>,
        body: Option<Node<'t>>,
        env: &Env,
        parent: Option<&Value>,
        decl_span: Span,
    ) -> Value {
        let body_span = body.map_or(decl_span, |b| self.span(b));
        let body = match body {
            Some(b) => self.expr(b, env),
            None => Value::unknown("resource has no body", decl_span),
        };
        let name = member_or_null(&body, "name", body_span);
        // The parent: a nested declaration's enclosing resource, else the `parent` property.
        let parent = parent.cloned().or_else(|| {
            body.as_object()
                .and_then(|o| o.get("parent"))
                .filter(|p| !p.is_null())
                .cloned()
        });
        let (full_name, segments, cond) = match &parent {
            Some(p) => {
                let p = p.clone();
                let p_full = member_or_null(&p, FULL_NAME, body_span);
                let full = self.lib.call(
                    "format",
                    vec![Value::str("{0}/{1}", body_span), p_full, name.clone()],
                    name.span,
                );
                let mut segs = match member_or_null(&p, SEGMENTS, body_span).kind {
                    Kind::Array(s) => s.as_ref().clone(),
                    _ => Vec::new(),
                };
                segs.push(name.clone());
                let pcond = p
                    .as_object()
                    .and_then(|o| o.get(CONDITION))
                    .cloned()
                    .filter(|c| !c.is_null());
                (full, segs, and_cond(cond, pcond))
            }
            None => (name.clone(), vec![name.clone()], cond),
        };
        let mut args = vec![Value::str(ty, decl_span)];
        args.extend(segments.iter().cloned());
        let id = self.lib.call("resourceId", args, decl_span);
        if let Some(c) = &cond {
            if matches!(c.kind, Kind::Bool(false)) {
                // Not deployed: still a value (for references), but no instance.
            }
        }
        let properties = if existing {
            Value::atom(
                format!("the properties of existing resource `{symbol}` are read from Azure at deployment time"),
                decl_span,
                format!("reference('{symbol}').properties"),
            )
        } else {
            self.declared_properties(symbol, &body, &id, body_span)
        };
        self.instances.borrow_mut().push(Instance {
            symbol: symbol.to_string(),
            ty: ty.to_string(),
            api_version: api.clone(),
            name: full_name.clone(),
            body: body.clone(),
            condition: cond.clone(),
            existing,
            span: decl_span,
        });
        let mut members: Vec<(String, Value)> = match body.as_object() {
            Some(o) if !existing => o.members.clone(),
            _ => Vec::new(),
        };
        members.retain(|(k, _)| !k.eq_ignore_ascii_case("parent") && k != "properties");
        members.push(("properties".into(), properties));
        members.push(("name".into(), name));
        members.push(("id".into(), id));
        members.push(("type".into(), Value::str(ty, decl_span)));
        if let Some(a) = api {
            members.push(("apiVersion".into(), Value::str(a.as_str(), decl_span)));
        }
        members.push((FULL_NAME.into(), full_name));
        members.push((SEGMENTS.into(), Value::array(segments, decl_span)));
        members.push((
            CONDITION.into(),
            cond.unwrap_or_else(|| Value::null(decl_span)),
        ));
        Value::object(members, body_span)
    }

    /// `res.properties`: what the declaration sets, and for any other property what its
    /// compiled `reference(<res>)` gives, the state after deployment (the ARM front end's
    /// reason, so a Bicep file and its compiled template give the same unknowns).
    fn declared_properties(&self, symbol: &str, body: &Value, id: &Value, span: Span) -> Value {
        let sym = arm::sym_call("reference", std::slice::from_ref(id));
        // The compiled `reference()` finds the resource by its id; an id that is not even
        // symbolic (a name segment that is empty or not a string) finds nothing.
        if id.to_sym().is_none() {
            return arm::runtime_state("reference", sym, span);
        }
        let rest = arm::after_deployment("reference", symbol, sym, span);
        let declared = member_or_null(body, "properties", span);
        match &declared.kind {
            Kind::Object(o) => Value::new(
                Kind::Object(Rc::new(arm::Obj {
                    members: o.members.clone(),
                    rest: Some(o.rest.clone().unwrap_or(rest)),
                })),
                declared.span,
            ),
            Kind::Null => Value::new(
                Kind::Object(Rc::new(arm::Obj {
                    members: Vec::new(),
                    rest: Some(rest),
                })),
                span,
            ),
            _ => declared,
        }
    }

    // ---- modules -------------------------------------------------------------------------

    fn module_value(&self, symbol: &str, span: Span) -> Value {
        let Some(node) = self
            .modules
            .iter()
            .find(|(s, _)| *s == symbol)
            .map(|(_, n)| *n)
        else {
            return Value::unknown(format!("module `{symbol}` is not declared"), span);
        };
        self.cached(&format!("module {symbol}"), span, || {
            self.expand_module(node)
        })
    }

    fn expand_module(&self, node: Node<'t>) -> Value {
        let span = self.span(node);
        let parts = kids(node);
        let source = parts
            .get(1)
            .map(|s| self.expr(*s, &Env::default()))
            .and_then(|v| v.as_str().map(str::to_string));
        let Some(source) = source else {
            return Value::unknown("the module path is not a literal string", span);
        };
        let Some(value) = parts.last().copied() else {
            return Value::unknown("module has no body", span);
        };
        let env = Env::default();
        match value.kind() {
            "for_statement" => match self.for_items(value, &env) {
                Ok(items) => {
                    let out = items
                        .into_iter()
                        .map(|(env, cond, body)| {
                            self.module_instance(&source, cond, body, &env, span)
                        })
                        .collect();
                    Value::array(out, span)
                }
                Err(u) => u,
            },
            "if_statement" => {
                let (cond, body) = self.if_parts(value, &env);
                self.module_instance(&source, Some(cond), body, &env, span)
            }
            _ => self.module_instance(&source, None, Some(value), &env, span),
        }
    }

    fn module_instance(
        &self,
        source: &str,
        cond: Option<Value>,
        body: Option<Node<'t>>,
        env: &Env,
        span: Span,
    ) -> Value {
        if let Some(c) = &cond {
            match &c.kind {
                Kind::Bool(false) => {
                    return Value::object(
                        vec![(
                            "outputs".into(),
                            Value::unknown("the module is not deployed (its condition is false)", c.span),
                        )],
                        span,
                    )
                }
                Kind::Bool(true) => {}
                Kind::Unknown(u) => self.problem(Problem::new(
                    ProblemKind::Unresolved,
                    Severity::Note,
                    format!(
                        "module `{source}` is deployed only when its condition holds, which could not be evaluated ({}); it is evaluated as deployed",
                        u.reason
                    ),
                    c.span,
                )),
                _ => {}
            }
        }
        let body_val = match body {
            Some(b) => self.expr(b, env),
            None => Value::unknown("module has no body", span),
        };
        let mut params = Vec::new();
        if let Some(o) = body_val.as_object().and_then(|o| o.get("params")) {
            match &o.kind {
                Kind::Object(p) => params = p.members.clone(),
                Kind::Unknown(_) => self.problem(Problem::new(
                    ProblemKind::Unresolved,
                    Severity::Warning,
                    format!("the parameters of module `{source}` could not be evaluated; its parameters are unknown"),
                    o.span,
                )),
                _ => {}
            }
        }
        let scope = self.module_scope(body_val.as_object().and_then(|o| o.get("scope")));
        let outputs = self.host.module(&self.dir, source, params, scope, span);
        let name = member_or_null(&body_val, "name", span);
        Value::object(
            vec![("name".into(), name), ("outputs".into(), outputs)],
            span,
        )
    }

    /// The scope a module deploys into: its `scope:` (`resourceGroup(sub, rg)`,
    /// `resourceGroup(rg)`, `subscription(sub)`) over this file's, as the compiled nested
    /// deployment's `subscriptionId` and `resourceGroup` do. Management group and tenant
    /// scopes hold no network resources; they keep this file's.
    fn module_scope(&self, given: Option<&Value>) -> arm::Scope {
        let mut scope = self.lib.scope();
        let Some(o) = given.and_then(Value::as_object) else {
            return scope;
        };
        if let Some(sub) = o.get(SCOPE_SUB) {
            scope.sub = sub.clone();
        }
        if let Some(rg) = o.get(SCOPE_RG) {
            scope.rg = rg.clone();
        }
        scope
    }

    /// `resourceGroup(…)` / `subscription(…)` with arguments: a scope for a module (the ARM
    /// functions take none). `resourceGroup(rg)` is in this file's subscription.
    fn scope_call(&self, name: &str, args: &[Value], span: Span) -> Option<Value> {
        let (sub, rg) = match (name, args) {
            ("resourcegroup", [rg]) => (None, Some(rg)),
            ("resourcegroup", [sub, rg]) => (Some(sub), Some(rg)),
            ("subscription", [sub]) => (Some(sub), None),
            _ => return None,
        };
        let base = self.lib.call(name, Vec::new(), span);
        let mut members = Vec::new();
        if let Some(s) = sub {
            members.push((SCOPE_SUB.to_string(), s.clone()));
            members.push(("subscriptionId".to_string(), s.clone()));
        }
        if let Some(r) = rg {
            members.push((SCOPE_RG.to_string(), r.clone()));
            members.push(("name".to_string(), r.clone()));
        }
        let rest = match &base.kind {
            Kind::Object(o) => o.rest.clone(),
            Kind::Unknown(u) => Some(u.clone()),
            _ => None,
        };
        Some(Value::new(
            Kind::Object(Rc::new(arm::Obj { members, rest })),
            span,
        ))
    }

    // ---- expressions ---------------------------------------------------------------------

    pub fn expr(&self, node: Node<'t>, env: &Env) -> Value {
        let span = self.span(node);
        let d = self.depth.get();
        if d >= MAX_DEPTH {
            return Value::unknown("expression nesting is too deep to evaluate", span);
        }
        if !self.lib.charge(1) {
            return Value::unknown("evaluation budget exhausted", span);
        }
        self.depth.set(d + 1);
        let v = if self.subst.get() == Some(node.id()) {
            match kids(node).last() {
                Some(body) => self.expr(*body, env),
                None => Value::unknown("lambda without a body", span),
            }
        } else {
            self.expr_inner(node, env, span)
        };
        self.depth.set(d);
        v
    }

    fn expr_inner(&self, node: Node<'t>, env: &Env, span: Span) -> Value {
        let parts = kids(node);
        match node.kind() {
            "number" => match self.text_of(node).parse::<i64>() {
                Ok(n) => Value::int(n, span),
                Err(_) => Value::unknown("number out of range", span),
            },
            "boolean" => Value::bool(self.text_of(node) == "true", span),
            "null" => Value::null(span),
            "string" => self.string(node, env, span),
            "identifier" => self.ident(self.text_of(node), env, span),
            "parenthesized_expression" => match parts.last() {
                Some(e) => self.expr(*e, env).with_span(span),
                None => Value::unknown("empty parentheses", span),
            },
            "array" => self.array(&parts, env, span),
            "object" => self.object(node, env, span),
            "for_statement" => match self.for_items(node, env) {
                Ok(items) => {
                    let mut out = Vec::new();
                    for (env, cond, body) in items {
                        match cond.as_ref().map(|c| &c.kind) {
                            Some(Kind::Bool(false)) => continue,
                            Some(Kind::Unknown(u)) => {
                                return Value::derived(u, None, span);
                            }
                            _ => {}
                        }
                        out.push(match body {
                            Some(b) => self.expr(b, &env),
                            None => Value::unknown("loop without a body", span),
                        });
                    }
                    Value::array(out, span)
                }
                Err(u) => u,
            },
            "member_expression" => {
                let Some(obj) = node.child_by_field_name("object") else {
                    return Value::unknown("incomplete member access", span);
                };
                let prop = node
                    .child_by_field_name("property")
                    .map(|p| self.text_of(p))
                    .unwrap_or("");
                let safe = all_kids(node).iter().any(|k| k.kind() == ".?");
                let base = self.expr(obj, env);
                let v = self.member_of(&base, prop, safe, span);
                // `nsg.id`: the reference is where it is written, not the declaration.
                let is_resource = base.as_object().is_some_and(|o| o.get(FULL_NAME).is_some());
                if is_resource {
                    v.with_span(span)
                } else {
                    v
                }
            }
            "subscript_expression" => {
                let (Some(obj), Some(index)) = (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("index"),
                ) else {
                    return Value::unknown("incomplete index expression", span);
                };
                let safe = all_kids(node).iter().any(|k| k.kind() == "?");
                let base = self.expr(obj, env);
                let i = self.expr(index, env);
                if safe {
                    if base.is_null() {
                        return Value::null(span);
                    }
                    if let (Kind::Array(items), Kind::Int(n)) = (&base.kind, &i.kind) {
                        if usize::try_from(*n)
                            .ok()
                            .and_then(|n| items.get(n))
                            .is_none()
                        {
                            return Value::null(span);
                        }
                    }
                    if let (Kind::Object(o), Kind::Str(k)) = (&base.kind, &i.kind) {
                        if o.get(k).is_none() && o.rest.is_none() {
                            return Value::null(span);
                        }
                    }
                }
                index_value(&base, &i, span)
            }
            "resource_expression" => {
                // `parent::child`: the nested resource's symbol path.
                let path = self.resource_path(node);
                match path {
                    Some(p) if self.resources.iter().any(|(s, _)| *s == p) => {
                        self.resource_value(&p, env, span)
                    }
                    _ => Value::unknown(
                        format!(
                            "`{}` is not a nested resource of this file",
                            self.text_of(node)
                        ),
                        span,
                    ),
                }
            }
            "ternary_expression" => {
                let cond = node
                    .child_by_field_name("condition")
                    .map(|c| self.expr(c, env));
                let a = node.child_by_field_name("consequence");
                let b = node.child_by_field_name("alternative");
                let (Some(cond), Some(a), Some(b)) = (cond, a, b) else {
                    return Value::unknown("incomplete `?:` expression", span);
                };
                match &cond.kind {
                    Kind::Bool(true) => self.expr(a, env),
                    Kind::Bool(false) => self.expr(b, env),
                    Kind::Unknown(u) => {
                        let (a, b) = (self.expr(a, env), self.expr(b, env));
                        if arm::equals(&a, &b) == Some(true) {
                            return a.with_span(span);
                        }
                        Value::derived(u, None, span)
                    }
                    _ => Value::unknown(
                        format!("the condition is a {}, not a bool", cond.type_name()),
                        cond.span,
                    ),
                }
            }
            "binary_expression" => self.binary(node, env, span),
            "unary_expression" => {
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text_of(o))
                    .unwrap_or("");
                let arg = match node.child_by_field_name("argument") {
                    Some(a) => self.expr(a, env),
                    None => return Value::unknown("incomplete expression", span),
                };
                match (op, &arg.kind) {
                    ("!", Kind::Bool(b)) => Value::bool(!b, span),
                    ("-", Kind::Int(n)) => Value::int(n.saturating_neg(), span),
                    (_, Kind::Unknown(u)) => Value::derived(u, None, span),
                    _ => Value::unknown(
                        format!("`{op}` does not apply to a {}", arg.type_name()),
                        span,
                    ),
                }
            }
            "call_expression" => self.call(node, env, span),
            // `x!` (non-null assertion) parses as a nullable type over the expression.
            "nullable_type" => match parts.first() {
                Some(e) => self.expr(*e, env),
                None => Value::unknown("incomplete expression", span),
            },
            "lambda_expression" => {
                Value::unknown("a lambda outside a function that takes one", span)
            }
            other => Value::unknown(format!("`{other}` expressions are not evaluated"), span),
        }
    }

    fn resource_path(&self, node: Node<'t>) -> Option<String> {
        match node.kind() {
            "identifier" => Some(self.text_of(node).to_string()),
            "resource_expression" => {
                let obj = node.child_by_field_name("object")?;
                let res = node.child_by_field_name("resource")?;
                Some(format!(
                    "{}::{}",
                    self.resource_path(obj)?,
                    self.text_of(res)
                ))
            }
            _ => None,
        }
    }

    fn member_of(&self, base: &Value, prop: &str, safe: bool, span: Span) -> Value {
        if safe {
            if base.is_null() {
                return Value::null(span);
            }
            if let Some(o) = base.as_object() {
                if o.get(prop).is_none() && o.rest.is_none() {
                    return Value::null(span);
                }
            }
        }
        // A property read of every item of a looped collection is not Bicep; a member of an
        // object is case-insensitive as in ARM.
        member(base, prop, span)
    }

    /// An array; spread items (`...x`) are flattened in, as the compiled
    /// `flatten(createArray(createArray(…), x, …))` does.
    fn array(&self, parts: &[Node<'t>], env: &Env, span: Span) -> Value {
        let mut chunks = Vec::new();
        let mut items = Vec::new();
        for n in parts.iter().filter(|n| n.kind() != "decorators") {
            if self.is_spread(*n) {
                if !items.is_empty() {
                    chunks.push(Value::array(std::mem::take(&mut items), span));
                }
                chunks.push(self.expr(*n, env));
            } else {
                items.push(self.expr(*n, env));
            }
        }
        if chunks.is_empty() {
            return Value::array(items, span);
        }
        if !items.is_empty() {
            chunks.push(Value::array(items, span));
        }
        self.lib
            .call("flatten", vec![Value::array(chunks, span)], span)
            .with_span(span)
    }

    /// An object; spread members (`...x`) are merged in order, as the compiled
    /// `shallowMerge(createArray(createObject(…), x, …))` does.
    fn object(&self, node: Node<'t>, env: &Env, span: Span) -> Value {
        let mut chunks = Vec::new();
        let mut members = Vec::new();
        for prop in kids(node) {
            if prop.kind() != "object_property" {
                continue;
            }
            let p = kids(prop);
            let (Some(key), Some(value)) = (p.first(), p.get(1)) else {
                continue; // a nested resource declaration
            };
            if self.is_spread(prop) {
                if !members.is_empty() {
                    chunks.push(Value::object(std::mem::take(&mut members), span));
                }
                chunks.push(self.expr(*value, env));
                continue;
            }
            let key_text = match key.kind() {
                "string" => match self.string(*key, env, self.span(*key)).kind {
                    Kind::Str(s) => s.to_string(),
                    _ => {
                        return Value::unknown(
                            "an object key could not be evaluated",
                            self.span(*key),
                        )
                    }
                },
                "compatible_identifier" => self.text_of(*key).trim_end_matches('?').to_string(),
                _ => self.text_of(*key).to_string(),
            };
            let v = self.expr(*value, env);
            members.push((key_text, v));
        }
        if chunks.is_empty() {
            return Value::object(members, span);
        }
        if !members.is_empty() {
            chunks.push(Value::object(members, span));
        }
        self.lib
            .call("shallowMerge", vec![Value::array(chunks, span)], span)
            .with_span(span)
    }

    fn string(&self, node: Node<'t>, env: &Env, span: Span) -> Value {
        let mut parts: Vec<Value> = Vec::new();
        let mut lit = String::new();
        let children = all_kids(node);
        let multiline = children.first().is_some_and(|c| c.kind() == "'''");
        for c in &children {
            match c.kind() {
                "'" | "'''" => {}
                "interpolation" => {
                    if !lit.is_empty() {
                        parts.push(Value::str(std::mem::take(&mut lit), span));
                    }
                    let v = match kids(*c).first() {
                        Some(e) => self.expr(*e, env),
                        None => Value::unknown("empty interpolation", self.span(*c)),
                    };
                    parts.push(match &v.kind {
                        Kind::Str(_) | Kind::Unknown(_) => v,
                        _ => self.lib.call("string", vec![v], self.span(*c)),
                    });
                }
                "string_content" if multiline => {
                    let t = self.text_of(*c);
                    // A multi-line string drops the line break right after the opening quotes.
                    let t = t
                        .strip_prefix("\r\n")
                        .or_else(|| t.strip_prefix('\n'))
                        .unwrap_or(t);
                    lit.push_str(t);
                }
                "escape_sequence" => lit.push_str(&unescape(self.text_of(*c))),
                _ => {
                    let t = self.text_of(*c);
                    if t.starts_with('\\') {
                        lit.push_str(&unescape(t));
                    } else {
                        lit.push_str(t);
                    }
                }
            }
        }
        if parts.is_empty() {
            return Value::str(lit, span);
        }
        if !lit.is_empty() {
            parts.push(Value::str(lit, span));
        }
        if parts.len() == 1 {
            if let Some(p) = parts.pop() {
                return p.with_span(span);
            }
        }
        self.lib.call("concat", parts, span)
    }

    fn binary(&self, node: Node<'t>, env: &Env, span: Span) -> Value {
        let op = node
            .child_by_field_name("operator")
            .map(|o| self.text_of(o))
            .unwrap_or("");
        let (Some(l), Some(r)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return Value::unknown("incomplete expression", span);
        };
        let left = self.expr(l, env);
        match op {
            "&&" | "||" => {
                let decisive = op == "||";
                if let Kind::Bool(b) = left.kind {
                    if b == decisive {
                        return Value::bool(decisive, span);
                    }
                }
                let right = self.expr(r, env);
                match (&left.kind, &right.kind) {
                    (_, Kind::Bool(b)) if *b == decisive => Value::bool(decisive, span),
                    (Kind::Bool(_), Kind::Bool(b)) => Value::bool(*b, span),
                    (Kind::Unknown(u), _) | (_, Kind::Unknown(u)) => Value::derived(u, None, span),
                    _ => Value::unknown(format!("`{op}` expects bools"), span),
                }
            }
            "??" => match &left.kind {
                Kind::Null => self.expr(r, env),
                Kind::Unknown(u) => Value::derived(u, None, span),
                _ => left,
            },
            _ => {
                let right = self.expr(r, env);
                let f = |name: &str, a: Value, b: Value| self.lib.call(name, vec![a, b], span);
                let lower = |v: Value| match &v.kind {
                    Kind::Str(_) | Kind::Unknown(_) => self.lib.call("toLower", vec![v], span),
                    _ => v,
                };
                match op {
                    "+" => f("add", left, right),
                    "-" => f("sub", left, right),
                    "*" => f("mul", left, right),
                    "/" => f("div", left, right),
                    "%" => f("mod", left, right),
                    "==" => f("equals", left, right),
                    "!=" => negate(f("equals", left, right), span),
                    "=~" => f("equals", lower(left), lower(right)),
                    "!~" => negate(f("equals", lower(left), lower(right)), span),
                    ">" => f("greater", left, right),
                    ">=" => f("greaterOrEquals", left, right),
                    "<" => f("less", left, right),
                    "<=" => f("lessOrEquals", left, right),
                    _ => Value::unknown(format!("operator `{op}` is not evaluated"), span),
                }
            }
        }
    }

    fn call(&self, node: Node<'t>, env: &Env, span: Span) -> Value {
        let Some(func) = node.child_by_field_name("function") else {
            return Value::unknown("incomplete call", span);
        };
        // `az.f(…)`, `sys.f(…)` name the same functions; a method call `x.f()` is not Bicep.
        let name = match func.kind() {
            "identifier" => self.text_of(func),
            "member_expression" => {
                let ns = func
                    .child_by_field_name("object")
                    .map(|o| self.text_of(o))
                    .unwrap_or("");
                if !matches!(ns, "az" | "sys") {
                    return Value::unknown(
                        format!(
                            "`{}` is an imported function, not evaluated",
                            self.text_of(func)
                        ),
                        span,
                    );
                }
                func.child_by_field_name("property")
                    .map(|p| self.text_of(p))
                    .unwrap_or("")
            }
            _ => return Value::unknown("calls of computed functions are not evaluated", span),
        };
        let arg_nodes: Vec<Node<'t>> = node
            .child_by_field_name("arguments")
            .map(kids)
            .unwrap_or_default();
        if let Some(f) = self.funcs.get(name).copied() {
            return self.user_function(name, f, &arg_nodes, env, span);
        }
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "map" | "filter" | "reduce" | "toobject" | "mapvalues" | "sort" | "groupby" => {
                return self.lambda_call(&lower, &arg_nodes, env, span)
            }
            _ => {}
        }
        let args: Vec<Value> = arg_nodes.iter().map(|a| self.expr(*a, env)).collect();
        if let Some(scope) = self.scope_call(&lower, &args, span) {
            return scope;
        }
        match lower.as_str() {
            "any" => args
                .into_iter()
                .next()
                .unwrap_or_else(|| Value::unknown("`any` needs an argument", span)),
            "loadtextcontent" | "loadjsoncontent" | "loadyamlcontent" | "loadfileasbase64" => {
                self.load_content(&lower, &args, span)
            }
            "readenvironmentvariable" => self.env_var(&args, span),
            "getsecret" => Value::unknown("a Key Vault secret is read at deployment time", span),
            "coalesce" => {
                let mut it = args.into_iter();
                let mut acc = it.next().unwrap_or_else(|| Value::null(span));
                for v in it {
                    acc = match &acc.kind {
                        Kind::Null => v,
                        Kind::Unknown(u) => Value::derived(u, None, span),
                        _ => acc,
                    };
                }
                acc
            }
            _ => self.lib.call(name, args, span),
        }
    }

    fn user_function(
        &self,
        name: &str,
        f: Node<'t>,
        args: &[Node<'t>],
        env: &Env,
        span: Span,
    ) -> Value {
        let params: Vec<&str> = f
            .named_child(1)
            .map(|ps| {
                kids(ps)
                    .iter()
                    .filter_map(|p| kids(*p).first().map(|n| self.text_of(*n)))
                    .collect()
            })
            .unwrap_or_default();
        let Some(body) = kids(f).last().copied() else {
            return Value::unknown(format!("function `{name}` has no body"), span);
        };
        let bound: Vec<(String, Value)> = params
            .iter()
            .zip(args)
            .map(|(p, a)| (p.to_string(), self.expr(*a, env)))
            .collect();
        self.expr(body, &Env::default().with(bound)).with_span(span)
    }

    /// Lambda parameter names, body, and the lambda node to evaluate as its body (when the
    /// grammar bound a member access or operator tighter than `=>`).
    fn lambda(&self, node: Node<'t>) -> Option<(Vec<String>, Node<'t>, Option<usize>)> {
        let mut l = node;
        let mut steps = 0;
        while l.kind() != "lambda_expression" {
            l = l.named_child(0)?;
            steps += 1;
            if steps > 64 {
                return None;
            }
        }
        let parts = kids(l);
        let params = parts.first()?;
        let names = match params.kind() {
            "identifier" => vec![self.text_of(*params).to_string()],
            "parenthesized_expression" => kids(*params)
                .iter()
                .map(|p| self.text_of(*p).to_string())
                .collect(),
            _ => return None,
        };
        if l == node {
            Some((names, *parts.last()?, None))
        } else {
            Some((names, node, Some(l.id())))
        }
    }

    /// Evaluate a lambda body with its parameters bound.
    fn apply_lambda(&self, body: Node<'t>, subst: Option<usize>, env: &Env) -> Value {
        let saved = self.subst.replace(subst.or(self.subst.get()));
        let v = self.expr(body, env);
        self.subst.set(saved);
        v
    }

    fn lambda_call(&self, name: &str, args: &[Node<'t>], env: &Env, span: Span) -> Value {
        let Some(input) = args.first() else {
            return Value::unknown(format!("`{name}` needs arguments"), span);
        };
        let input = self.expr(*input, env);
        let lambda_at = if name == "reduce" { 2 } else { 1 };
        let Some((vars, body, subst)) = args.get(lambda_at).and_then(|a| self.lambda(*a)) else {
            return Value::unknown(format!("`{name}` expects a lambda"), span);
        };
        let items: Vec<Value> = match (&input.kind, name) {
            (Kind::Array(items), _) => items.as_ref().clone(),
            (Kind::Object(o), "mapvalues") => o.members.iter().map(|(_, v)| v.clone()).collect(),
            (Kind::Unknown(u), _) => return Value::derived(u, None, span),
            _ => return Value::unknown(format!("`{name}` expects an array"), input.span),
        };
        if !self.lib.charge(items.len() as u64) {
            return Value::unknown("evaluation budget exhausted", span);
        }
        let apply = |vals: Vec<Value>| {
            let bound = vars.iter().cloned().zip(vals);
            self.apply_lambda(body, subst, &env.with(bound))
        };
        let idx = |i: usize| Value::int(i as i64, span);
        match name {
            "map" => Value::array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| apply(vec![x.clone(), idx(i)]))
                    .collect(),
                span,
            ),
            "filter" => {
                let mut out = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    match apply(vec![x.clone(), idx(i)]).kind {
                        Kind::Bool(true) => out.push(x.clone()),
                        Kind::Bool(false) => {}
                        Kind::Unknown(u) => return Value::derived(&u, None, span),
                        _ => return Value::unknown("`filter` lambda must return a bool", span),
                    }
                }
                Value::array(out, span)
            }
            "reduce" => {
                let mut acc = match args.get(1) {
                    Some(a) => self.expr(*a, env),
                    None => return Value::unknown("`reduce` needs an initial value", span),
                };
                for (i, x) in items.iter().enumerate() {
                    acc = apply(vec![acc, x.clone(), idx(i)]);
                }
                acc
            }
            "mapvalues" => {
                let Some(o) = input.as_object() else {
                    return Value::unknown("`mapValues` expects an object", span);
                };
                let members = o
                    .members
                    .iter()
                    .map(|(k, v)| (k.clone(), apply(vec![v.clone()])))
                    .collect();
                Value::object(members, span)
            }
            "toobject" => {
                let value_lambda = args.get(2).and_then(|a| self.lambda(*a));
                let mut members = Vec::new();
                for x in &items {
                    let key = apply(vec![x.clone()]);
                    let Some(k) = key.as_str() else {
                        return match key.as_unknown() {
                            Some(u) => Value::derived(u, None, span),
                            None => Value::unknown("`toObject` keys must be strings", span),
                        };
                    };
                    let v = match &value_lambda {
                        Some((vars, body, subst)) => {
                            let bound = vars.iter().cloned().zip(vec![x.clone()]);
                            self.apply_lambda(*body, *subst, &env.with(bound))
                        }
                        None => x.clone(),
                    };
                    members.push((k.to_string(), v));
                }
                Value::object(members, span)
            }
            _ => Value::unknown(format!("`{name}` is not evaluated"), span),
        }
    }

    fn load_content(&self, name: &str, args: &[Value], span: Span) -> Value {
        let Some(path) = args.first().and_then(Value::as_str) else {
            return Value::unknown(format!("`{name}` needs a literal path"), span);
        };
        let (file, text) = match self.host.read_text(&self.dir, path) {
            Ok(t) => t,
            Err(e) => {
                // Like a missing module: what depends on the file is unknown, and said so.
                let pretty = match name {
                    "loadtextcontent" => "loadTextContent",
                    "loadjsoncontent" => "loadJsonContent",
                    "loadyamlcontent" => "loadYamlContent",
                    _ => "loadFileAsBase64",
                };
                self.problem(Problem::new(
                    ProblemKind::Unresolved,
                    Severity::Warning,
                    format!("`{pretty}('{path}')`: the file cannot be read ({e}); what depends on it is unknown"),
                    span,
                ));
                return Value::unknown(format!("`{path}` could not be read: {e}"), span);
            }
        };
        match name {
            "loadtextcontent" => Value::str(text.as_ref(), span),
            "loadjsoncontent" => {
                let Ok(root) = crate::frontend::json::parse(&text, true) else {
                    return Value::unknown(format!("`{path}` is not valid JSON"), span);
                };
                let mut v = arm::json_value(&root, file);
                if let Some(jp) = args.get(1).and_then(Value::as_str) {
                    v = json_path(v, jp, span);
                }
                v
            }
            _ => Value::unknown(format!("`{name}` is not evaluated"), span),
        }
    }

    fn env_var(&self, args: &[Value], span: Span) -> Value {
        let Some(name) = args.first().and_then(Value::as_str) else {
            return Value::unknown("`readEnvironmentVariable` needs a literal name", span);
        };
        match std::env::var(name) {
            Ok(v) => Value::str(v, span),
            Err(_) => match args.get(1) {
                Some(d) => d.clone(),
                None => Value::unknown(format!("environment variable `{name}` is not set"), span),
            },
        }
    }
}

/// Hidden members of a resource reference (never written by a user: they start with `$`).
const FULL_NAME: &str = "$fullName";
const SEGMENTS: &str = "$segments";
const CONDITION: &str = "$condition";

fn ref_type(v: &Value) -> String {
    match &v.kind {
        Kind::Array(items) => items.first().map(ref_type).unwrap_or_default(),
        Kind::Object(o) => o
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn ref_api(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Array(items) => items.first().and_then(ref_api),
        Kind::Object(o) => o
            .get("apiVersion")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

fn member_or_null(v: &Value, name: &str, span: Span) -> Value {
    match &v.kind {
        Kind::Object(o) if o.get(name).is_none() && o.rest.is_none() => Value::null(span),
        _ => member(v, name, span),
    }
}

fn and_cond(a: Option<Value>, b: Option<Value>) -> Option<Value> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => match (&a.kind, &b.kind) {
            (Kind::Bool(false), _) => Some(a),
            (_, Kind::Bool(false)) => Some(b),
            (Kind::Bool(true), _) => Some(b),
            _ => Some(a),
        },
    }
}

fn negate(v: Value, span: Span) -> Value {
    match v.kind {
        Kind::Bool(b) => Value::bool(!b, span),
        _ => v,
    }
}

fn body_object(decl: Node<'_>) -> Option<Node<'_>> {
    let last = kids(decl).into_iter().last()?;
    match last.kind() {
        "object" => Some(last),
        "if_statement" => kids(last).into_iter().find(|n| n.kind() == "object"),
        "for_statement" => {
            let body = kids(last).into_iter().last()?;
            match body.kind() {
                "object" => Some(body),
                "if_statement" => kids(body).into_iter().find(|n| n.kind() == "object"),
                _ => None,
            }
        }
        _ => None,
    }
}

fn unescape(t: &str) -> String {
    match t {
        "\\n" => "\n".into(),
        "\\r" => "\r".into(),
        "\\t" => "\t".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\$" => "$".into(),
        _ => {
            if let Some(hex) = t.strip_prefix("\\u{").and_then(|h| h.strip_suffix('}')) {
                if let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                    return c.to_string();
                }
            }
            t.strip_prefix('\\').unwrap_or(t).to_string()
        }
    }
}

/// A simple JSONPath (`$.a.b[0]`) into a value, for `loadJsonContent(path, jsonPath)`.
fn json_path(mut v: Value, path: &str, span: Span) -> Value {
    let p = path.trim_start_matches('$');
    for seg in p.split(['.', '[']).filter(|s| !s.is_empty()) {
        v = match seg.strip_suffix(']') {
            Some(i) => match i.trim_matches('\'').parse::<i64>() {
                Ok(n) => index_value(&v, &Value::int(n, span), span),
                Err(_) => member(&v, i.trim_matches('\''), span),
            },
            None => member(&v, seg, span),
        };
    }
    v
}

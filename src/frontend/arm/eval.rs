//! The evaluator: deployment contexts (parameters, variables, user functions, the resource
//! table), environments (copy indexes, lambda variables) and evaluation of JSON nodes and
//! expressions into [`Value`]s.
//!
//! Evaluation is lazy and memoised: a parameter or variable is evaluated the first time it is
//! used, so runtime-only values in properties nsgate never reads (locations, tags) cost
//! nothing and raise nothing. Cycles, runaway nesting and runaway sizes become Unknowns, never
//! panics or stack overflows: every load has a fixed budget of evaluation steps.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use super::expr::{self, Expr, ExprKind};
use super::functions;
use super::resource_id::{self, ROOT_RG, ROOT_SUB};
use super::template::{Inst, Table};
use super::value::{self, render_sym_arg, Kind, Obj, Part, Unk, Value};
use crate::frontend::budget::Budget;
use crate::frontend::json::{Json, Node};
use crate::model::Problem;
use crate::source::{FileId, Span};

/// Units of work allowed per template: one per expression node, JSON node and copy-loop
/// instance, one per node of every expression's value (shared parts counted each time they
/// are reached) and of every argument a walking function (`string`, `json`, `equals`…)
/// touches. Real templates spend well under 1% of it; exponential variable chains and
/// nested copy loops stop here with one error-level NSG030.
pub const BUDGET: u64 = 10_000_000;
/// Deepest evaluation nesting (expressions, JSON nodes, variable and parameter chains).
pub const MAX_DEPTH: u32 = 256;
/// ARM's limit on copy loop iterations.
pub const MAX_COPY: i64 = 800;
/// Deepest chain of nested deployments followed.
pub const MAX_NESTING: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CtxId(pub usize);

/// Where a deployment puts its resources: the subscription id and resource group name, each a
/// literal or a symbol (the root deployment's are the atoms `subscription().subscriptionid`
/// and `resourcegroup().name`).
#[derive(Debug, Clone)]
pub struct Scope {
    pub sub: Value,
    pub rg: Value,
}

/// One (nested) deployment.
pub struct Ctx<'a> {
    pub names: Rc<Names<'a>>,
    /// Deployment path: "" for the root, then nested deployment names joined by `/`.
    pub path: String,
    pub depth: usize,
    pub scope: Scope,
    pub template: &'a Node,
    pub table: RefCell<TableState<'a>>,
}

pub enum TableState<'a> {
    NotBuilt,
    Building,
    Built(Rc<Table<'a>>),
}

pub struct Param<'a> {
    pub name: String,
    pub decl: &'a Node,
    pub decl_span: Span,
    pub supplied: Option<Value>,
    /// Declared `nullable` (directly, or by the type definition its `$ref` names): without a
    /// value it is null, not unknown.
    pub nullable: bool,
}

pub enum VarDef<'a> {
    Node(&'a Node),
    /// An entry of the `copy` array of `variables`.
    Copy(&'a Node),
}

pub struct Func<'a> {
    pub params: Vec<String>,
    pub output: Option<&'a Node>,
    pub span: Span,
}

enum Slot {
    InProgress,
    Done(Value),
}

/// What `parameters()`, `variables()` and user functions resolve to. Shared between a parent
/// and a nested template with `outer` expression scope.
pub struct Names<'a> {
    /// Prefix of parameter atoms, so unknown parameters of different deployments differ.
    pub prefix: String,
    /// The context whose scope variables and defaults are evaluated in.
    pub home: Cell<CtxId>,
    pub params: HashMap<String, Param<'a>>,
    pub vars: HashMap<String, VarDef<'a>>,
    pub funcs: HashMap<String, Func<'a>>,
    param_cache: RefCell<HashMap<String, Slot>>,
    var_cache: RefCell<HashMap<String, Slot>>,
}

impl<'a> Names<'a> {
    pub fn new(prefix: String) -> Names<'a> {
        Names {
            prefix,
            home: Cell::new(CtxId(0)),
            params: HashMap::new(),
            vars: HashMap::new(),
            funcs: HashMap::new(),
            param_cache: RefCell::new(HashMap::new()),
            var_cache: RefCell::new(HashMap::new()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CopyFrame {
    /// Loop name, lower-cased.
    pub name: String,
    pub index: Value,
    /// A resource loop (what an unnamed `copyIndex()` refers to).
    pub resource: bool,
}

/// The dynamic environment of an evaluation.
#[derive(Debug, Clone)]
pub struct Env {
    pub ctx: CtxId,
    pub copies: Rc<Vec<CopyFrame>>,
    pub lambdas: Rc<Vec<(String, Value)>>,
    pub fn_args: Option<Rc<Vec<(String, Value)>>>,
}

impl Env {
    pub fn root(ctx: CtxId) -> Env {
        Env {
            ctx,
            copies: Rc::new(Vec::new()),
            lambdas: Rc::new(Vec::new()),
            fn_args: None,
        }
    }

    pub fn with_copy(&self, name: &str, index: Value, resource: bool) -> Env {
        let mut copies = self.copies.as_ref().clone();
        copies.push(CopyFrame {
            name: name.to_ascii_lowercase(),
            index,
            resource,
        });
        Env {
            copies: Rc::new(copies),
            ..self.clone()
        }
    }

    fn with_lambdas(&self, vars: Vec<(String, Value)>) -> Env {
        let mut lambdas = self.lambdas.as_ref().clone();
        lambdas.extend(vars);
        Env {
            lambdas: Rc::new(lambdas),
            ..self.clone()
        }
    }
}

/// A view of a JSON node not evaluated yet, or of a value: lowering reads resource properties
/// through it, so only the properties nsgate needs are evaluated.
#[derive(Debug, Clone)]
pub enum Lazy<'a> {
    Node(&'a Node),
    Val(Value),
}

/// Evaluates one template file (and the templates nested in it).
pub struct Machine<'a> {
    pub file: FileId,
    text: &'a str,
    budget: Budget,
    /// Whether the exhausted budget's problem was handed out already.
    budget_reported: Cell<bool>,
    depth: Cell<u32>,
    problems: RefCell<Vec<Problem>>,
    ctxs: RefCell<Vec<Rc<Ctx<'a>>>>,
}

impl<'a> Machine<'a> {
    pub fn new(file: FileId, text: &'a str) -> Machine<'a> {
        Machine {
            file,
            text,
            budget: Budget::new("ARM template evaluation", BUDGET),
            budget_reported: Cell::new(false),
            depth: Cell::new(0),
            problems: RefCell::new(Vec::new()),
            ctxs: RefCell::new(Vec::new()),
        }
    }

    /// A machine with a smaller budget, to test what happens where it ends.
    #[cfg(test)]
    pub fn with_budget(file: FileId, text: &'a str, limit: u64) -> Machine<'a> {
        Machine {
            budget: Budget::new("ARM template evaluation", limit),
            ..Machine::new(file, text)
        }
    }

    #[cfg(test)]
    pub fn budget_used(&self) -> u64 {
        self.budget.used()
    }

    pub fn span(&self, node: &Node) -> Span {
        Span::new(self.file, node.start as usize, node.end as usize)
    }

    pub fn problem(&self, p: Problem) {
        self.problems.borrow_mut().push(p);
    }

    pub fn take_problems(&self) -> Vec<Problem> {
        let mut problems = std::mem::take(&mut *self.problems.borrow_mut());
        if !self.budget_reported.get() {
            if let Some(p) = self.budget.problem() {
                self.budget_reported.set(true);
                problems.push(p);
            }
        }
        problems
    }

    pub fn add_ctx(&self, ctx: Ctx<'a>) -> CtxId {
        let mut ctxs = self.ctxs.borrow_mut();
        ctxs.push(Rc::new(ctx));
        CtxId(ctxs.len() - 1)
    }

    pub fn ctx(&self, id: CtxId) -> Option<Rc<Ctx<'a>>> {
        self.ctxs.borrow().get(id.0).cloned()
    }

    /// Charge `n` units of work; false when the budget is spent (reported once, as NSG030).
    pub fn charge(&self, n: u64) -> bool {
        self.budget.charge(n, Span::new(self.file, 0, 0), || {
            "the rest of the template".into()
        })
    }

    /// Charge `n` units for `what` at `span` (named in the NSG030 if it is the first miss).
    pub fn charge_at(&self, n: u64, span: Span, what: impl FnOnce() -> String) -> bool {
        self.budget.charge(n, span, what)
    }

    /// Charge one unit per node of `values` (shared parts counted each time they are reached).
    pub fn charge_walk(&self, values: &[Value], span: Span, what: impl FnOnce() -> String) -> bool {
        let mut units = 0u64;
        for v in values {
            match v.weight(self.budget.left().saturating_sub(units)) {
                Some(w) => units += w,
                None => units = u64::MAX,
            }
        }
        self.charge_at(units, span, what)
    }

    pub fn exhausted_value(&self, span: Span) -> Value {
        Value::unknown(self.budget.reason(), span)
    }

    /// Run `f` one level deeper, or return an Unknown when too deep.
    fn nested<F: FnOnce() -> Value>(&self, span: Span, f: F) -> Value {
        let d = self.depth.get();
        if d >= MAX_DEPTH {
            return Value::unknown("expression nesting is too deep to evaluate", span);
        }
        if !self.charge(1) {
            return self.exhausted_value(span);
        }
        self.depth.set(d + 1);
        let v = f();
        self.depth.set(d);
        v
    }

    // ---- JSON nodes ---------------------------------------------------------------------

    /// Evaluate a JSON node: expressions are evaluated, property `copy` loops expanded.
    pub fn eval_node(&self, node: &'a Node, env: &Env) -> Value {
        self.eval_node_charged(node, env, false)
    }

    /// [`Machine::eval_node`]; `charged`: the array's items were charged already.
    fn eval_node_charged(&self, node: &'a Node, env: &Env, charged: bool) -> Value {
        let span = self.span(node);
        self.nested(span, || match &node.value {
            // A large container left unbuilt by the parser: every node building it makes is
            // charged before it is built, so a huge variable that is referenced ends at the
            // budget (NSG030) instead of taking memory in proportion to its size.
            Json::Lazy(l) => {
                let what = || format!("a value of {} JSON nodes", l.total_nodes());
                if !self.charge_at(l.own_nodes(), span, what) {
                    return self.exhausted_value(span);
                }
                self.eval_node_charged(l.node(), env, true)
            }
            Json::Null => Value::null(span),
            Json::Bool(b) => Value::bool(*b, span),
            Json::Number(n) => number(n, span),
            Json::String(s) => {
                if expr::is_expression(s) {
                    self.eval_string(s, node, env)
                } else {
                    Value::str(expr::literal(s), span)
                }
            }
            Json::Array(items) => {
                if !charged && !self.charge(items.len() as u64) {
                    return self.exhausted_value(span);
                }
                Value::array(items.iter().map(|i| self.eval_node(i, env)).collect(), span)
            }
            Json::Object(members) => {
                let mut out = Vec::with_capacity(members.len());
                for m in members {
                    if m.key.eq_ignore_ascii_case("copy") && is_copy_loops(&m.value) {
                        for entry in m.value.items() {
                            out.push(self.expand_loop(entry, env));
                        }
                    } else {
                        out.push((m.key.to_string(), self.eval_node(&m.value, env)));
                    }
                }
                Value::object(out, span)
            }
        })
    }

    /// A property or variable `copy` entry `{name, count, input}` → (name, array).
    pub fn expand_loop(&self, entry: &'a Node, env: &Env) -> (String, Value) {
        let span = self.span(entry);
        let name = entry
            .get_ci("name")
            .map(|n| self.eval_node(n, env))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let count = match entry.get_ci("count") {
            Some(c) => self.eval_node(c, env),
            None => Value::unknown("copy loop has no `count`", span),
        };
        let Some(input) = entry.get_ci("input") else {
            return (name, Value::unknown("copy loop has no `input`", span));
        };
        let n = match self.copy_count(&count, span) {
            Ok(n) => n,
            Err(u) => return (name, u),
        };
        // Every instance evaluates the whole input again: charge its size per instance before
        // expanding, so nested loops (800 NSGs × 800 rules) stop at the budget up front.
        let units = (n as u64).saturating_mul(expanded_weight(input));
        if !self.charge_at(units, span, || {
            format!("the copy loop `{name}` ({n} instances)")
        }) {
            return (name, self.exhausted_value(span));
        }
        let items = (0..n)
            .map(|i| self.eval_node(input, &env.with_copy(&name, Value::int(i, span), false)))
            .collect();
        (name, Value::array(items, span))
    }

    /// A copy count as a number of iterations, or the Unknown explaining why not.
    pub fn copy_count(&self, count: &Value, span: Span) -> Result<i64, Value> {
        match &count.kind {
            Kind::Int(n) if (0..=MAX_COPY).contains(n) => Ok(*n),
            Kind::Int(n) => {
                self.problem(Problem::invalid(
                    format!("copy count {n} is outside 0–{MAX_COPY}, the range Azure accepts"),
                    count.span,
                ));
                Err(Value::unknown("copy count out of range", count.span))
            }
            Kind::Unknown(u) => Err(Value::derived(u, None, span)),
            _ => Err(Value::unknown(
                format!("copy count is a {}, not a number", count.type_name()),
                count.span,
            )),
        }
    }

    fn eval_string(&self, s: &str, node: &Node, env: &Env) -> Value {
        let span = self.span(node);
        // Sub-spans inside the string are exact when the JSON string has no escapes.
        let start = node.start as usize + 1;
        let base = (self.text.get(start..start + s.len()) == Some(s)).then_some(start);
        let at = Loc { span, base };
        let v = match expr::parse(s) {
            Ok(e) => self.eval_expr(&e, env, at),
            Err(e) => {
                let where_ = at.sub(self.file, e.start, e.end);
                self.problem(Problem::invalid(
                    format!(
                        "template expression does not parse: {}; Azure rejects the template",
                        e.message
                    ),
                    where_,
                ));
                Value::unknown(format!("invalid expression: {}", e.message), where_)
            }
        };
        // The value an expression produces costs its size, even when it is a shared variable.
        if !self.charge_walk(std::slice::from_ref(&v), span, || {
            format!("the expression `{}`", short(s))
        }) {
            return self.exhausted_value(span);
        }
        match v.kind {
            Kind::Array(_) | Kind::Object(_) => v,
            _ => v.with_span(span),
        }
    }

    // ---- expressions --------------------------------------------------------------------

    fn eval_expr(&self, e: &Expr, env: &Env, at: Loc) -> Value {
        let span = at.sub(self.file, e.start, e.end);
        self.nested(span, || match &e.kind {
            ExprKind::Str(s) => Value::str(s.as_str(), span),
            ExprKind::Int(n) => Value::int(*n, span),
            ExprKind::Bool(b) => Value::bool(*b, span),
            ExprKind::Null => Value::null(span),
            ExprKind::Member(base, name) => {
                let v = self.eval_expr(base, env, at);
                member(&v, name, span)
            }
            ExprKind::Index(base, index) => {
                let v = self.eval_expr(base, env, at);
                let i = self.eval_expr(index, env, at);
                index_value(&v, &i, span)
            }
            ExprKind::Call { name, args } => self.eval_call(name, args, env, at, span),
        })
    }

    fn eval_call(&self, name: &str, args: &[Expr], env: &Env, at: Loc, span: Span) -> Value {
        let arg = |i: usize| match args.get(i) {
            Some(a) => self.eval_expr(a, env, at),
            None => Value::unknown(format!("`{name}` is missing an argument"), span),
        };
        match name {
            "if" => {
                if args.len() != 3 {
                    return arity(name, span);
                }
                let cond = arg(0);
                match &cond.kind {
                    Kind::Bool(true) => arg(1),
                    Kind::Bool(false) => arg(2),
                    Kind::Unknown(u) => {
                        let (a, b) = (arg(1), arg(2));
                        if value::equals(&a, &b) == Some(true) {
                            return a;
                        }
                        let sym = sym_call(name, &[cond.clone(), a, b]);
                        Value::derived(u, sym, span)
                    }
                    _ => Value::unknown("`if` condition is not a bool", cond.span),
                }
            }
            "and" | "or" => {
                let decisive = name == "or";
                let mut unknown: Option<Rc<Unk>> = None;
                for i in 0..args.len() {
                    let v = arg(i);
                    match &v.kind {
                        Kind::Bool(b) if *b == decisive => return Value::bool(decisive, span),
                        Kind::Bool(_) => {}
                        Kind::Unknown(u) => unknown = unknown.or(Some(u.clone())),
                        _ => return Value::unknown(format!("`{name}` expects bools"), v.span),
                    }
                }
                match unknown {
                    Some(u) => Value::derived(&u, None, span),
                    None => Value::bool(!decisive, span),
                }
            }
            "coalesce" => {
                for i in 0..args.len() {
                    let v = arg(i);
                    match &v.kind {
                        Kind::Null => continue,
                        Kind::Unknown(u) => {
                            let rest: Vec<Value> = (i..args.len()).map(arg).collect();
                            return Value::derived(u, sym_call(name, &rest), span);
                        }
                        _ => return v,
                    }
                }
                Value::null(span)
            }
            "tryget" => {
                let mut v = arg(0);
                for i in 1..args.len() {
                    let key = arg(i);
                    v = match (&v.kind, &key.kind) {
                        (Kind::Null, _) => return Value::null(span),
                        (Kind::Object(o), Kind::Str(k)) => match o.get(k) {
                            Some(x) => x.clone(),
                            None if o.rest.is_some() => member(&v, k, span),
                            None => return Value::null(span),
                        },
                        (Kind::Array(items), Kind::Int(n)) => {
                            match usize::try_from(*n).ok().and_then(|n| items.get(n)) {
                                Some(x) => x.clone(),
                                None => return Value::null(span),
                            }
                        }
                        _ => index_value(&v, &key, span),
                    };
                }
                v
            }
            "lambda" => Value::unknown("`lambda` used outside a function that takes one", span),
            "map" | "filter" | "reduce" | "toobject" => {
                self.eval_lambda_fn(name, args, env, at, span)
            }
            _ => {
                let vals: Vec<Value> = (0..args.len()).map(arg).collect();
                self.call(name, vals, env, span)
            }
        }
    }

    fn eval_lambda_fn(&self, name: &str, args: &[Expr], env: &Env, at: Loc, span: Span) -> Value {
        let lambda_at = if name == "reduce" { 2 } else { 1 };
        let Some(input) = args.first() else {
            return arity(name, span);
        };
        let input = self.eval_expr(input, env, at);
        let lambda = |i: usize| match args.get(i).map(|a| &a.kind) {
            Some(ExprKind::Call { name, args }) if name == "lambda" && !args.is_empty() => {
                let (body, vars) = args.split_last()?;
                let vars: Option<Vec<String>> = vars
                    .iter()
                    .map(|v| match &v.kind {
                        ExprKind::Str(s) => Some(s.to_ascii_lowercase()),
                        _ => None,
                    })
                    .collect();
                Some((vars?, body))
            }
            _ => None,
        };
        let Some((vars, body)) = lambda(lambda_at) else {
            return Value::unknown(format!("`{name}` expects a lambda"), span);
        };
        let items: Vec<Value> = match &input.kind {
            Kind::Array(items) => items.as_ref().clone(),
            Kind::Unknown(u) => return Value::derived(u, None, span),
            _ => return Value::unknown(format!("`{name}` expects an array"), input.span),
        };
        if !self.charge(items.len() as u64) {
            return self.exhausted_value(span);
        }
        let apply = |vals: Vec<Value>, vars: &[String], body: &Expr| {
            let bound = vars.iter().cloned().zip(vals).collect();
            self.eval_expr(body, &env.with_lambdas(bound), at)
        };
        match name {
            "map" => {
                let out = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        apply(vec![item.clone(), Value::int(i as i64, span)], &vars, body)
                    })
                    .collect();
                Value::array(out, span)
            }
            "filter" => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let keep = apply(vec![item.clone(), Value::int(i as i64, span)], &vars, body);
                    match keep.kind {
                        Kind::Bool(true) => out.push(item.clone()),
                        Kind::Bool(false) => {}
                        Kind::Unknown(u) => return Value::derived(&u, None, span),
                        _ => return Value::unknown("`filter` lambda must return a bool", span),
                    }
                }
                Value::array(out, span)
            }
            "reduce" => {
                let mut acc = match args.get(1) {
                    Some(a) => self.eval_expr(a, env, at),
                    None => return arity(name, span),
                };
                for (i, item) in items.iter().enumerate() {
                    acc = apply(
                        vec![acc, item.clone(), Value::int(i as i64, span)],
                        &vars,
                        body,
                    );
                }
                acc
            }
            _ => {
                // toObject(array, keyLambda[, valueLambda])
                let value_lambda = lambda(2);
                let mut members = Vec::new();
                for item in items.iter() {
                    let key = apply(vec![item.clone()], &vars, body);
                    let Some(k) = key.as_str() else {
                        return match key.as_unknown() {
                            Some(u) => Value::derived(u, None, span),
                            None => Value::unknown("`toObject` keys must be strings", span),
                        };
                    };
                    let v = match &value_lambda {
                        Some((vars, body)) => apply(vec![item.clone()], vars, body),
                        None => item.clone(),
                    };
                    members.push((k.to_string(), v));
                }
                Value::object(members, span)
            }
        }
    }

    /// Functions that need the environment; the rest are pure ([`functions::call`]).
    pub(crate) fn call(&self, name: &str, args: Vec<Value>, env: &Env, span: Span) -> Value {
        match name {
            "parameters" => match string_arg(&args, name, span) {
                Ok(p) => self.param(env, &p, span),
                Err(v) => v,
            },
            "variables" => match string_arg(&args, name, span) {
                Ok(p) => self.var(env, &p, span),
                Err(v) => v,
            },
            "lambdavariables" => match string_arg(&args, name, span) {
                Ok(p) => {
                    let p = p.to_ascii_lowercase();
                    match env.lambdas.iter().rev().find(|(n, _)| *n == p) {
                        Some((_, v)) => v.clone(),
                        None => {
                            Value::unknown(format!("lambda variable `{p}` is not defined"), span)
                        }
                    }
                }
                Err(v) => v,
            },
            "copyindex" => self.copy_index(&args, env, span),
            "resourceid"
            | "subscriptionresourceid"
            | "tenantresourceid"
            | "extensionresourceid" => self.resource_id(name, &args, env, span),
            "resourcegroup" => self.scope_object(env, span, true),
            "subscription" => self.scope_object(env, span, false),
            "deployment" => {
                let path = self
                    .ctx(env.ctx)
                    .map(|c| c.path.clone())
                    .unwrap_or_default();
                let atom = if path.is_empty() {
                    "deployment()".to_string()
                } else {
                    format!("deployment('{}')", path.replace('\'', "''"))
                };
                Value::atom(
                    "the deployment's properties are known only at deployment time",
                    span,
                    atom,
                )
            }
            "reference" | "resourceinfo" => self.reference(name, &args, env, span),
            _ if name.contains('.') => self.user_function(name, args, env, span),
            _ => functions::call(self, name, args, span),
        }
    }

    // ---- parameters and variables -------------------------------------------------------

    fn param(&self, env: &Env, name: &str, span: Span) -> Value {
        let key = name.to_ascii_lowercase();
        if let Some(args) = &env.fn_args {
            return match args.iter().find(|(n, _)| *n == key) {
                Some((_, v)) => v.clone(),
                None => {
                    Value::unknown(format!("function parameter `{name}` is not declared"), span)
                }
            };
        }
        let Some(ctx) = self.ctx(env.ctx) else {
            return Value::unknown("no deployment context", span);
        };
        let names = ctx.names.clone();
        let Some(param) = names.params.get(&key) else {
            self.problem(Problem::invalid(
                format!("parameter `{name}` is not declared in the template; Azure rejects the template"),
                span,
            ));
            return Value::unknown(format!("parameter `{name}` is not declared"), span);
        };
        match names.param_cache.borrow().get(&key) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::InProgress) => {
                return Value::unknown(format!("parameter `{name}` refers to itself"), span)
            }
            None => {}
        }
        names
            .param_cache
            .borrow_mut()
            .insert(key.clone(), Slot::InProgress);
        let v = self.param_value(&names, param);
        names
            .param_cache
            .borrow_mut()
            .insert(key, Slot::Done(v.clone()));
        v
    }

    fn param_value(&self, names: &Names<'a>, param: &Param<'a>) -> Value {
        if let Some(v) = &param.supplied {
            return v.clone();
        }
        let env = Env::root(names.home.get());
        if let Some(default) = param.decl.get_ci("defaultValue") {
            return self.eval_node(default, &env);
        }
        if param.nullable {
            return Value::null(param.decl_span);
        }
        Value::atom(
            format!(
                "parameter `{}` has no value (no parameters file value and no defaultValue)",
                param.name
            ),
            param.decl_span,
            format!(
                "{}parameters('{}')",
                names.prefix,
                param.name.to_ascii_lowercase().replace('\'', "''")
            ),
        )
    }

    fn var(&self, env: &Env, name: &str, span: Span) -> Value {
        let key = name.to_ascii_lowercase();
        let Some(ctx) = self.ctx(env.ctx) else {
            return Value::unknown("no deployment context", span);
        };
        let names = ctx.names.clone();
        let Some(def) = names.vars.get(&key) else {
            self.problem(Problem::invalid(
                format!(
                    "variable `{name}` is not declared in the template; Azure rejects the template"
                ),
                span,
            ));
            return Value::unknown(format!("variable `{name}` is not declared"), span);
        };
        match names.var_cache.borrow().get(&key) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::InProgress) => {
                return Value::unknown(format!("variable `{name}` refers to itself"), span)
            }
            None => {}
        }
        names
            .var_cache
            .borrow_mut()
            .insert(key.clone(), Slot::InProgress);
        let env = Env::root(names.home.get());
        let v = match def {
            VarDef::Node(node) => self.eval_node(node, &env),
            VarDef::Copy(entry) => self.expand_loop(entry, &env).1,
        };
        names
            .var_cache
            .borrow_mut()
            .insert(key, Slot::Done(v.clone()));
        v
    }

    fn user_function(&self, name: &str, args: Vec<Value>, env: &Env, span: Span) -> Value {
        let Some(ctx) = self.ctx(env.ctx) else {
            return Value::unknown("no deployment context", span);
        };
        let Some(func) = ctx.names.funcs.get(name) else {
            return Value::unknown(format!("function `{name}` is not defined"), span);
        };
        if func.params.len() != args.len() {
            return Value::unknown(
                format!(
                    "function `{name}` takes {} arguments, not {}",
                    func.params.len(),
                    args.len()
                ),
                span,
            );
        }
        let Some(output) = func.output else {
            return Value::unknown(format!("function `{name}` has no output value"), func.span);
        };
        let bound = func.params.iter().cloned().zip(args).collect();
        let fenv = Env {
            ctx: env.ctx,
            copies: Rc::new(Vec::new()),
            lambdas: Rc::new(Vec::new()),
            fn_args: Some(Rc::new(bound)),
        };
        let v = self.eval_node(output, &fenv);
        match v.kind {
            Kind::Array(_) | Kind::Object(_) => v,
            _ => v.with_span(span),
        }
    }

    // ---- copy loops ---------------------------------------------------------------------

    fn copy_index(&self, args: &[Value], env: &Env, span: Span) -> Value {
        let (loop_name, offset) = match args {
            [] => (None, Value::int(0, span)),
            [a] if a.as_str().is_some() => (a.as_str(), Value::int(0, span)),
            [a] => (None, a.clone()),
            [a, b] => (a.as_str(), b.clone()),
            _ => return arity("copyIndex", span),
        };
        let frame = match loop_name {
            Some(n) => env
                .copies
                .iter()
                .rev()
                .find(|f| f.name.eq_ignore_ascii_case(n)),
            None => env
                .copies
                .iter()
                .rev()
                .find(|f| f.resource)
                .or_else(|| env.copies.last()),
        };
        let Some(frame) = frame else {
            let what = loop_name.map_or("a copy loop".to_string(), |n| format!("copy loop `{n}`"));
            return Value::unknown(format!("`copyIndex()` used outside {what}"), span);
        };
        match (&frame.index.kind, &offset.kind) {
            (Kind::Int(i), Kind::Int(o)) => Value::int(i.saturating_add(*o), span),
            (Kind::Unknown(u), _) => {
                let sym = sym_call("add", &[frame.index.clone(), offset.clone()]);
                Value::derived(u, sym, span)
            }
            (_, Kind::Unknown(u)) => Value::derived(u, None, span),
            _ => Value::unknown("`copyIndex` offset must be a number", offset.span),
        }
    }

    // ---- resource ids and scopes --------------------------------------------------------

    pub fn scope_of(&self, env: &Env) -> Scope {
        match self.ctx(env.ctx) {
            Some(c) => c.scope.clone(),
            None => root_scope(Span::new(self.file, 0, 0)),
        }
    }

    fn resource_id(&self, name: &str, args: &[Value], env: &Env, span: Span) -> Value {
        let scope = self.scope_of(env);
        let is_type = |v: &Value| v.as_str().is_some_and(|s| s.contains('/'));
        let Some(ty_at) = args.iter().position(is_type) else {
            return match args.iter().find_map(Value::as_unknown) {
                Some(u) => Value::derived(u, sym_call(name, args), span),
                None => Value::unknown(format!("`{name}` has no resource type argument"), span),
            };
        };
        let (before, rest) = args.split_at(ty_at);
        let Some((ty, names)) = rest.split_first() else {
            return arity(name, span);
        };
        let ty = ty
            .as_str()
            .unwrap_or_default()
            .trim_matches('/')
            .to_string();
        let mut cause: Option<Rc<Unk>> = None;
        let mut parts = |v: &Value| -> Option<Vec<Part>> {
            if let Some(u) = v.as_unknown() {
                if cause.is_none() {
                    cause = Some(u.clone());
                }
            }
            v.to_sym()
        };
        let (sub, rg, prefix) = match (name, before) {
            ("resourceid", []) => (Some(parts(&scope.sub)), Some(parts(&scope.rg)), None),
            ("resourceid", [rg]) => (Some(parts(&scope.sub)), Some(parts(rg)), None),
            ("resourceid", [sub, rg]) => (Some(parts(sub)), Some(parts(rg)), None),
            ("subscriptionresourceid", []) => (Some(parts(&scope.sub)), None, None),
            ("subscriptionresourceid", [sub]) => (Some(parts(sub)), None, None),
            ("tenantresourceid", []) => (None, None, None),
            ("extensionresourceid", [base]) => (None, None, Some(parts(base))),
            _ => return arity(name, span),
        };
        let mut segs = Vec::new();
        for n in names {
            match parts(n) {
                Some(p) => segs.extend(value::split_sym(&p, '/')),
                None => segs.push(Vec::new()),
            }
        }
        let missing = sub.as_ref().is_some_and(Option::is_none)
            || rg.as_ref().is_some_and(Option::is_none)
            || prefix.as_ref().is_some_and(Option::is_none)
            || segs.iter().any(Vec::is_empty);
        if missing {
            return match cause {
                Some(u) => Value::derived(&u, None, span),
                None => Value::unknown(format!("`{name}` has an empty name segment"), span),
            };
        }
        let Some(mut id) = resource_id::build(sub.flatten(), rg.flatten(), &ty, segs) else {
            return Value::unknown(
                format!("`{name}`: the names given do not match the segments of type `{ty}`"),
                span,
            );
        };
        if let Some(Some(mut base)) = prefix {
            value::push_parts(&mut base, id);
            id = base;
        }
        symbolic_string(id, cause.as_deref(), span)
    }

    fn scope_object(&self, env: &Env, span: Span, rg: bool) -> Value {
        let scope = self.scope_of(env);
        let (v, root_atom, fname, key) = if rg {
            (&scope.rg, ROOT_RG, "resourcegroup", "name")
        } else {
            (&scope.sub, ROOT_SUB, "subscription", "subscriptionId")
        };
        let root = matches!(v.to_sym().as_deref(), Some([Part::Atom(a)]) if a == root_atom);
        let reason = if rg {
            "the resource group is known only at deployment time"
        } else {
            "the subscription is known only at deployment time"
        };
        if root {
            return Value::atom(reason, span, format!("{fname}()"));
        }
        let rest_atom = match v.canonical() {
            Some(c) => format!("{fname}({c})"),
            None => format!("{fname}(?)"),
        };
        let rest = Unk {
            reason: reason.into(),
            span,
            sym: Some(Rc::new(vec![Part::Atom(rest_atom)])),
            fresh: None,
        };
        Value::new(
            Kind::Object(Rc::new(Obj {
                members: vec![(key.to_string(), v.clone())],
                rest: Some(Rc::new(rest)),
            })),
            span,
        )
    }

    // ---- reference() and resourceInfo() -------------------------------------------------

    fn reference(&self, name: &str, args: &[Value], env: &Env, span: Span) -> Value {
        let Some(target) = args.first() else {
            return arity(name, span);
        };
        let Some(inst) = self.find_resource(env.ctx, target) else {
            return runtime_state(name, sym_call(name, args), span);
        };
        let full = args
            .get(2)
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("full"));
        let id = inst.id_value(span);
        let mut members = vec![
            ("id".to_string(), id),
            ("name".to_string(), inst.name.clone()),
            ("type".to_string(), Value::str(inst.ty.as_str(), span)),
        ];
        let rest = after_deployment(name, &inst.local_address, sym_call(name, args), span);
        if name == "reference" {
            if inst.is_deployment() {
                members.push(("outputs".to_string(), self.outputs(&inst, span)));
            } else if let Some(props) = inst.node.get_ci("properties") {
                let props = self.eval_node(props, &inst.env);
                match (full, props.as_object()) {
                    (false, Some(o)) => members.extend(o.members.iter().cloned()),
                    _ => members.push(("properties".to_string(), props)),
                }
            }
        }
        Value::new(
            Kind::Object(Rc::new(Obj {
                members,
                rest: Some(rest),
            })),
            span,
        )
    }

    /// A resource of the deployment named by a symbolic name, a resource id or a name.
    fn find_resource(&self, ctx: CtxId, target: &Value) -> Option<Rc<Inst<'a>>> {
        let table = self.table(ctx)?;
        if let Some(s) = target.as_str() {
            if let Some(i) = table.by_symbol.get(s) {
                return table.insts.get(*i).cloned();
            }
        }
        let sym = target.to_sym()?;
        if let Some(r) = resource_id::parse(&sym) {
            let key = r.link_key().to_ascii_lowercase();
            return table
                .by_key
                .get(&key)
                .and_then(|i| table.insts.get(*i))
                .cloned();
        }
        let name = value::render_sym(&sym).to_ascii_lowercase();
        match table.by_name.get(&name).map(Vec::as_slice) {
            Some([one]) => table.insts.get(*one).cloned(),
            _ => None,
        }
    }

    /// The resource table of a deployment, built on first use (`None` while it is being
    /// built: a resource name that depends on `reference()` cannot be resolved offline).
    pub fn table(&self, ctx: CtxId) -> Option<Rc<Table<'a>>> {
        let c = self.ctx(ctx)?;
        {
            let state = c.table.borrow();
            match &*state {
                TableState::Built(t) => return Some(t.clone()),
                TableState::Building => return None,
                TableState::NotBuilt => {}
            }
        }
        *c.table.borrow_mut() = TableState::Building;
        let t = Rc::new(super::template::expand(self, ctx, &c));
        *c.table.borrow_mut() = TableState::Built(t.clone());
        Some(t)
    }

    /// `reference(<deployment>).outputs`: each output's `value`, in the nested deployment.
    fn outputs(&self, inst: &Inst<'a>, span: Span) -> Value {
        let Some(nested) = super::template::nested_ctx(self, inst) else {
            return Value::unknown("the nested deployment's template could not be read", span);
        };
        let Some(ctx) = self.ctx(nested) else {
            return Value::unknown("no deployment context", span);
        };
        let env = Env::root(nested);
        let mut members = Vec::new();
        if let Some(outputs) = ctx.template.get_ci("outputs") {
            for m in outputs.members() {
                let value = match (m.value.get_ci("value"), m.value.get_ci("copy")) {
                    (Some(v), _) => self.eval_node(v, &env),
                    (None, Some(c)) => self.expand_loop(c, &env).1,
                    (None, None) => Value::unknown("output has no value", self.span(&m.value)),
                };
                let out = Value::object(vec![("value".to_string(), value)], self.span(&m.value));
                members.push((m.key.to_string(), out));
            }
        }
        Value::object(members, span)
    }

    // ---- lazy views ---------------------------------------------------------------------

    pub fn lazy_span(&self, l: &Lazy<'a>) -> Span {
        match l {
            Lazy::Node(n) => self.span(n),
            Lazy::Val(v) => v.span,
        }
    }

    /// Member `key` (case-insensitive) of an object, expanding a property `copy` loop that
    /// produces it. `None` when absent or null.
    pub fn get(&self, l: &Lazy<'a>, key: &str, env: &Env) -> Option<Lazy<'a>> {
        let found = match l {
            Lazy::Node(n) => match n.json() {
                Json::Object(_) => match n.get_ci(key) {
                    // An expression is evaluated once here, not again for each of its members.
                    Some(m) if matches!(&m.value, Json::String(s) if expr::is_expression(s)) => {
                        Some(Lazy::Val(self.eval_node(m, env)))
                    }
                    Some(m) => Some(Lazy::Node(m)),
                    None => self.copy_member(n, key, env).map(Lazy::Val),
                },
                Json::String(s) if expr::is_expression(s) => {
                    let v = self.eval_node(n, env);
                    return self.get(&Lazy::Val(v), key, env);
                }
                _ => None,
            },
            Lazy::Val(v) => match &v.kind {
                Kind::Object(o) => match o.get(key) {
                    Some(x) => Some(Lazy::Val(x.clone())),
                    None if o.rest.is_some() => Some(Lazy::Val(member(v, key, v.span))),
                    None => None,
                },
                Kind::Unknown(_) => Some(Lazy::Val(member(v, key, v.span))),
                _ => None,
            },
        };
        match &found {
            Some(Lazy::Node(n)) if n.is_null() => None,
            Some(Lazy::Val(v)) if v.is_null() => None,
            _ => found,
        }
    }

    fn copy_member(&self, node: &'a Node, key: &str, env: &Env) -> Option<Value> {
        let loops = node.get_ci("copy").filter(|c| is_copy_loops(c))?;
        let entry = loops.items().iter().rev().find(|e| {
            e.get_ci("name")
                .and_then(Node::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(key))
        })?;
        Some(self.expand_loop(entry, env).1)
    }

    pub fn force(&self, l: &Lazy<'a>, env: &Env) -> Value {
        match l {
            Lazy::Node(n) => self.eval_node(n, env),
            Lazy::Val(v) => v.clone(),
        }
    }
}

/// Where an expression string sits: its span, and the file offset of its first byte when
/// sub-spans can be computed.
#[derive(Debug, Clone, Copy)]
struct Loc {
    span: Span,
    base: Option<usize>,
}

impl Loc {
    fn sub(self, file: FileId, start: usize, end: usize) -> Span {
        match self.base {
            Some(b) => Span::new(file, b + start, b + end),
            None => self.span,
        }
    }
}

/// An expression shortened for a message.
fn short(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

/// What `reference()` (or `resourceInfo()`) of a resource the deployment does not declare, or
/// whose id is not known, gives: the state of a deployed resource.
pub fn runtime_state(name: &str, sym: Option<value::Sym>, span: Span) -> Value {
    let cause = Unk {
        reason: format!(
            "`{}()` reads the state of a deployed resource",
            functions::pretty(name)
        )
        .into(),
        span,
        fresh: None,
        sym: None,
    };
    Value::derived(&cause, sym, span)
}

/// A property of a declared resource that its declaration does not set (`subscriptionId` of a
/// subscription alias, `provisioningState`): known only after deployment. `address` names the
/// resource as its template does (symbolic name, else `Type/name`), without the deployment
/// path, so a Bicep file and its compiled template give the same reason.
pub fn after_deployment(name: &str, address: &str, sym: Option<value::Sym>, span: Span) -> Rc<Unk> {
    Rc::new(Unk {
        reason: format!(
            "`{}()` of `{address}`: this property is known only after deployment",
            functions::pretty(name)
        )
        .into(),
        span,
        fresh: None,
        sym: sym.map(|s| Rc::new(vec![Part::Atom(render_sym_arg(&s))])),
    })
}

/// The root deployment's scope.
pub fn root_scope(span: Span) -> Scope {
    Scope {
        sub: Value::atom(
            "the subscription is known only at deployment time",
            span,
            ROOT_SUB,
        ),
        rg: Value::atom(
            "the resource group is known only at deployment time",
            span,
            ROOT_RG,
        ),
    }
}

/// An array of `{name, input}` objects: property or variable copy loops.
/// What evaluating `node` once costs, in JSON nodes, with the property and variable copy loops
/// inside it expanded by their literal counts (a count that is an expression counts once: it
/// is charged when its own loop runs). A resource copy loop charges this per instance up front,
/// so 800 NSGs × 800 rules is charged as 640,000 rules before any is built.
pub fn expanded_weight(node: &Node) -> u64 {
    match node.json() {
        Json::Array(items) => items
            .iter()
            .fold(1u64, |w, i| w.saturating_add(expanded_weight(i))),
        Json::Object(members) => members.iter().fold(1u64, |w, m| {
            let inner = if m.key.eq_ignore_ascii_case("copy") && is_copy_loops(&m.value) {
                m.value.items().iter().fold(0u64, |acc, entry| {
                    let count = entry
                        .get_ci("count")
                        .and_then(Node::as_f64)
                        .filter(|c| (0.0..=MAX_COPY as f64).contains(c))
                        .map_or(1, |c| c as u64);
                    let input = entry.get_ci("input").map_or(1, expanded_weight);
                    acc.saturating_add(count.saturating_mul(input))
                })
            } else {
                expanded_weight(&m.value)
            };
            w.saturating_add(inner)
        }),
        _ => 1,
    }
}

pub fn is_copy_loops(node: &Node) -> bool {
    let items = node.items();
    matches!(node.json(), Json::Array(_))
        && !items.is_empty()
        && items
            .iter()
            .all(|e| e.get_ci("name").is_some() && e.get_ci("input").is_some())
}

fn number(text: &str, span: Span) -> Value {
    if let Ok(n) = text.parse::<i64>() {
        return Value::int(n, span);
    }
    match text.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::int(f as i64, span),
        Ok(f) => Value::new(Kind::Float(f), span),
        Err(_) => Value::unknown(format!("invalid number `{text}`"), span),
    }
}

fn arity(name: &str, span: Span) -> Value {
    Value::unknown(
        format!("`{name}` called with the wrong number of arguments"),
        span,
    )
}

fn string_arg(args: &[Value], name: &str, span: Span) -> Result<String, Value> {
    match args {
        [v] => match &v.kind {
            Kind::Str(s) => Ok(s.to_string()),
            Kind::Unknown(u) => Err(Value::derived(u, None, span)),
            _ => Err(Value::unknown(format!("`{name}` expects a string"), span)),
        },
        _ => Err(arity(name, span)),
    }
}

/// The symbol of `name(args…)`, when every argument has a canonical form.
pub fn sym_call(name: &str, args: &[Value]) -> Option<value::Sym> {
    let args: Option<Vec<String>> = args.iter().map(Value::canonical).collect();
    let text = format!("{name}({})", args?.join(","));
    (text.len() <= value::MAX_SYMBOL_LEN).then(|| Rc::new(vec![Part::Atom(text)]))
}

/// A string from parts: known when all literal, else an Unknown with this symbol.
pub fn symbolic_string(parts: Vec<Part>, cause: Option<&Unk>, span: Span) -> Value {
    if let Some(s) = value::sym_literal(&parts) {
        return Value::str(s, span);
    }
    let reason = cause.map_or_else(
        || Rc::from("the value is known only at deployment time"),
        |u| u.reason.clone(),
    );
    let at = cause.map_or(span, |u| u.span);
    Value::derived(
        &Unk {
            reason,
            span: at,
            sym: None,
            fresh: None,
        },
        Some(Rc::new(parts)),
        span,
    )
}

/// `.name` of a value.
pub fn member(v: &Value, name: &str, span: Span) -> Value {
    match &v.kind {
        Kind::Object(o) => match o.get(name) {
            Some(x) => x.clone(),
            None => match &o.rest {
                Some(rest) => {
                    let sym = rest.sym.as_ref().map(|s| {
                        Rc::new(vec![Part::Atom(format!(
                            "{}.{}",
                            render_sym_arg(s),
                            name.to_ascii_lowercase()
                        ))])
                    });
                    Value::derived(rest, sym, span)
                }
                None => Value::unknown(format!("the object has no property `{name}`"), span),
            },
        },
        Kind::Unknown(u) => {
            let sym = u.sym.as_ref().map(|s| {
                Rc::new(vec![Part::Atom(format!(
                    "{}.{}",
                    render_sym_arg(s),
                    name.to_ascii_lowercase()
                ))])
            });
            Value::derived(u, sym, span)
        }
        _ => Value::unknown(
            format!("cannot read property `{name}` of a {}", v.type_name()),
            span,
        ),
    }
}

/// `[index]` of a value.
pub fn index_value(v: &Value, i: &Value, span: Span) -> Value {
    match (&v.kind, &i.kind) {
        (Kind::Array(items), Kind::Int(n)) => {
            match usize::try_from(*n).ok().and_then(|n| items.get(n)) {
                Some(x) => x.clone(),
                None => Value::unknown(
                    format!(
                        "index {n} is out of range (the array has {} items)",
                        items.len()
                    ),
                    span,
                ),
            }
        }
        (Kind::Object(_), Kind::Str(k)) => member(v, k, span),
        (Kind::Unknown(u), _) | (_, Kind::Unknown(u)) => {
            let sym = match (v.to_sym(), i.canonical()) {
                (Some(c), Some(idx)) => Some(Rc::new(vec![Part::Atom(format!(
                    "{}[{idx}]",
                    render_sym_arg(&c)
                ))])),
                _ => None,
            };
            Value::derived(u, sym, span)
        }
        _ => Value::unknown(
            format!("cannot index a {} with a {}", v.type_name(), i.type_name()),
            span,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    /// Evaluate `expr` (JSON string content) as variable `v` of a template with parameter `p`
    /// (default 'pv') and variable `w` ('wv'); returns the canonical text of the result, or
    /// `unknown(<reason>)`.
    fn eval(expr: &str) -> String {
        let text = format!(
            r#"{{ "parameters": {{ "p": {{ "type": "string", "defaultValue": "pv" }} }},
                 "variables": {{ "w": "wv", "v": "{expr}" }} }}"#
        );
        let mut sources = Sources::new();
        let file = sources.add("t.json", text.as_str());
        let root = crate::frontend::json::parse(&text, true).unwrap();
        let m = Machine::new(file, &text);
        let names = super::super::template::names(&m, &root, Default::default(), String::new());
        let ctx = super::super::template::add_ctx(
            &m,
            Rc::new(names),
            &root,
            String::new(),
            0,
            root_scope(Span::new(file, 0, 0)),
            true,
        );
        let node = root.get("variables").unwrap().get("v").unwrap();
        let v = m.eval_node(node, &Env::root(ctx));
        match &v.kind {
            Kind::Unknown(u) => match &u.sym {
                Some(s) => format!("unknown({})", value::render_sym(s)),
                None => format!("unknown: {}", u.reason),
            },
            _ => v.canonical().unwrap(),
        }
    }

    #[test]
    fn the_functions_of_the_issue_evaluate_like_arm() {
        let cases = [
            ("[concat('a', 'b', 1)]", "'ab1'"),
            ("[concat(createArray(1), createArray(2, 3))]", "[1,2,3]"),
            ("[format('{0}/{1}', 'x', 2)]", "'x/2'"),
            ("[string(1)]", "'1'"),
            ("[string(true)]", "'True'"),
            ("[int('42')]", "42"),
            ("[bool('true')]", "true"),
            ("[length('abc')]", "3"),
            ("[length(createArray(1, 2))]", "2"),
            ("[split('a,b', ',')]", "['a','b']"),
            ("[replace('a-b', '-', '_')]", "'a_b'"),
            ("[toLower('AB')]", "'ab'"),
            ("[toUpper('ab')]", "'AB'"),
            ("[union(createObject('a', 1), createObject('b', 2))]", "{'a':1,'b':2}"),
            ("[union(createArray(1, 2), createArray(2, 3))]", "[1,2,3]"),
            ("[createArray(1, 'x')]", "[1,'x']"),
            ("[createObject('k', 'v')]", "{'k':'v'}"),
            ("[if(equals(1, 1), 'y', 'n')]", "'y'"),
            ("[if(equals('a', 'A'), 'y', 'n')]", "'n'"),
            ("[empty('')]", "true"),
            ("[empty(createObject())]", "true"),
            ("[contains(createArray('a'), 'a')]", "true"),
            ("[contains(createObject('Key', 1), 'key')]", "true"),
            ("[contains('abc', 'bc')]", "true"),
            ("[json('{\\\"a\\\": [1, 2]}').a[1]]", "2"),
            ("[json('null')]", "null"),
            ("[first(createArray(1, 2))]", "1"),
            ("[last('abc')]", "'c'"),
            ("[range(1, 3)]", "[1,2,3]"),
            ("[createObject('a', createArray(1, 2)).a[1]]", "2"),
            ("[createObject('a', 1)['A']]", "1"),
            ("[parameters('P')]", "'pv'"),
            ("[variables('w')]", "'wv'"),
            ("[[not an expression]", "'[not an expression]'"),
            ("[coalesce(null(), 'x')]", "'x'"),
            ("[tryGet(createObject('a', 1), 'b')]", "null"),
            ("[cidrSubnet('10.1.0.0/16', 24, 1)]", "'10.1.1.0/24'"),
            (
                "[resourceId('Microsoft.Network/networkSecurityGroups', 'n')]",
                "unknown(/subscriptions/{subscription().subscriptionid}/resourceGroups/{resourcegroup().name}/providers/Microsoft.Network/networkSecurityGroups/n)",
            ),
            (
                "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r')]",
                "unknown(/subscriptions/{subscription().subscriptionid}/providers/Microsoft.Authorization/roleDefinitions/r)",
            ),
            (
                "[resourceId('s1', 'rg1', 'Microsoft.Network/virtualNetworks/subnets', 'v', 's')]",
                "'/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v/subnets/s'",
            ),
            ("[resourceGroup().location]", "unknown({resourcegroup().location})"),
            ("[uniqueString(resourceGroup().id)]", "unknown({uniquestring(resourcegroup().id)})"),
            ("[copyIndex()]", "unknown: `copyIndex()` used outside a copy loop"),
            ("[utcNow()]", "unknown: `utcNow()` changes with every deployment"),
        ];
        let mut failures = Vec::new();
        for (expr, want) in cases {
            let got = eval(expr);
            if got != want {
                failures.push(format!("{expr}: got {got}, want {want}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

//! Template structure: parameters, variables and user functions of a (nested) template, and its
//! resources expanded into instances — both layouts (a `resources` array, or the
//! `languageVersion` 2.0 object keyed by symbolic name), resource `copy` loops, child resources
//! nested in a parent's `resources`, and nested `Microsoft.Resources/deployments` with inline
//! templates (`inner` or `outer` expression scope).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::eval::{
    Ctx, CtxId, Env, Func, Lazy, Machine, Names, Param, Scope, TableState, VarDef, MAX_NESTING,
};
use super::resource_id::{self, ResourceRef};
use super::value::{self, render_sym, Kind, Part, Value};
use crate::frontend::json::{Json, Node};
use crate::model::{Problem, ProblemKind, Severity};
use crate::source::Span;

/// One resource instance (one iteration of a copy loop).
pub struct Inst<'a> {
    pub node: &'a Node,
    /// The instance's environment: its deployment and copy indexes.
    pub env: Env,
    /// Full type, e.g. `Microsoft.Network/networkSecurityGroups/securityRules`.
    pub ty: String,
    /// Full name (`nsg/rule` for a child), possibly symbolic.
    pub name: Value,
    pub id: Option<ResourceRef>,
    /// Symbolic name (languageVersion 2.0), with `[i]` for a loop instance.
    pub symbol: Option<String>,
    /// The evaluated `condition` (of this resource or a parent), when there is one.
    pub condition: Option<Value>,
    pub existing: bool,
    /// Human address: the symbolic name or `Type/name`, prefixed by the deployment path.
    pub address: String,
    /// The address within its own template: the symbolic name or `Type/name`.
    pub local_address: String,
    nested: RefCell<Nested>,
}

enum Nested {
    NotBuilt,
    Building,
    Built(Option<CtxId>),
}

impl Inst<'_> {
    pub fn is_deployment(&self) -> bool {
        self.ty
            .eq_ignore_ascii_case("Microsoft.Resources/deployments")
    }

    /// The resource's id as a value (symbolic when the name or scope is unknown).
    pub fn id_value(&self, span: Span) -> Value {
        let Some(id) = &self.id else {
            return Value::unknown(
                format!("the id of `{}` could not be computed", self.address),
                span,
            );
        };
        let parts = resource_id::build(id.sub.clone(), id.rg.clone(), &id.ty, id.names.clone());
        match parts {
            Some(p) => super::eval::symbolic_string(p, self.name.as_unknown().map(|u| &**u), span),
            None => Value::unknown("invalid resource id", span),
        }
    }

    /// The keys this resource is known by.
    pub fn keys(&self, path: &str) -> Vec<String> {
        let mut keys = self.id.as_ref().map(ResourceRef::keys).unwrap_or_default();
        if let Some(sym) = &self.symbol {
            keys.push(if path.is_empty() {
                format!("arm-sym:{sym}")
            } else {
                format!("arm-sym:{path}/{sym}")
            });
        }
        keys
    }
}

/// The resources of one deployment, with indexes for `reference()` and `resourceInfo()`.
pub struct Table<'a> {
    pub insts: Vec<Rc<Inst<'a>>>,
    pub by_symbol: HashMap<String, usize>,
    pub by_key: HashMap<String, usize>,
    pub by_name: HashMap<String, Vec<usize>>,
}

/// Display text of a possibly symbolic string.
pub fn display(v: &Value) -> String {
    match &v.kind {
        Kind::Str(s) => s.to_string(),
        _ => match v.to_sym() {
            Some(sym) => render_sym(&sym),
            None => "<unknown>".to_string(),
        },
    }
}

/// `Namespace/type/name[/childType/childName]`, the way Azure ids spell a resource.
fn address_of(ty: &str, name: &Value) -> String {
    let types: Vec<&str> = ty.split('/').collect();
    let names: Vec<String> = name
        .to_sym()
        .map(|s| {
            value::split_sym(&s, '/')
                .iter()
                .map(|n| render_sym(n))
                .collect()
        })
        .unwrap_or_default();
    match types.split_first() {
        Some((ns, rest)) if !rest.is_empty() && rest.len() == names.len() => {
            let mut out = ns.to_string();
            for (t, n) in rest.iter().zip(&names) {
                out.push('/');
                out.push_str(t);
                out.push('/');
                out.push_str(n);
            }
            out
        }
        _ => format!("{ty}/{}", display(name)),
    }
}

/// Build the names (parameters, variables, functions) of a template. `supplied` holds values
/// from a parameters file or the parent deployment, by lower-cased name.
pub fn names<'a>(
    m: &Machine<'a>,
    template: &'a Node,
    supplied: HashMap<String, (String, Value, Span)>,
    prefix: String,
) -> Names<'a> {
    let mut names = Names::new(prefix);
    let mut supplied = supplied;
    if let Some(params) = template.get_ci("parameters") {
        for p in params.members() {
            let key = p.key.to_ascii_lowercase();
            let decl_span = Span::new(m.file, p.key_start as usize, p.key_end as usize);
            names.params.insert(
                key.clone(),
                Param {
                    name: p.key.to_string(),
                    decl: &p.value,
                    decl_span,
                    supplied: supplied.remove(&key).map(|(_, v, _)| v),
                    nullable: nullable(template, &p.value, 0),
                },
            );
        }
    }
    let mut extra: Vec<_> = supplied.into_values().collect();
    extra.sort_by_key(|(_, _, span)| *span);
    for (name, _, span) in extra {
        m.problem(Problem::new(
            ProblemKind::Note,
            Severity::Warning,
            format!("parameter `{name}` is given a value but the template does not declare it; Azure rejects the deployment"),
            span,
        ));
    }
    if let Some(vars) = template.get_ci("variables") {
        for v in vars.members() {
            if v.key.eq_ignore_ascii_case("copy") && super::eval::is_copy_loops(&v.value) {
                for entry in v.value.items() {
                    if let Some(name) = entry.get_ci("name").and_then(Node::as_str) {
                        names
                            .vars
                            .insert(name.to_ascii_lowercase(), VarDef::Copy(entry));
                    }
                }
            } else {
                names
                    .vars
                    .insert(v.key.to_ascii_lowercase(), VarDef::Node(&v.value));
            }
        }
    }
    if let Some(funcs) = template.get_ci("functions") {
        for ns in funcs.items() {
            let Some(namespace) = ns.get_ci("namespace").and_then(Node::as_str) else {
                continue;
            };
            let Some(members) = ns.get_ci("members") else {
                continue;
            };
            for f in members.members() {
                let params = f
                    .value
                    .get_ci("parameters")
                    .map(|ps| {
                        ps.items()
                            .iter()
                            .filter_map(|p| p.get_ci("name").and_then(Node::as_str))
                            .map(str::to_ascii_lowercase)
                            .collect()
                    })
                    .unwrap_or_default();
                let output = f.value.get_ci("output").and_then(|o| o.get_ci("value"));
                names.funcs.insert(
                    format!("{namespace}.{}", f.key).to_ascii_lowercase(),
                    Func {
                        params,
                        output,
                        span: m.span(&f.value),
                    },
                );
            }
        }
    }
    names
}

/// Whether a parameter or type declaration is nullable, following `$ref`s into
/// `definitions` (languageVersion 2.0 user-defined types).
fn nullable(template: &Node, decl: &Node, depth: usize) -> bool {
    if decl.get_ci("nullable").and_then(Node::as_bool) == Some(true) {
        return true;
    }
    let target = decl
        .get_ci("$ref")
        .and_then(Node::as_str)
        .and_then(|r| r.strip_prefix("#/definitions/"))
        .and_then(|name| template.get_ci("definitions")?.get(name));
    match target {
        Some(def) if depth < 16 => nullable(template, def, depth + 1),
        _ => false,
    }
}

/// Create a deployment context and point its names' home at it.
pub fn add_ctx<'a>(
    m: &Machine<'a>,
    names: Rc<Names<'a>>,
    template: &'a Node,
    path: String,
    depth: usize,
    scope: Scope,
    own_names: bool,
) -> CtxId {
    let id = m.add_ctx(Ctx {
        names: names.clone(),
        path,
        depth,
        scope,
        template,
        table: RefCell::new(TableState::NotBuilt),
    });
    if own_names {
        names.home.set(id);
    }
    id
}

/// Expand the resources of a deployment.
pub fn expand<'a>(m: &Machine<'a>, ctx_id: CtxId, ctx: &Ctx<'a>) -> Table<'a> {
    let mut out = Vec::new();
    let env = Env::root(ctx_id);
    match ctx.template.get_ci("resources").map(|r| (r.json(), r)) {
        None => {}
        Some((Json::Array(items), _)) => {
            for item in items {
                expand_decl(m, ctx, item, None, None, &env, &mut out);
            }
        }
        Some((Json::Object(members), _)) => {
            for mem in members {
                expand_decl(m, ctx, &mem.value, Some(&mem.key), None, &env, &mut out);
            }
        }
        Some((_, node)) => m.problem(Problem::invalid(
            "`resources` must be an array or (languageVersion 2.0) an object",
            m.span(node),
        )),
    }
    let mut table = Table {
        insts: Vec::new(),
        by_symbol: HashMap::new(),
        by_key: HashMap::new(),
        by_name: HashMap::new(),
    };
    for (i, inst) in out.into_iter().enumerate() {
        if let Some(s) = &inst.symbol {
            table.by_symbol.insert(s.clone(), i);
        }
        if let Some(id) = &inst.id {
            let key = id.link_key().to_ascii_lowercase();
            if let Some(first) = table.by_key.get(&key).and_then(|j| table.insts.get(*j)) {
                let plain = |x: &Inst<'_>| x.condition.is_none() && !x.existing;
                if plain(first) && plain(&inst) {
                    m.problem(
                        Problem::invalid(
                            format!(
                                "`{}` is declared twice in this template; Azure rejects the template",
                                inst.address
                            ),
                            m.span(inst.node),
                        )
                        .with_related(m.span(first.node), "first declaration"),
                    );
                }
            }
            table.by_key.insert(key, i);
        }
        table
            .by_name
            .entry(display(&inst.name).to_ascii_lowercase())
            .or_default()
            .push(i);
        table.insts.push(Rc::new(inst));
    }
    table
}

fn expand_decl<'a>(
    m: &Machine<'a>,
    ctx: &Ctx<'a>,
    node: &'a Node,
    symbol: Option<&str>,
    parent: Option<&Inst<'a>>,
    env: &Env,
    out: &mut Vec<Inst<'a>>,
) {
    if !matches!(node.json(), Json::Object(_)) {
        m.problem(Problem::invalid(
            "a resource must be an object",
            m.span(node),
        ));
        return;
    }
    let copy = node
        .get_ci("copy")
        .filter(|c| matches!(c.json(), Json::Object(_)));
    let Some(copy) = copy else {
        let inst = make_inst(
            m,
            ctx,
            node,
            symbol.map(str::to_string),
            parent,
            env.clone(),
        );
        expand_children(m, ctx, node, &inst, out);
        out.push(inst);
        return;
    };
    let span = m.span(copy);
    let loop_name = copy
        .get_ci("name")
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_string();
    let count = match copy.get_ci("count") {
        Some(c) => m.eval_node(c, env),
        None => Value::unknown("resource copy loop has no `count`", span),
    };
    // Every instance evaluates the resource again: charge its size per instance up front. Past
    // the budget one representative copy stands for them all, its index unknown (NSG030).
    let counted = m.copy_count(&count, span).and_then(|n| {
        let units = (n as u64).saturating_mul(super::eval::expanded_weight(node));
        if m.charge_at(units, span, || {
            format!("the copy loop `{loop_name}` ({n} instances)")
        }) {
            Ok(n)
        } else {
            Err(m.exhausted_value(span))
        }
    });
    let indexes: Vec<Value> = match counted {
        Ok(n) => (0..n).map(|i| Value::int(i, span)).collect(),
        Err(u) => {
            let reason = u
                .as_unknown()
                .map_or_else(String::new, |x| x.reason.to_string());
            m.problem(Problem::new(
                ProblemKind::Unresolved,
                Severity::Warning,
                format!("the number of copies of this resource is unknown ({reason}); one representative copy is evaluated, with an unknown index"),
                span,
            ));
            let atom = format!(
                "copyindex('{}')",
                loop_name.to_ascii_lowercase().replace('\'', "''")
            );
            vec![match u.as_unknown() {
                Some(x) => Value::derived(x, Some(Rc::new(vec![Part::Atom(atom)])), span),
                None => Value::atom("unknown copy index", span, atom),
            }]
        }
    };
    for index in indexes {
        let sym = symbol.map(|s| match index.as_int() {
            Some(i) => format!("{s}[{i}]"),
            None => format!("{s}[*]"),
        });
        let env_i = env.with_copy(&loop_name, index, true);
        let inst = make_inst(m, ctx, node, sym, parent, env_i);
        expand_children(m, ctx, node, &inst, out);
        out.push(inst);
    }
}

fn expand_children<'a>(
    m: &Machine<'a>,
    ctx: &Ctx<'a>,
    node: &'a Node,
    parent: &Inst<'a>,
    out: &mut Vec<Inst<'a>>,
) {
    if let Some(children) = node.get_ci("resources") {
        for child in children.items() {
            expand_decl(m, ctx, child, None, Some(parent), &parent.env, out);
        }
    }
}

fn make_inst<'a>(
    m: &Machine<'a>,
    ctx: &Ctx<'a>,
    node: &'a Node,
    symbol: Option<String>,
    parent: Option<&Inst<'a>>,
    env: Env,
) -> Inst<'a> {
    let span = m.span(node);
    let own_ty = match node.get_ci("type") {
        Some(t) => display(&m.eval_node(t, &env)),
        None => {
            m.problem(Problem::invalid("resource has no `type`", span));
            String::new()
        }
    };
    let name = match node.get_ci("name") {
        Some(n) => m.eval_node(n, &env),
        None => Value::unknown("resource has no `name`", span),
    };
    // A child declared inside its parent has a relative type and name.
    let (ty, name) = match parent {
        Some(p) if !own_ty.contains('/') => {
            let full_name = match (p.name.to_sym(), name.to_sym()) {
                (Some(mut parts), Some(own)) => {
                    value::push_parts(&mut parts, vec![Part::Lit("/".into())]);
                    value::push_parts(&mut parts, own);
                    let cause = name.as_unknown().or(p.name.as_unknown()).cloned();
                    super::eval::symbolic_string(parts, cause.as_deref(), name.span)
                }
                _ => match name.as_unknown().or(p.name.as_unknown()) {
                    Some(u) => Value::derived(u, None, name.span),
                    None => Value::unknown("the resource name is not a string", name.span),
                },
            };
            (format!("{}/{own_ty}", p.ty), full_name)
        }
        _ => (own_ty, name),
    };
    let existing = node.get_ci("existing").and_then(Node::as_bool) == Some(true);
    let parent_false = parent
        .and_then(|p| p.condition.as_ref())
        .filter(|c| matches!(c.kind, Kind::Bool(false)))
        .cloned();
    let condition = match (parent_false, node.get_ci("condition")) {
        (Some(f), _) => Some(f),
        (None, Some(c)) => Some(m.eval_node(c, &env)),
        (None, None) => parent.and_then(|p| p.condition.clone()),
    };
    // An `existing` resource or a deployment may name another scope.
    let scope_part = |key: &str, default: &Value| match node.get_ci(key) {
        Some(n) => m.eval_node(n, &env).to_sym(),
        None => default.to_sym(),
    };
    let sub = scope_part("subscriptionId", &ctx.scope.sub);
    let rg = scope_part("resourceGroup", &ctx.scope.rg);
    let id = name.to_sym().and_then(|sym| {
        let names = value::split_sym(&sym, '/');
        let parts = resource_id::build(sub, rg, &ty, names)?;
        resource_id::parse(&parts)
    });
    let local = match &symbol {
        Some(s) => s.clone(),
        None => address_of(&ty, &name),
    };
    let address = if ctx.path.is_empty() {
        local.clone()
    } else {
        format!("{}::{local}", ctx.path)
    };
    Inst {
        node,
        env,
        ty,
        name,
        id,
        symbol,
        condition,
        existing,
        address,
        local_address: local,
        nested: RefCell::new(Nested::NotBuilt),
    }
}

/// The context of a nested deployment's inline template, created on first use. `None` when
/// the deployment links to a template file (not read) or nesting is too deep.
pub fn nested_ctx<'a>(m: &Machine<'a>, inst: &Inst<'a>) -> Option<CtxId> {
    match &*inst.nested.borrow() {
        Nested::Built(c) => return *c,
        Nested::Building => return None,
        Nested::NotBuilt => {}
    }
    *inst.nested.borrow_mut() = Nested::Building;
    let c = build_nested(m, inst);
    *inst.nested.borrow_mut() = Nested::Built(c);
    c
}

fn build_nested<'a>(m: &Machine<'a>, inst: &Inst<'a>) -> Option<CtxId> {
    let parent = m.ctx(inst.env.ctx)?;
    let span = m.span(inst.node);
    let props = Lazy::Node(inst.node.get_ci("properties")?);
    let env = &inst.env;
    let template = match m.get(&props, "template", env) {
        Some(Lazy::Node(t)) if matches!(t.json(), Json::Object(_)) => t,
        Some(other) => {
            m.problem(Problem::new(
                ProblemKind::Note,
                Severity::Warning,
                "the nested deployment's template is computed by an expression; its resources are not evaluated",
                m.lazy_span(&other),
            ));
            return None;
        }
        None => {
            let link = m.get(&props, "templateLink", env);
            m.problem(Problem::new(
                ProblemKind::Note,
                Severity::Note,
                "the nested deployment links to a template file, which nsgate does not read; its resources are not evaluated",
                link.map_or(span, |l| m.lazy_span(&l)),
            ));
            return None;
        }
    };
    if parent.depth + 1 > MAX_NESTING {
        m.problem(Problem::new(
            ProblemKind::Note,
            Severity::Warning,
            format!("nested deployments deeper than {MAX_NESTING} levels are not evaluated"),
            span,
        ));
        return None;
    }
    let name_text = display(&inst.name);
    let path = if parent.path.is_empty() {
        name_text
    } else {
        format!("{}/{name_text}", parent.path)
    };
    let mut scope = parent.scope.clone();
    if let Some(sub) = inst.node.get_ci("subscriptionId") {
        scope.sub = m.eval_node(sub, env);
    }
    if let Some(rg) = inst.node.get_ci("resourceGroup") {
        scope.rg = m.eval_node(rg, env);
    }
    let inner = m
        .get(&props, "expressionEvaluationOptions", env)
        .and_then(|o| m.get(&o, "scope", env))
        .map(|s| m.force(&s, env))
        .and_then(|v| v.as_str().map(|s| s.eq_ignore_ascii_case("inner")))
        .unwrap_or(false);
    let depth = parent.depth + 1;
    if !inner {
        if let Some(p) = m.get(&props, "parameters", env) {
            m.problem(Problem::new(
                ProblemKind::Note,
                Severity::Warning,
                "parameters passed to a nested template with `outer` expression scope are ignored: its expressions use the parent's parameters",
                m.lazy_span(&p),
            ));
        }
        return Some(add_ctx(
            m,
            parent.names.clone(),
            template,
            path,
            depth,
            scope,
            false,
        ));
    }
    let mut supplied = HashMap::new();
    if let Some(params) = m.get(&props, "parameters", env) {
        match &params {
            Lazy::Node(n) if matches!(n.json(), Json::Object(_)) => {
                for p in n.members() {
                    let key_span = Span::new(m.file, p.key_start as usize, p.key_end as usize);
                    let v = passed_value(m, &Lazy::Node(&p.value), &p.key, env, key_span);
                    supplied.insert(p.key.to_ascii_lowercase(), (p.key.to_string(), v, key_span));
                }
            }
            other => {
                let v = m.force(other, env);
                match &v.kind {
                    Kind::Object(o) => {
                        for (k, pv) in &o.members {
                            let pv = passed_value(m, &Lazy::Val(pv.clone()), k, env, pv.span);
                            supplied.insert(k.to_ascii_lowercase(), (k.clone(), pv, v.span));
                        }
                    }
                    _ => m.problem(Problem::new(
                        ProblemKind::Unresolved,
                        Severity::Warning,
                        "the parameters passed to the nested deployment could not be evaluated; the ones without a default are unknown",
                        v.span,
                    )),
                }
            }
        }
    }
    let names = Rc::new(names(m, template, supplied, format!("{path}:")));
    Some(add_ctx(m, names, template, path, depth, scope, true))
}

/// A `{ "value": … }` or `{ "reference": … }` parameter passed to a nested deployment.
fn passed_value<'a>(m: &Machine<'a>, p: &Lazy<'a>, name: &str, env: &Env, span: Span) -> Value {
    // `"value": null` (what Bicep passes for an absent optional value) is a value. Bicep also
    // passes a whole parameter as one expression (`[if(c, createObject('value', x), …)]`) and
    // a looped value as a property `copy` loop named `value`.
    let value = match p {
        Lazy::Node(n) if matches!(n.json(), Json::Object(_)) => match n.get_ci("value") {
            Some(v) => Some(m.eval_node(v, env)),
            None => m.get(p, "value", env).map(|l| m.force(&l, env)),
        },
        Lazy::Node(n) => {
            let v = m.eval_node(n, env);
            return passed_value(m, &Lazy::Val(v), name, env, span);
        }
        Lazy::Val(v) => match &v.kind {
            Kind::Object(o) if o.get("value").is_none() && o.rest.is_none() => None,
            Kind::Object(_) | Kind::Unknown(_) => Some(super::eval::member(v, "value", v.span)),
            _ => None,
        },
    };
    if let Some(v) = value {
        return v;
    }
    if m.get(p, "reference", env).is_some() {
        return Value::unknown(
            format!("parameter `{name}` is read from a Key Vault secret at deployment time"),
            span,
        );
    }
    Value::unknown(
        format!("parameter `{name}` is passed without a `value`"),
        span,
    )
}

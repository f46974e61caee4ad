//! The expression evaluator: operators, traversals, templates, `for` expressions, function
//! calls and the scopes they run in.
//!
//! Evaluation is lazy and memoised per module instance (see [`super::context`]): a reference
//! to a local, a resource or a module output is evaluated when first needed. Anything that
//! cannot be known offline is an Unknown with the reason and span where it arose; it flows
//! through every operation unchanged (see [`super::value`]).

use std::collections::BTreeMap;
use std::rc::Rc;

use hcl_edit::expr::{BinaryOperator, UnaryOperator};

use super::ast::{Expr, ExprKind, ForExpr, ObjKey, Part, TOp};
use super::context::Evaluator;
use super::funcs;
use super::value::{Value, V};
use crate::source::Span;

/// Deepest nesting of evaluation (expressions within references within expressions…).
pub const MAX_EVAL_DEPTH: usize = 160;
/// Units of work one load may do: one per expression evaluated, one per value node a function
/// walks (shared parts counted as often as they are reached), one per comparison of a set
/// function. The largest real configurations nsgate has seen spend well under 1% of it;
/// hostile input (nested `for` over large ranges, doubling chains of shared lists) stops here
/// in a few seconds with Unknowns and one error-level NSG030.
pub const BUDGET: u64 = 10_000_000;
/// Longest string and list a value may hold (doubling chains of locals stop here).
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// The values of a tuple of literals taken out by the parser (`tuple` is its text at `span`).
pub fn literal_values(tuple: &str, span: Span) -> Value {
    use super::parse::literal_tuples::{read_back, Lit};
    let Some(items) = read_back(tuple, span.start as usize) else {
        return Value::error("nsgate could not read this list back from its source", span);
    };
    let items = items
        .into_iter()
        .map(|(lit, r)| {
            let at = Span::new(span.file, r.start, r.end);
            match lit {
                Lit::Null => Value::null(at),
                Lit::Bool(b) => Value::bool(b, at),
                Lit::Num(n) => Value::num(n, at),
                Lit::Str(s) => Value::str(s, at),
            }
        })
        .collect();
    Value::list(items, span)
}

/// Source text shortened for a message.
fn short(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

/// Where an expression is evaluated: a module instance plus `count`/`each` and the names bound
/// by `for` expressions and `dynamic` block iterators.
#[derive(Debug, Clone)]
pub struct Scope {
    pub inst: usize,
    pub count: Option<Value>,
    pub each: Option<(Value, Value)>,
    pub names: Rc<Vec<(String, Value)>>,
}

impl Scope {
    pub fn root(inst: usize) -> Scope {
        Scope {
            inst,
            count: None,
            each: None,
            names: Rc::new(Vec::new()),
        }
    }

    /// This scope with one more name bound (it shadows earlier ones).
    pub fn bind(&self, name: &str, value: Value) -> Scope {
        let mut names = self.names.as_ref().clone();
        names.push((name.to_string(), value));
        Scope {
            names: Rc::new(names),
            ..self.clone()
        }
    }

    pub fn lookup(&self, name: &str) -> Option<&Value> {
        self.names
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

impl Evaluator<'_> {
    pub fn eval(&mut self, e: &Expr, scope: &Scope) -> Value {
        if self.depth >= MAX_EVAL_DEPTH {
            return Value::unknown(
                "the expression is nested too deeply for nsgate to evaluate",
                e.span,
            );
        }
        if !self.budget.charge(1, e.span, || "this expression".into()) {
            return Value::unknown(self.budget.reason(), e.span);
        }
        self.depth += 1;
        let mut v = self.eval_inner(e, scope);
        self.depth -= 1;
        if derives(&e.kind) {
            v = self.derived(v);
        }
        // A reference produces its whole value, even when it is shared: charge its size.
        if matches!(e.kind, ExprKind::Var(_) | ExprKind::Traversal(..)) {
            if let Err(u) = self.charge_walk(std::slice::from_ref(&v), e.span, || {
                format!("`{}`", short(self.sources.slice(e.span)))
            }) {
                return u;
            }
        }
        let too_long = match &v.v {
            V::Str(s) => s.len() > MAX_VALUE_LEN,
            V::List(items) => items.len() > MAX_VALUE_LEN,
            _ => false,
        };
        if too_long {
            return Value::unknown("the value is too large for nsgate to evaluate", e.span);
        }
        v
    }

    /// An unknown computed from other values is a value of its own, not its operand (see
    /// [`super::value::Unk::origin`]): each evaluation that derives one gets a new origin.
    /// Sound, though two evaluations of one expression with equal inputs are then two values.
    pub fn derived(&mut self, v: Value) -> Value {
        if !v.is_unknown() {
            return v;
        }
        self.derivations += 1;
        let origin = format!("{}#{}", self.root_origin(), self.derivations);
        v.with_origin(Rc::from(origin))
    }

    /// `tf:<root directory>`: origins of one root never meet another root's.
    pub fn root_origin(&self) -> String {
        format!("tf:{}", self.config(0).dir)
    }

    /// An unknown value traversed further (`var.cfg.cidr`, `var.list[0]`): a part of the
    /// input it comes from, named by the steps; a step the name cannot follow (an unknown
    /// key, a splat) makes a derived value.
    fn part_of(&mut self, value: Value, ops: &[TOp], scope: &Scope) -> Value {
        let Some(origin) = value.origin().cloned() else {
            return value;
        };
        if ops.is_empty() {
            return value;
        }
        let mut name = origin.to_string();
        for op in ops {
            match op {
                // `.a` and `["a"]` are one step.
                TOp::Attr(attr, _) => name.push_str(&format!("[{attr:?}]")),
                TOp::Index(e) => match self.eval(e, scope).to_text("an index") {
                    Ok(key) => name.push_str(&format!("[{key:?}]")),
                    Err(_) => return self.derived(value),
                },
                TOp::AttrSplat(_) | TOp::FullSplat(_) => return self.derived(value),
            }
        }
        value.with_origin(Rc::from(name))
    }

    fn eval_inner(&mut self, e: &Expr, scope: &Scope) -> Value {
        let span = e.span;
        match &e.kind {
            ExprKind::Null => Value::null(span),
            ExprKind::Bool(b) => Value::bool(*b, span),
            ExprKind::Num(n) => Value::num(*n, span),
            ExprKind::Str(s) => Value::str(s.clone(), span),
            ExprKind::Template(parts) => self.template(parts, scope, span),
            ExprKind::Array(items) => {
                let items = items.iter().map(|x| self.eval(x, scope)).collect();
                Value::list(items, span)
            }
            ExprKind::Literals(count) => self.literals(*count, span),
            ExprKind::Object(members) => self.object(members, scope, span),
            ExprKind::Var(name) => self.traversal_root(name, &[], scope, span).0,
            ExprKind::Traversal(base, ops) => self.traversal(base, ops, scope, span),
            ExprKind::Call { name, args, expand } => self.call(name, args, *expand, scope, span),
            ExprKind::Cond(c, t, f) => {
                let cond = self.eval(c, scope);
                match cond.to_bool("the condition") {
                    Ok(true) => self.eval(t, scope),
                    Ok(false) => self.eval(f, scope),
                    Err(u) => self.derived(u),
                }
            }
            ExprKind::Unary(op, x) => {
                let v = self.eval(x, scope);
                match op {
                    UnaryOperator::Not => match v.to_bool("the operand of `!`") {
                        Ok(b) => Value::bool(!b, span),
                        Err(u) => u,
                    },
                    UnaryOperator::Neg => match v.to_num("the operand of `-`") {
                        Ok(n) => Value::num(-n, span),
                        Err(u) => u,
                    },
                }
            }
            ExprKind::Binary(op, l, r) => {
                let l = self.eval(l, scope);
                let r = self.eval(r, scope);
                if matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq) {
                    // Equality walks both sides.
                    if let Err(u) =
                        self.charge_walk(&[l.clone(), r.clone()], span, || "`==`".into())
                    {
                        return u;
                    }
                }
                binary(*op, &l, &r, span)
            }
            ExprKind::For(f) => self.for_expr(f, scope, span),
        }
    }

    /// A tuple of literals parsing left in the source: every element is charged, then read
    /// from the text with its span, so a huge one ends at the budget, not in memory.
    fn literals(&mut self, count: u32, span: Span) -> Value {
        if count as usize > MAX_VALUE_LEN {
            return Value::unknown("the value is too large for nsgate to evaluate", span);
        }
        if let Err(u) = self.charge(u64::from(count), span, || "this list".into()) {
            return u;
        }
        if let Some(items) = self
            .literal_tuples
            .get(&span)
            .and_then(std::rc::Weak::upgrade)
        {
            return Value::new(V::List(items), span);
        }
        let value = literal_values(self.sources.slice(span), span);
        if let V::List(items) = &value.v {
            self.literal_tuples.insert(span, Rc::downgrade(items));
        }
        value
    }

    fn object(&mut self, members: &[(ObjKey, Expr)], scope: &Scope, span: Span) -> Value {
        let mut map = BTreeMap::new();
        for (key, value) in members {
            let key = match key {
                ObjKey::Ident(name, _) => name.clone(),
                ObjKey::Expr(x) => match self.eval(x, scope).to_text("an object key") {
                    Ok(k) => k,
                    Err(u) => return u,
                },
            };
            let value = self.eval(value, scope);
            map.insert(key, value);
        }
        Value::map(map, span)
    }

    pub fn template(&mut self, parts: &[Part], scope: &Scope, span: Span) -> Value {
        // `"${x}"` is `x` itself, with its type and provenance (Terraform does the same).
        if let [Part::Interp(e)] = parts {
            return self.eval(e, scope);
        }
        if let [Part::Interp(e), Part::Lit(rest)] = parts {
            if let Some(subnet) = self.subnet_of_vnet_id(e, rest, scope, span) {
                return subnet;
            }
        }
        let mut out = String::new();
        if let Err(u) = self.template_into(parts, scope, &mut out) {
            return u;
        }
        Value::str(out, span)
    }

    /// `"${azurerm_virtual_network.x.id}/subnets/NAME"`: the id of the VNet's subnet NAME,
    /// written from the VNet's id (known only after apply) rather than from the subnet's. The
    /// value is what the parts make; it is also recorded as naming that subnet, so the link
    /// resolves to the inline or separate subnet (`keys::subnet_of_vnet_key`).
    fn subnet_of_vnet_id(
        &mut self,
        vnet: &Expr,
        rest: &str,
        scope: &Scope,
        span: Span,
    ) -> Option<Value> {
        let name = rest
            .strip_prefix("/subnets/")
            .filter(|n| !n.is_empty() && !n.contains('/'))?;
        let id = self.eval(vnet, scope);
        let key = id
            .of
            .as_deref()
            .filter(|k| k.contains("azurerm_virtual_network.") && !k.contains(".subnet["))
            .and_then(|k| super::keys::subnet_of_vnet_key(k, name))?;
        let mut value = match &id.v {
            V::Str(s) => Value::str(format!("{s}{rest}"), span),
            V::Unknown(_) => Value { span, ..id.clone() },
            _ => return None,
        };
        value.of = Some(key.into());
        Some(value)
    }

    fn template_into(
        &mut self,
        parts: &[Part],
        scope: &Scope,
        out: &mut String,
    ) -> Result<(), Value> {
        for part in parts {
            if out.len() > MAX_VALUE_LEN {
                return Err(Value::unknown(
                    "the value is too large for nsgate to evaluate",
                    scope_span(parts),
                ));
            }
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Interp(e) => {
                    out.push_str(&self.eval(e, scope).to_text("an interpolated value")?)
                }
                Part::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    if self.eval(cond, scope).to_bool("a template condition")? {
                        self.template_into(then, scope, out)?;
                    } else {
                        self.template_into(otherwise, scope, out)?;
                    }
                }
                Part::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                } => {
                    let coll = self.eval(collection, scope);
                    for (k, v) in iterate(&coll)? {
                        let mut s = scope.bind(value_var, v);
                        if let Some(kv) = key_var {
                            s = s.bind(kv, k);
                        }
                        self.template_into(body, &s, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn for_expr(&mut self, f: &ForExpr, scope: &Scope, span: Span) -> Value {
        let coll = self.eval(&f.collection, scope);
        let pairs = match iterate(&coll) {
            Ok(p) => p,
            Err(u) => return u,
        };
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in pairs {
            let mut s = scope.bind(&f.value_var, v);
            if let Some(kv) = &f.key_var {
                s = s.bind(kv, k);
            }
            if let Some(cond) = &f.cond {
                match self.eval(cond, &s).to_bool("the `if` of a for expression") {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(u) => return u,
                }
            }
            let value = self.eval(&f.value, &s);
            match &f.key {
                None => list.push(value),
                Some(key_expr) => {
                    let key = match self.eval(key_expr, &s).to_text("a for expression key") {
                        Ok(k) => k,
                        Err(u) => return u,
                    };
                    if f.grouping {
                        groups.entry(key).or_default().push(value);
                    } else {
                        match map.entry(key) {
                            std::collections::btree_map::Entry::Occupied(e) => {
                                return Value::error(
                                    format!("duplicate key `{}` in a for expression (use `...` to group)", e.key()),
                                    span,
                                );
                            }
                            std::collections::btree_map::Entry::Vacant(e) => {
                                e.insert(value);
                            }
                        }
                    }
                }
            }
        }
        match (&f.key, f.grouping) {
            (None, _) => Value::list(list, span),
            (Some(_), false) => Value::map(map, span),
            (Some(_), true) => Value::map(
                groups
                    .into_iter()
                    .map(|(k, items)| (k, Value::list(items, span)))
                    .collect(),
                span,
            ),
        }
    }

    fn call(
        &mut self,
        name: &str,
        args: &[Expr],
        expand: bool,
        scope: &Scope,
        span: Span,
    ) -> Value {
        match name {
            "try" => {
                let mut last = None;
                for arg in args {
                    let v = self.eval(arg, scope);
                    if !v.contains_error() {
                        return v;
                    }
                    last = Some(v);
                }
                return match last {
                    Some(v) => v,
                    None => Value::error("try() needs at least one argument", span),
                };
            }
            "can" => {
                let Some(arg) = args.first() else {
                    return Value::error("can() needs one argument", span);
                };
                let v = self.eval(arg, scope);
                if v.contains_error() {
                    return Value::bool(false, span);
                }
                if v.is_unknown() {
                    return v;
                }
                return Value::bool(true, span);
            }
            _ => {}
        }
        let mut values: Vec<Value> = args.iter().map(|a| self.eval(a, scope)).collect();
        if expand {
            if let Some(last) = values.pop() {
                match last.elements("the expanded argument") {
                    Ok(items) => values.extend(items),
                    Err(u) => return u,
                }
            }
        }
        if let Err(u) = self.charge_call(name, &values, span) {
            return u;
        }
        funcs::call(name, values, span)
    }

    /// Charge what a function call will walk: the top level of each argument for functions
    /// that only look there, every node (through shared parts) for the others, and the
    /// pairwise comparisons of the set functions.
    fn charge_call(&mut self, name: &str, args: &[Value], span: Span) -> Result<(), Value> {
        const SHALLOW: &[&str] = &[
            "length",
            "element",
            "lookup",
            "keys",
            "values",
            "concat",
            "merge",
            "slice",
            "reverse",
            "one",
            "coalesce",
            "range",
            "zipmap",
            "chunklist",
            "tolist",
            "tomap",
            "cidrsubnet",
            "cidrsubnets",
            "cidrhost",
            "cidrnetmask",
        ];
        const PAIRWISE: &[&str] = &[
            "distinct",
            "toset",
            "setunion",
            "setintersection",
            "setsubtract",
            "contains",
            "index",
            "sort",
        ];
        let what = || format!("`{name}()`");
        if SHALLOW.contains(&name) {
            let units = args.iter().map(|a| 1 + a.top_len()).sum();
            return self.charge(units, span, what);
        }
        self.charge_walk(args, span, what)?;
        if PAIRWISE.contains(&name) {
            let n: u64 = args.iter().map(Value::top_len).sum();
            self.charge(n.saturating_mul(n) / 2, span, what)?;
        }
        Ok(())
    }

    /// Charge one unit per node of `values`, counting shared parts each time they are reached.
    fn charge_walk(
        &self,
        values: &[Value],
        span: Span,
        what: impl FnOnce() -> String,
    ) -> Result<(), Value> {
        let mut units = 0u64;
        for v in values {
            match v.weight(self.budget.left().saturating_sub(units)) {
                Some(w) => units += w,
                None => units = u64::MAX,
            }
        }
        self.charge(units, span, what)
    }

    fn charge(&self, units: u64, span: Span, what: impl FnOnce() -> String) -> Result<(), Value> {
        if self.budget.charge(units, span, what) {
            Ok(())
        } else {
            Err(Value::unknown(self.budget.reason(), span))
        }
    }

    fn traversal(&mut self, base: &Expr, ops: &[TOp], scope: &Scope, span: Span) -> Value {
        let (value, consumed) = match &base.kind {
            ExprKind::Var(name) => self.traversal_root(name, ops, scope, base.span.to(span)),
            _ => (self.eval(base, scope), 0),
        };
        let rest = ops.get(consumed..).unwrap_or(&[]);
        self.apply_ops(value, rest, scope, span)
    }

    pub fn apply_ops(&mut self, mut value: Value, ops: &[TOp], scope: &Scope, span: Span) -> Value {
        let mut i = 0;
        while let Some(op) = ops.get(i) {
            if value.is_unknown() {
                return self.part_of(value, ops.get(i..).unwrap_or(&[]), scope);
            }
            i += 1;
            value = match op {
                TOp::Attr(name, op_span) => get_attr(&value, name, *op_span),
                TOp::Index(e) => {
                    let key = self.eval(e, scope);
                    if key.is_unknown() {
                        // An element chosen by an unknown key is not the key.
                        return self.derived(key);
                    }
                    index(&value, &key, e.span)
                }
                TOp::AttrSplat(_) | TOp::FullSplat(_) => {
                    // The splat takes the following attribute steps (all steps for `[*]`).
                    let full = matches!(op, TOp::FullSplat(_));
                    let start = i;
                    while let Some(next) = ops.get(i) {
                        if full || matches!(next, TOp::Attr(..)) {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    let inner = ops.get(start..i).unwrap_or(&[]);
                    let items = match &value.v {
                        V::Null => Vec::new(),
                        V::Unknown(_) => return value,
                        V::List(items) => items.as_ref().clone(),
                        _ => vec![value.clone()],
                    };
                    let mapped = items
                        .into_iter()
                        .map(|item| self.apply_ops(item, inner, scope, span))
                        .collect();
                    Value::list(mapped, span)
                }
            };
            if value.is_unknown() {
                return value;
            }
        }
        value
    }
}

/// Whether an expression computes a new value from its operands (its unknown result is not
/// any operand's). References, `"${x}"`, and a conditional's chosen branch are the value itself.
fn derives(kind: &ExprKind) -> bool {
    match kind {
        ExprKind::Call { .. } | ExprKind::Unary(..) | ExprKind::Binary(..) | ExprKind::For(_) => {
            true
        }
        ExprKind::Template(parts) => !matches!(parts.as_slice(), [Part::Interp(_)]),
        _ => false,
    }
}

/// Pairs (key, value) of a collection: index → element for lists, key → value for maps.
pub fn iterate(coll: &Value) -> Result<Vec<(Value, Value)>, Value> {
    match &coll.v {
        V::List(items) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| (Value::num(i as f64, v.span), v.clone()))
            .collect()),
        V::Map(items) => Ok(items
            .iter()
            .map(|(k, v)| (Value::str(k.clone(), v.span), v.clone()))
            .collect()),
        V::Unknown(_) => Err(coll.clone()),
        _ => Err(Value::error(
            format!("cannot iterate over a {}", coll.type_name()),
            coll.span,
        )),
    }
}

/// `.name` on a value.
pub fn get_attr(value: &Value, name: &str, span: Span) -> Value {
    match &value.v {
        V::Map(items) => match items.get(name) {
            Some(v) => v.clone(),
            None => missing_attr(value, name, span),
        },
        V::Unknown(_) => value.clone(),
        V::Null => Value::error(format!("cannot read `{name}` of null"), span),
        V::List(_) => Value::error(
            format!("cannot read `{name}` of a list (use `[*].{name}` or an index)"),
            span,
        ),
        _ => Value::error(
            format!("cannot read `{name}` of a {}", value.type_name()),
            span,
        ),
    }
}

fn missing_attr(value: &Value, name: &str, span: Span) -> Value {
    match &value.of {
        // A resource object: attributes not in the configuration are computed by Azure.
        Some(key) => {
            let address = key.strip_prefix("tf:").unwrap_or(key);
            if address.starts_with("data.") || address.contains(".data.") {
                Value::unknown(
                    format!("`{address}.{name}` is read by a data source at plan time, not from the configuration"),
                    span,
                )
            } else {
                Value::unknown(
                    format!("`{address}.{name}` is known only after apply"),
                    span,
                )
            }
        }
        None => Value::error(format!("the object has no attribute `{name}`"), span),
    }
}

/// `[key]` on a value.
pub fn index(value: &Value, key: &Value, span: Span) -> Value {
    if let V::Unknown(_) = key.v {
        return key.clone();
    }
    match &value.v {
        V::List(items) => match key.to_num("an index") {
            Ok(n) if n >= 0.0 && n.fract() == 0.0 => match items.get(n as usize) {
                Some(v) => v.clone(),
                None => Value::error(
                    format!(
                        "index {} is out of range for a list of {} items",
                        n as usize,
                        items.len()
                    ),
                    span,
                ),
            },
            Ok(n) => Value::error(format!("invalid index {n}"), span),
            Err(u) => u,
        },
        V::Map(_) => match key.to_text("a key") {
            Ok(k) => get_attr(value, &k, span),
            Err(u) => u,
        },
        V::Unknown(_) => value.clone(),
        _ => Value::error(format!("cannot index a {}", value.type_name()), span),
    }
}

fn binary(op: BinaryOperator, l: &Value, r: &Value, span: Span) -> Value {
    use BinaryOperator as B;
    match op {
        B::And | B::Or => {
            let (a, b) = (l.to_bool("an operand"), r.to_bool("an operand"));
            let decisive = op == B::Or;
            match (a, b) {
                (Ok(x), Ok(y)) => Value::bool(if decisive { x || y } else { x && y }, span),
                (Ok(x), Err(_)) | (Err(_), Ok(x)) if x == decisive => Value::bool(decisive, span),
                (Err(u), _) | (_, Err(u)) => u,
            }
        }
        B::Eq | B::NotEq => match l.equals(r) {
            Some(eq) => Value::bool(if op == B::Eq { eq } else { !eq }, span),
            None => l
                .first_unknown()
                .or_else(|| r.first_unknown())
                .unwrap_or_else(|| Value::unknown("comparison with an unknown value", span)),
        },
        _ => {
            let a = match l.to_num("an operand") {
                Ok(a) => a,
                Err(u) => return u,
            };
            let b = match r.to_num("an operand") {
                Ok(b) => b,
                Err(u) => return u,
            };
            match op {
                B::Plus => Value::num(a + b, span),
                B::Minus => Value::num(a - b, span),
                B::Mul => Value::num(a * b, span),
                B::Div if b == 0.0 => Value::error("division by zero", span),
                B::Div => Value::num(a / b, span),
                B::Mod if b == 0.0 => Value::error("modulo by zero", span),
                B::Mod => Value::num(a % b, span),
                B::Less => Value::bool(a < b, span),
                B::LessEq => Value::bool(a <= b, span),
                B::Greater => Value::bool(a > b, span),
                B::GreaterEq => Value::bool(a >= b, span),
                _ => Value::error("unsupported operator", span),
            }
        }
    }
}

/// A span for a template's parts (the first interpolation's), for messages.
fn scope_span(parts: &[Part]) -> Span {
    parts
        .iter()
        .find_map(|p| match p {
            Part::Interp(e) => Some(e.span),
            Part::If { cond, .. } => Some(cond.span),
            Part::For { collection, .. } => Some(collection.span),
            Part::Lit(_) => None,
        })
        .unwrap_or_else(|| Span::new(crate::source::FileId(0), 0, 0))
}

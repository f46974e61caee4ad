//! Module instances and what expressions refer to: `var.*`, `local.*`, resources, data
//! sources, `module.*` outputs, `count`, `each`, `path`.
//!
//! Everything is evaluated on first use and memoised per module instance. A reference that
//! leads back to itself (a cycle) is an Unknown, never a hang.

use std::collections::{BTreeMap, HashMap};

use crate::frontend::budget::Budget;
use std::path::PathBuf;
use std::rc::Rc;

use super::ast::{Block, Body, Expr, ExprKind, TOp};
use super::config::ModuleConfig;
use super::eval::{iterate, Scope};
use super::fs::Fs;
use super::value::{Value, V};
use crate::frontend::InputError;
use crate::model::{Link, Problem, VnetId};
use crate::source::{Sources, Span};

/// Most instances one `count`/`for_each` may create.
pub const MAX_INSTANCES: usize = 10_000;
/// Most instances of all `count`/`for_each` of one run together.
pub const MAX_TOTAL_INSTANCES: usize = 100_000;

#[derive(Debug, Clone)]
pub enum Slot {
    Pending,
    Done(Value),
}

/// The key of one instance of a resource or module call.
#[derive(Debug, Clone, PartialEq)]
pub enum InstKey {
    None,
    Index(usize),
    Key(String),
    /// `count`/`for_each` is unknown: one placeholder instance stands for all of them.
    Unknown,
}

impl InstKey {
    /// The address suffix: ``, `[0]`, `["a"]`, `[?]`.
    pub fn suffix(&self) -> String {
        match self {
            InstKey::None => String::new(),
            InstKey::Index(i) => format!("[{i}]"),
            InstKey::Key(k) => format!("[{k:?}]"),
            InstKey::Unknown => "[?]".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Single,
    Count,
    ForEach,
}

/// The instances `count`/`for_each` create, each with its scope.
#[derive(Debug, Clone)]
pub struct Expansion {
    pub shape: Shape,
    pub items: Vec<(InstKey, Scope)>,
    /// Why the instances are not known (the placeholder's reason).
    pub unknown: Option<Value>,
}

/// The instances of a module call.
#[derive(Debug, Clone)]
pub struct CallResult {
    pub shape: Shape,
    pub children: Vec<(InstKey, usize)>,
    /// Set when the module's values are unknown (remote source, unreadable, cycle, unknown
    /// `count`/`for_each`).
    pub unknown: Option<Value>,
}

#[derive(Debug)]
pub enum CallSlot {
    Pending,
    Done(Rc<CallResult>),
}

/// One instance of a module (the root module is instance 0).
#[derive(Debug)]
pub struct Instance {
    pub config: Rc<ModuleConfig>,
    /// Directory of the module on the file system, when it has one.
    pub fs_dir: Option<PathBuf>,
    /// `` for the root, `module.net`, `module.net["a"].module.sub`…
    pub path: String,
    pub vars: HashMap<String, Value>,
    pub locals: HashMap<String, Slot>,
    pub outputs: HashMap<String, Slot>,
    pub resources: HashMap<usize, Slot>,
    pub expansions: HashMap<usize, Rc<Expansion>>,
    pub calls: HashMap<usize, CallSlot>,
    /// Module directories (canonical) from the root down to this one (for cycle detection).
    pub ancestors: Vec<PathBuf>,
    /// The module key `terraform init` records: `` for the root, `net`, `net.subnets`.
    pub module_key: String,
}

impl Instance {
    pub fn new(config: Rc<ModuleConfig>, fs_dir: Option<PathBuf>, path: String) -> Instance {
        Instance {
            config,
            fs_dir,
            path,
            vars: HashMap::new(),
            locals: HashMap::new(),
            outputs: HashMap::new(),
            resources: HashMap::new(),
            expansions: HashMap::new(),
            calls: HashMap::new(),
            ancestors: Vec::new(),
            module_key: String::new(),
        }
    }

    /// Prefix of addresses inside this instance: `` or `module.net.`.
    pub fn prefix(&self) -> String {
        if self.path.is_empty() {
            String::new()
        } else {
            format!("{}.", self.path)
        }
    }
}

pub struct Evaluator<'a> {
    pub fs: &'a dyn Fs,
    pub sources: &'a mut Sources,
    pub errors: Vec<InputError>,
    pub problems: Vec<Problem>,
    pub insts: Vec<Instance>,
    pub depth: usize,
    /// Work done so far: expressions and the value nodes functions touch (see
    /// [`super::eval::BUDGET`]).
    pub budget: Budget,
    /// Resource and module instances created so far (bounded by [`MAX_TOTAL_INSTANCES`]).
    pub instances: usize,
    /// `azurerm_virtual_network_peering`s lowered so far: (local VNet, remote VNet, address).
    pub peerings: Vec<(Link<VnetId>, Link<VnetId>, String, Span)>,
    /// Parsed module directories by canonical path: a directory is read once however many
    /// paths (symlinks, `..`) lead to it.
    pub configs: HashMap<PathBuf, Rc<ModuleConfig>>,
    /// Modules installed by `terraform init` for this root.
    pub manifest: Option<super::installed::Manifest>,
    /// `terraform.workspace` (`--workspace`); unknown when not given: which workspace a
    /// pipeline applies in is not written in the configuration.
    pub workspace: Option<String>,
    /// Unknowns derived so far (each gets its own origin: [`Evaluator::derived`]).
    pub derivations: u64,
    /// Tuples of literals read back from the source, by span, while something still holds
    /// them: a rule's 4,000 prefixes read by a reference to its resource and again by the
    /// lowering are one list, read once (the values depend on nothing but the text).
    pub literal_tuples: HashMap<Span, std::rc::Weak<Vec<Value>>>,
}

impl<'a> Evaluator<'a> {
    pub fn new(fs: &'a dyn Fs, sources: &'a mut Sources) -> Evaluator<'a> {
        Evaluator {
            fs,
            sources,
            errors: Vec::new(),
            problems: Vec::new(),
            insts: Vec::new(),
            depth: 0,
            budget: Budget::new("Terraform evaluation", super::eval::BUDGET),
            instances: 0,
            peerings: Vec::new(),
            configs: HashMap::new(),
            manifest: None,
            workspace: None,
            derivations: 0,
            literal_tuples: HashMap::new(),
        }
    }

    pub fn config(&self, inst: usize) -> Rc<ModuleConfig> {
        match self.insts.get(inst) {
            Some(i) => Rc::clone(&i.config),
            None => Rc::new(ModuleConfig::default()),
        }
    }

    pub fn path_module(&self, inst: usize) -> String {
        self.insts
            .get(inst)
            .map(|i| i.config.dir.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| ".".into())
    }

    /// Resolve the root of a traversal (`var.x`, `azurerm_subnet.roles`, `module.net.out`…).
    /// Returns the value and how many of `ops` it consumed.
    pub fn traversal_root(
        &mut self,
        name: &str,
        ops: &[TOp],
        scope: &Scope,
        span: Span,
    ) -> (Value, usize) {
        if let Some(v) = scope.lookup(name) {
            return (v.clone(), 0);
        }
        let attr = |i: usize| match ops.get(i) {
            Some(TOp::Attr(a, _)) => Some(a.as_str()),
            _ => None,
        };
        match name {
            "var" => match attr(0) {
                Some(v) => (self.var(scope.inst, v, span), 1),
                None => (
                    Value::error("`var` must be followed by a variable name", span),
                    0,
                ),
            },
            "local" => match attr(0) {
                Some(l) => (self.local(scope.inst, l, span), 1),
                None => (Value::error("`local` must be followed by a name", span), 0),
            },
            "count" => match (attr(0), &scope.count) {
                (Some("index"), Some(v)) => (v.clone(), 1),
                _ => (
                    Value::error("`count.index` is only available where `count` is set", span),
                    1,
                ),
            },
            "each" => match (attr(0), &scope.each) {
                (Some("key"), Some((k, _))) => (k.clone(), 1),
                (Some("value"), Some((_, v))) => (v.clone(), 1),
                _ => (
                    Value::error("`each` is only available where `for_each` is set", span),
                    1,
                ),
            },
            "path" => {
                let dir = self.path_module(scope.inst);
                match attr(0) {
                    Some("module") => (Value::str(dir, span), 1),
                    Some("root") | Some("cwd") => (Value::str(self.path_module(0), span), 1),
                    _ => (Value::error("unknown `path` attribute", span), 1),
                }
            }
            "terraform" => match attr(0) {
                Some("workspace") => match &self.workspace {
                    Some(name) => (Value::str(name.clone(), span), 1),
                    None => (
                        Value::unknown(
                            "`terraform.workspace` is not known offline (pass --workspace NAME)",
                            span,
                        ),
                        1,
                    ),
                },
                _ => (
                    Value::unknown("`terraform.*` is not known offline", span),
                    1,
                ),
            },
            "self" => (
                Value::unknown("`self` is only known during provisioning", span),
                0,
            ),
            "module" => self.module_ref(ops, scope, span),
            "data" => match (attr(0), attr(1)) {
                (Some(t), Some(n)) => (
                    self.resource_ref(scope.inst, &format!("data.{t}.{n}"), span),
                    2,
                ),
                _ => (Value::error("incomplete data source reference", span), 0),
            },
            rtype => match attr(0) {
                Some(n) => {
                    let address = format!("{rtype}.{n}");
                    if attr(1) == Some("id") {
                        if let Some(id) = self.resource_id(scope.inst, &address) {
                            return (id, 2);
                        }
                    }
                    (self.resource_ref(scope.inst, &address, span), 1)
                }
                None => (Value::error(format!("unknown name `{rtype}`"), span), 0),
            },
        }
    }

    pub fn var(&mut self, inst: usize, name: &str, span: Span) -> Value {
        match self.insts.get(inst).and_then(|i| i.vars.get(name)) {
            Some(v) => v.clone(),
            None => Value::error(format!("variable `{name}` is not declared"), span),
        }
    }

    pub fn local(&mut self, inst: usize, name: &str, span: Span) -> Value {
        match self.insts.get(inst).and_then(|i| i.locals.get(name)) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::Pending) => {
                return Value::unknown(format!("local `{name}` refers to itself"), span)
            }
            None => {}
        }
        let config = self.config(inst);
        let Some(attr) = config.locals.get(name) else {
            return Value::error(format!("local value `{name}` is not defined"), span);
        };
        self.set_local(inst, name, Slot::Pending);
        let v = self.eval(&attr.expr, &Scope::root(inst));
        self.set_local(inst, name, Slot::Done(v.clone()));
        v
    }

    fn set_local(&mut self, inst: usize, name: &str, slot: Slot) {
        if let Some(i) = self.insts.get_mut(inst) {
            i.locals.insert(name.to_string(), slot);
        }
    }

    pub fn output(&mut self, inst: usize, name: &str, span: Span) -> Value {
        match self.insts.get(inst).and_then(|i| i.outputs.get(name)) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::Pending) => {
                return Value::unknown(format!("output `{name}` refers to itself"), span)
            }
            None => {}
        }
        let config = self.config(inst);
        let Some(attr) = config.outputs.get(name) else {
            let path = self
                .insts
                .get(inst)
                .map(|i| i.path.clone())
                .unwrap_or_default();
            return Value::error(format!("`{path}` has no output `{name}`"), span);
        };
        self.set_output(inst, name, Slot::Pending);
        let v = self.eval(&attr.expr, &Scope::root(inst));
        self.set_output(inst, name, Slot::Done(v.clone()));
        v
    }

    fn set_output(&mut self, inst: usize, name: &str, slot: Slot) {
        if let Some(i) = self.insts.get_mut(inst) {
            i.outputs.insert(name.to_string(), slot);
        }
    }

    /// All outputs of a module instance as an object.
    fn module_object(&mut self, inst: usize, span: Span) -> Value {
        let config = self.config(inst);
        let mut names: Vec<&String> = config.outputs.keys().collect();
        names.sort();
        let mut map = BTreeMap::new();
        for name in names {
            let v = self.output(inst, name, span);
            map.insert(name.clone(), v);
        }
        Value::map(map, span)
    }

    /// `module.NAME…`: reads one output directly where the traversal names it, so unrelated
    /// outputs are not evaluated.
    fn module_ref(&mut self, ops: &[TOp], scope: &Scope, span: Span) -> (Value, usize) {
        let Some(TOp::Attr(name, _)) = ops.first() else {
            return (Value::error("`module` must be followed by a name", span), 0);
        };
        let config = self.config(scope.inst);
        let Some((idx, _)) = config.module_call(name) else {
            return (
                Value::error(format!("module `{name}` is not called here"), span),
                1,
            );
        };
        let result = self.call_result(scope.inst, idx);
        if let Some(u) = &result.unknown {
            return (u.clone(), 1);
        }
        match result.shape {
            Shape::Single => {
                let Some(&(_, child)) = result.children.first() else {
                    return (Value::unknown("module has no instance", span), 1);
                };
                match ops.get(1) {
                    Some(TOp::Attr(out, _)) => (self.output(child, out, span), 2),
                    _ => (self.module_object(child, span), 1),
                }
            }
            Shape::Count | Shape::ForEach => {
                if let (Some(TOp::Index(ix)), Some(TOp::Attr(out, _))) = (ops.get(1), ops.get(2)) {
                    let key = self.eval(ix, scope);
                    if let Some(child) = find_child(&result, &key) {
                        return (self.output(child, out, span), 3);
                    }
                }
                let children = result.children.clone();
                let objects: Vec<(InstKey, Value)> = children
                    .iter()
                    .map(|(k, c)| (k.clone(), self.module_object(*c, span)))
                    .collect();
                (collect_shape(result.shape, objects, span), 1)
            }
        }
    }

    /// The value of a resource or data source (`type.name`): an object, or a list/map of them.
    pub fn resource_ref(&mut self, inst: usize, address: &str, span: Span) -> Value {
        let config = self.config(inst);
        let Some(&ridx) = config.resource_index.get(address) else {
            return Value::error(
                format!("reference to `{address}`, which is not declared in this module"),
                span,
            );
        };
        match self.insts.get(inst).and_then(|i| i.resources.get(&ridx)) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::Pending) => {
                return Value::unknown(format!("`{address}` refers to itself"), span)
            }
            None => {}
        }
        if let Some(i) = self.insts.get_mut(inst) {
            i.resources.insert(ridx, Slot::Pending);
        }
        let v = self.build_resource_value(inst, ridx, span);
        if let Some(i) = self.insts.get_mut(inst) {
            i.resources.insert(ridx, Slot::Done(v.clone()));
        }
        v
    }

    fn build_resource_value(&mut self, inst: usize, ridx: usize, span: Span) -> Value {
        let config = self.config(inst);
        let Some(def) = config.resources.get(ridx) else {
            return Value::error("no such resource", span);
        };
        let block = Rc::clone(&def.block);
        let exp = self.resource_expansion(inst, ridx);
        if let Some(u) = &exp.unknown {
            return u.clone();
        }
        let mut objects = Vec::new();
        for (key, scope) in &exp.items {
            let rkey = self.resource_key(inst, ridx, key);
            let obj = self.resource_object(&block, def.data, &def.rtype, scope, &rkey);
            objects.push((key.clone(), obj));
        }
        collect_shape(exp.shape, objects, block.span)
    }

    /// `type.name.id` of a managed resource without `count` or `for_each`, not yet evaluated:
    /// the id does not depend on the body, so the body (an NSG's 1,000 rules of 4,000
    /// prefixes) is not evaluated into a value for it. `None`: take the whole object.
    fn resource_id(&mut self, inst: usize, address: &str) -> Option<Value> {
        let config = self.config(inst);
        let &ridx = config.resource_index.get(address)?;
        let def = config.resources.get(ridx)?;
        let pending = self
            .insts
            .get(inst)
            .is_some_and(|i| i.resources.contains_key(&ridx));
        if def.data || pending {
            return None;
        }
        let exp = self.resource_expansion(inst, ridx);
        let (key, _) = exp.items.first()?;
        if exp.shape != Shape::Single || exp.unknown.is_some() {
            return None;
        }
        let rkey = self.resource_key(inst, ridx, key);
        let address = rkey.strip_prefix("tf:").unwrap_or(&rkey);
        Some(managed_id(address, def.block.span, Rc::from(rkey.as_str())))
    }

    /// `tf:<module path>.<address><instance key>`.
    pub fn resource_key(&self, inst: usize, ridx: usize, key: &InstKey) -> String {
        let Some(i) = self.insts.get(inst) else {
            return String::new();
        };
        let address = i
            .config
            .resources
            .get(ridx)
            .map(|d| d.address())
            .unwrap_or_default();
        format!("tf:{}{}{}", i.prefix(), address, key.suffix())
    }

    /// One resource instance as an object: its arguments, nested blocks as lists of objects,
    /// and `id` — unknown until apply, but carrying the resource's key for linking.
    fn resource_object(
        &mut self,
        block: &Block,
        data: bool,
        rtype: &str,
        scope: &Scope,
        rkey: &str,
    ) -> Value {
        let of: Rc<str> = Rc::from(rkey);
        let obj = self.body_object(&block.body, scope, true);
        let mut map = match obj.v {
            V::Map(m) => m.as_ref().clone(),
            _ => BTreeMap::new(),
        };
        if let Some(name) = map.get("name").cloned() {
            map.insert("name".into(), name.with_of(Some(Rc::clone(&of))));
        }
        let address = rkey.strip_prefix("tf:").unwrap_or(rkey);
        let id = if data {
            let key = super::keys::data_source_key(rtype, &map);
            let reason = format!(
                "`{address}.id` is read by a data source at plan time, not from the configuration"
            );
            Value::unknown(reason, block.span).with_of(key.map(Rc::from))
        } else {
            managed_id(address, block.span, Rc::clone(&of))
        };
        map.insert("id".into(), id);
        if rtype == "azurerm_network_interface" && !data {
            derive_nic_addresses(&mut map);
        }
        Value::map(map, block.span).with_of(Some(of))
    }

    /// A body as an object value (meta-arguments left out).
    pub fn body_object(&mut self, body: &Body, scope: &Scope, top: bool) -> Value {
        let mut map = BTreeMap::new();
        for attr in &body.attrs {
            if top && is_meta(&attr.name) {
                continue;
            }
            let v = self.eval(&attr.expr, scope);
            map.insert(attr.name.clone(), v);
        }
        let mut kinds: Vec<String> = Vec::new();
        for b in &body.blocks {
            let kind = if b.kind == "dynamic" {
                b.label(0).unwrap_or_default().to_string()
            } else {
                b.kind.clone()
            };
            if kind.is_empty()
                || matches!(kind.as_str(), "lifecycle" | "provisioner" | "connection")
            {
                continue;
            }
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        for kind in kinds {
            let items = self.dynamic_blocks(body, &kind, scope);
            let values = items
                .into_iter()
                .map(|item| self.body_object(item.body, &item.scope, false))
                .collect();
            map.insert(kind, Value::list(values, body.span));
        }
        Value::map(map, body.span)
    }

    /// Evaluate `count`/`for_each` of a body in `scope`.
    pub fn expand(&mut self, body: &Body, scope: &Scope, what: &str) -> Expansion {
        let count = body.attr("count");
        let for_each = body.attr("for_each");
        let single = Expansion {
            shape: Shape::Single,
            items: vec![(InstKey::None, scope.clone())],
            unknown: None,
        };
        if let Some(attr) = count {
            let v = self.eval(&attr.expr, scope);
            let n = match v.to_num("count") {
                Ok(n) => n,
                Err(u) => return placeholder(Shape::Count, scope, u, what),
            };
            if self.instances + n.max(0.0) as usize > MAX_TOTAL_INSTANCES {
                let u = Value::unknown(
                    format!("more than {MAX_TOTAL_INSTANCES} instances in one configuration"),
                    attr.expr.span,
                );
                return placeholder(Shape::Count, scope, u, what);
            }
            if !(0.0..=MAX_INSTANCES as f64).contains(&n) || n.fract() != 0.0 {
                let u = Value::unknown(
                    format!("`count = {n}` is not a whole number from 0 to {MAX_INSTANCES}"),
                    attr.expr.span,
                );
                return placeholder(Shape::Count, scope, u, what);
            }
            self.instances += n as usize;
            let items = (0..n as usize)
                .map(|i| {
                    let mut s = scope.clone();
                    s.count = Some(Value::num(i as f64, attr.expr.span));
                    (InstKey::Index(i), s)
                })
                .collect();
            return Expansion {
                shape: Shape::Count,
                items,
                unknown: None,
            };
        }
        let Some(attr) = for_each else {
            return single;
        };
        let v = self.eval(&attr.expr, scope);
        let pairs: Vec<(String, Value, Value)> = match &v.v {
            V::Map(m) => m
                .iter()
                .map(|(k, val)| (k.clone(), Value::str(k.clone(), val.span), val.clone()))
                .collect(),
            V::List(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    match item.to_text("a for_each element") {
                        Ok(s) => out.push((s, item.clone(), item.clone())),
                        Err(u) => return placeholder(Shape::ForEach, scope, u, what),
                    }
                }
                out.sort_by(|a, b| a.0.cmp(&b.0));
                out.dedup_by(|a, b| a.0 == b.0);
                out
            }
            V::Unknown(_) => return placeholder(Shape::ForEach, scope, v, what),
            _ => {
                let u = Value::error(
                    format!(
                        "for_each must be a map or a set of strings, not a {}",
                        v.type_name()
                    ),
                    attr.expr.span,
                );
                return placeholder(Shape::ForEach, scope, u, what);
            }
        };
        if pairs.len() > MAX_INSTANCES || self.instances + pairs.len() > MAX_TOTAL_INSTANCES {
            let u = Value::unknown(
                format!("for_each has more than {MAX_INSTANCES} elements"),
                attr.expr.span,
            );
            return placeholder(Shape::ForEach, scope, u, what);
        }
        self.instances += pairs.len();
        let items = pairs
            .into_iter()
            .map(|(k, key, value)| {
                let mut s = scope.clone();
                s.each = Some((key.with_of(None), value));
                (InstKey::Key(k), s)
            })
            .collect();
        Expansion {
            shape: Shape::ForEach,
            items,
            unknown: None,
        }
    }

    /// The (memoised) expansion of a resource.
    pub fn resource_expansion(&mut self, inst: usize, ridx: usize) -> Rc<Expansion> {
        if let Some(e) = self.insts.get(inst).and_then(|i| i.expansions.get(&ridx)) {
            return Rc::clone(e);
        }
        let config = self.config(inst);
        let Some(def) = config.resources.get(ridx) else {
            return Rc::new(Expansion {
                shape: Shape::Single,
                items: Vec::new(),
                unknown: None,
            });
        };
        let block = Rc::clone(&def.block);
        let what = format!(
            "`{}{}`",
            self.insts
                .get(inst)
                .map(Instance::prefix)
                .unwrap_or_default(),
            def.address()
        );
        let exp = Rc::new(self.expand(&block.body, &Scope::root(inst), &what));
        if let Some(i) = self.insts.get_mut(inst) {
            i.expansions.insert(ridx, Rc::clone(&exp));
        }
        exp
    }
}

/// One placeholder instance whose `count.index` / `each.*` are unknown.
fn placeholder(shape: Shape, scope: &Scope, why: Value, what: &str) -> Expansion {
    let reason = match why.unk() {
        Some(u) => format!("the instances of {what} are unknown: {}", u.reason),
        None => format!("the instances of {what} are unknown"),
    };
    let u = Value::unknown(reason, why.span);
    let mut s = scope.clone();
    match shape {
        Shape::Count => s.count = Some(u.clone()),
        _ => s.each = Some((u.clone(), u.clone())),
    }
    Expansion {
        shape,
        items: vec![(InstKey::Unknown, s)],
        unknown: Some(u),
    }
}

fn find_child(result: &CallResult, key: &Value) -> Option<usize> {
    result.children.iter().find_map(|(k, c)| {
        let hit = match (k, &key.v) {
            (InstKey::Index(i), V::Num(n)) => *n == *i as f64,
            (InstKey::Key(s), V::Str(t)) => s == t,
            _ => false,
        };
        hit.then_some(*c)
    })
}

/// Instances as Terraform shows them: one object, a list (`count`) or a map (`for_each`).
/// The `id` of a managed resource: known only after apply, naming the resource for linking.
fn managed_id(address: &str, span: Span, of: Rc<str>) -> Value {
    Value::unknown(format!("`{address}.id` is known only after apply"), span).with_of(Some(of))
}

pub fn collect_shape(shape: Shape, objects: Vec<(InstKey, Value)>, span: Span) -> Value {
    match shape {
        Shape::Single => objects
            .into_iter()
            .next()
            .map(|(_, v)| v)
            .unwrap_or_else(|| Value::null(span)),
        Shape::Count => Value::list(objects.into_iter().map(|(_, v)| v).collect(), span),
        Shape::ForEach => Value::map(
            objects
                .into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        InstKey::Key(s) => s,
                        other => other.suffix(),
                    };
                    (key, v)
                })
                .collect(),
            span,
        ),
    }
}

fn is_meta(name: &str) -> bool {
    matches!(
        name,
        "count" | "for_each" | "provider" | "depends_on" | "lifecycle"
    )
}

/// A nested block instance: its body and the scope its iterator is bound in.
pub struct BlockItem<'b> {
    pub body: &'b Body,
    pub scope: Scope,
    pub span: Span,
    /// For `dynamic` blocks: the element iterated over (its span is where the rule is written).
    pub element: Option<Value>,
}

impl Evaluator<'_> {
    /// The nested blocks of `kind` in `body`, in order, with `dynamic` blocks expanded.
    pub fn dynamic_blocks<'b>(
        &mut self,
        body: &'b Body,
        kind: &str,
        scope: &Scope,
    ) -> Vec<BlockItem<'b>> {
        let mut out = Vec::new();
        for b in &body.blocks {
            if b.kind == kind {
                out.push(BlockItem {
                    body: &b.body,
                    scope: scope.clone(),
                    span: b.span,
                    element: None,
                });
            } else if b.kind == "dynamic" && b.label(0) == Some(kind) {
                self.expand_dynamic(b, kind, scope, &mut out);
            }
        }
        out
    }

    fn expand_dynamic<'b>(
        &mut self,
        b: &'b Block,
        kind: &str,
        scope: &Scope,
        out: &mut Vec<BlockItem<'b>>,
    ) {
        let Some(content) = b.body.blocks_of("content").next() else {
            return;
        };
        let iterator = match b.body.attr("iterator").map(|a| &a.expr.kind) {
            Some(ExprKind::Var(name)) => name.clone(),
            _ => kind.to_string(),
        };
        let Some(for_each) = b.body.attr("for_each") else {
            return;
        };
        let coll = self.eval(&for_each.expr, scope);
        let pairs = match iterate(&coll) {
            Ok(pairs) => pairs,
            Err(u) => {
                let reason = match u.unk() {
                    Some(x) => format!(
                        "the elements of dynamic \"{kind}\" are unknown: {}",
                        x.reason
                    ),
                    None => format!("the elements of dynamic \"{kind}\" are unknown"),
                };
                let unk = Value::unknown(reason, u.span);
                let it = iterator_value(unk.clone(), unk, for_each.expr.span);
                out.push(BlockItem {
                    body: &content.body,
                    scope: scope.bind(&iterator, it),
                    span: content.span,
                    element: None,
                });
                return;
            }
        };
        for (k, v) in pairs {
            let element = matches!(v.v, V::Map(_)).then(|| v.clone());
            let it = iterator_value(k, v, for_each.expr.span);
            out.push(BlockItem {
                body: &content.body,
                scope: scope.bind(&iterator, it),
                span: content.span,
                element,
            });
        }
    }

    /// Convenience for tests and tfvars: evaluate an expression with no module around it.
    pub fn eval_detached(&mut self, e: &Expr) -> Value {
        let scope = Scope::root(usize::MAX);
        self.eval(e, &scope)
    }
}

fn iterator_value(key: Value, value: Value, span: Span) -> Value {
    let mut m = BTreeMap::new();
    m.insert("key".to_string(), key);
    m.insert("value".to_string(), value);
    Value::map(m, span)
}

/// `private_ip_address(es)` of a NIC are computed, but a static address written in the
/// configuration is what Azure assigns: `private_ip_address` is the primary configuration's
/// (the one marked `primary`, else the first) when static; `private_ip_addresses` is set when
/// every configuration is static.
fn derive_nic_addresses(map: &mut BTreeMap<String, Value>) {
    if map.contains_key("private_ip_address") {
        return;
    }
    let Some(V::List(configs)) = map.get("ip_configuration").map(|v| &v.v) else {
        return;
    };
    let static_ip = |c: &Value| -> Option<Value> {
        let V::Map(m) = &c.v else { return None };
        let is_static = matches!(
            m.get("private_ip_address_allocation").map(|v| &v.v),
            Some(V::Str(a)) if a.eq_ignore_ascii_case("static")
        );
        m.get("private_ip_address")
            .filter(|ip| is_static && !ip.is_null())
            .cloned()
    };
    let is_primary = |c: &Value| match &c.v {
        V::Map(m) => matches!(m.get("primary").map(|v| &v.v), Some(V::Bool(true))),
        _ => false,
    };
    let primary = configs
        .iter()
        .find(|c| is_primary(c))
        .or_else(|| configs.first());
    let all: Option<Vec<Value>> = configs.iter().map(static_ip).collect();
    let span = configs.first().map(|c| c.span);
    if let Some(ip) = primary.and_then(static_ip) {
        map.insert("private_ip_address".into(), ip);
    }
    if let (Some(all), Some(span)) = (all, span) {
        map.insert("private_ip_addresses".into(), Value::list(all, span));
    }
}

//! The plan's `configuration` (nsg-semantics §5.4), indexed by module, and the resolution of
//! expression `references` to resource instances.
//!
//! On a first deploy every Azure id is unknown until apply, so an association's `subnet_id` is
//! known only as an expression: `{"references": ["azurerm_subnet.roles.id",
//! "azurerm_subnet.roles"]}`. [`Config::resolve`] follows such references to the instance they
//! name:
//! - addresses are module-relative: a reference inside `module_calls.net.module` names a
//!   resource of that module instance;
//! - `var.x` inside a module continues with the module call's `x` expression in the parent;
//!   `module.net.out` continues with output `out` of that module;
//! - a reference to a resource with `count`/`for_each` needs an instance key. A constant one
//!   (`azurerm_subnet.s[0]`, `module.m["a"]`) is used as written. When the index is not
//!   constant Terraform lists only the bare resource plus `count.index` or `each.key`; then the
//!   referring instance's own key is used for the target (**heuristic**: the common
//!   `azurerm_subnet.s[count.index].id` / `[each.key]` pattern pairs instances index by index;
//!   any other expression, such as `each.value.subnet`, cannot be paired);
//! - anything else in the expression (`local.*`, root variables, other resource types,
//!   functions over several candidates) makes the link unknown, with the reason — never a
//!   guess.

use std::collections::HashMap;

use crate::frontend::json::Node;
use crate::frontend::plan::address::{self, Key, Mode, ModuleStep, Step};

/// Deepest chain of `var`/`module` hops followed.
const MAX_HOPS: usize = 32;

/// One module's configuration.
#[derive(Debug, Default)]
pub struct ModuleConfig<'a> {
    resources: HashMap<(Mode, &'a str, &'a str), ResourceConfig<'a>>,
    calls: HashMap<&'a str, CallConfig<'a>>,
    outputs: HashMap<&'a str, &'a Node>,
}

/// One resource block.
#[derive(Debug, Clone, Copy)]
pub struct ResourceConfig<'a> {
    pub expressions: Option<&'a Node>,
    /// Has `count` or `for_each`.
    pub multi: bool,
}

#[derive(Debug, Clone, Copy)]
struct CallConfig<'a> {
    expressions: Option<&'a Node>,
    multi: bool,
}

/// The whole configuration, by module call path (instance keys dropped).
#[derive(Debug, Default)]
pub struct Config<'a> {
    modules: HashMap<Vec<String>, ModuleConfig<'a>>,
    present: bool,
}

/// Which resources a link may point at.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    pub types: &'static [&'static str],
    /// Whether `data.<type>` sources of those types count.
    pub data: bool,
}

/// Where an expression is evaluated: the module instance and the instance key of the resource
/// (or module call) that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub module: Vec<ModuleStep>,
    pub key: Option<Key>,
}

impl<'a> Config<'a> {
    /// Index `configuration` (absent: an empty index; every reference is then unknown).
    pub fn new(configuration: Option<&'a Node>) -> Config<'a> {
        let mut config = Config::default();
        if let Some(root) = configuration.and_then(|c| c.get("root_module")) {
            config.present = true;
            config.add_module(Vec::new(), root, 0);
        }
        config
    }

    /// Whether the plan had a `configuration` section.
    pub fn present(&self) -> bool {
        self.present
    }

    fn add_module(&mut self, path: Vec<String>, node: &'a Node, depth: usize) {
        if depth > MAX_HOPS {
            return;
        }
        let mut module = ModuleConfig::default();
        for r in node.get("resources").map(Node::items).unwrap_or(&[]) {
            let mode = match r.get("mode").and_then(Node::as_str) {
                Some("data") => Mode::Data,
                _ => Mode::Managed,
            };
            let (Some(t), Some(n)) = (
                r.get("type").and_then(Node::as_str),
                r.get("name").and_then(Node::as_str),
            ) else {
                continue;
            };
            module.resources.insert(
                (mode, t, n),
                ResourceConfig {
                    expressions: r.get("expressions"),
                    multi: r.get("count_expression").is_some()
                        || r.get("for_each_expression").is_some(),
                },
            );
        }
        for o in node.get("outputs").map(Node::members).unwrap_or(&[]) {
            if let Some(e) = o.value.get("expression") {
                module.outputs.insert(&o.key, e);
            }
        }
        let mut children = Vec::new();
        for c in node.get("module_calls").map(Node::members).unwrap_or(&[]) {
            module.calls.insert(
                &c.key,
                CallConfig {
                    expressions: c.value.get("expressions"),
                    multi: c.value.get("count_expression").is_some()
                        || c.value.get("for_each_expression").is_some(),
                },
            );
            if let Some(m) = c.value.get("module") {
                let mut child = path.clone();
                child.push(c.key.to_string());
                children.push((child, m));
            }
        }
        self.modules.insert(path, module);
        for (child, m) in children {
            self.add_module(child, m, depth + 1);
        }
    }

    /// The configuration of a resource, by its module call path.
    pub fn resource(
        &self,
        module: &[String],
        mode: Mode,
        rtype: &str,
        name: &str,
    ) -> Option<ResourceConfig<'a>> {
        self.modules
            .get(module)?
            .resources
            .get(&(mode, rtype, name))
            .copied()
    }

    /// The instances an expression refers to, as canonical addresses, or why they cannot be
    /// known.
    pub fn resolve(&self, scope: &Scope, expr: &Node, want: Want) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        self.resolve_into(scope, expr, want, 0, &mut out)?;
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn resolve_into(
        &self,
        scope: &Scope,
        expr: &Node,
        want: Want,
        hops: usize,
        out: &mut Vec<String>,
    ) -> Result<(), String> {
        if hops > MAX_HOPS {
            return Err("the chain of module variables and outputs is too deep".into());
        }
        let Some(refs) = expr.get("references") else {
            return Err(if expr.get("constant_value").is_some() {
                "the configuration gives a constant value".into()
            } else {
                "the configuration has no references for it".into()
            });
        };
        let refs = classify(refs.items().iter().filter_map(Node::as_str));
        if let Some(other) = refs.other.first() {
            return Err(format!(
                "it depends on `{other}`, which the plan does not resolve"
            ));
        }
        if refs.resources.is_empty() && refs.vars.is_empty() && refs.modules.is_empty() {
            return Err("the configuration has no references for it".into());
        }
        let config_path: Vec<String> = scope.module.iter().map(|m| m.name.clone()).collect();
        let module = self.modules.get(&config_path);
        let pair_key = |marker: Marker| match (marker, &scope.key) {
            (Marker::CountIndex, Some(k @ Key::Int(_))) => Some(k.clone()),
            (Marker::EachKey, Some(k @ Key::Str(_))) => Some(k.clone()),
            _ => None,
        };

        for r in &refs.resources {
            let type_ok =
                want.types.contains(&r.rtype.as_str()) && (r.mode == Mode::Managed || want.data);
            if !type_ok {
                return Err(format!(
                    "it depends on `{}`, which is not {}",
                    r.display(),
                    describe(want)
                ));
            }
            let multi = module
                .and_then(|m| {
                    m.resources
                        .get(&(r.mode, r.rtype.as_str(), r.name.as_str()))
                })
                .is_some_and(|c| c.multi);
            let key = match (&r.key, multi) {
                (Some(k), _) => Some(k.clone()),
                (None, false) => None,
                (None, true) => match refs.marker.and_then(pair_key) {
                    Some(k) => Some(k),
                    None => {
                        return Err(format!(
                            "`{}` has several instances and the reference does not say which",
                            r.display()
                        ))
                    }
                },
            };
            let target = address::Address {
                module: scope.module.clone(),
                mode: r.mode,
                rtype: r.rtype.clone(),
                name: r.name.clone(),
                key,
            };
            out.push(target.canonical());
        }

        for v in &refs.vars {
            let Some((last, parent)) = scope.module.split_last() else {
                return Err(format!(
                    "it comes from the root module variable `var.{v}`, which is not a resource reference"
                ));
            };
            let parent_path: Vec<String> = parent.iter().map(|m| m.name.clone()).collect();
            let arg = self
                .modules
                .get(&parent_path)
                .and_then(|m| m.calls.get(last.name.as_str()))
                .and_then(|c| c.expressions)
                .and_then(|e| e.get(v));
            let Some(arg) = arg else {
                return Err(format!(
                    "module `{}` does not set `{v}` in its call (the variable's default applies)",
                    last.name
                ));
            };
            let parent_scope = Scope {
                module: parent.to_vec(),
                key: last.key.clone(),
            };
            self.resolve_into(&parent_scope, arg, want, hops + 1, out)
                .map_err(|e| format!("through `var.{v}`: {e}"))?;
        }

        for m in &refs.modules {
            let call = module.and_then(|c| c.calls.get(m.call.as_str()));
            let Some(call) = call else {
                return Err(format!("module `{}` is not in the configuration", m.call));
            };
            let Some(output) = &m.output else {
                return Err(format!(
                    "it uses the whole module object `module.{}`",
                    m.call
                ));
            };
            let key = match (&m.key, call.multi) {
                (Some(k), _) => Some(k.clone()),
                (None, false) => None,
                (None, true) => match refs.marker.and_then(pair_key) {
                    Some(k) => Some(k),
                    None => {
                        return Err(format!(
                        "module `{}` has several instances and the reference does not say which",
                        m.call
                    ))
                    }
                },
            };
            let mut child_path = config_path.clone();
            child_path.push(m.call.clone());
            let expr = self
                .modules
                .get(&child_path)
                .and_then(|c| c.outputs.get(output.as_str()));
            let Some(expr) = expr else {
                return Err(format!(
                    "output `{output}` of module `{}` is not in the configuration",
                    m.call
                ));
            };
            let mut child = scope.module.clone();
            child.push(ModuleStep {
                name: m.call.clone(),
                key,
            });
            let child_scope = Scope {
                module: child,
                key: None,
            };
            self.resolve_into(&child_scope, expr, want, hops + 1, out)
                .map_err(|e| format!("through `module.{}.{output}`: {e}", m.call))?;
        }
        Ok(())
    }
}

fn describe(want: Want) -> String {
    let names: Vec<&str> = want.types.to_vec();
    format!("a {}", names.join(" or "))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    CountIndex,
    EachKey,
}

#[derive(Debug)]
struct ResourceRef {
    mode: Mode,
    rtype: String,
    name: String,
    key: Option<Key>,
}

impl ResourceRef {
    fn display(&self) -> String {
        let mut s = String::new();
        if self.mode == Mode::Data {
            s.push_str("data.");
        }
        s.push_str(&self.rtype);
        s.push('.');
        s.push_str(&self.name);
        if let Some(k) = &self.key {
            s.push_str(&k.to_string());
        }
        s
    }
}

#[derive(Debug)]
struct ModuleRef {
    call: String,
    key: Option<Key>,
    output: Option<String>,
}

#[derive(Debug, Default)]
struct Refs {
    resources: Vec<ResourceRef>,
    modules: Vec<ModuleRef>,
    vars: Vec<String>,
    marker: Option<Marker>,
    other: Vec<String>,
}

/// Sort references by what they name, folding each traversal's shorter prefixes into the
/// longest form (`azurerm_subnet.s[0].id` + `azurerm_subnet.s[0]` + `azurerm_subnet.s` → one
/// reference to instance `[0]`).
fn classify<'s>(refs: impl Iterator<Item = &'s str>) -> Refs {
    let mut out = Refs::default();
    for text in refs {
        let Some(steps) = address::steps(text) else {
            out.other.push(text.to_string());
            continue;
        };
        let first = match steps.first() {
            Some(Step::Name(n)) => n.as_str(),
            _ => {
                out.other.push(text.to_string());
                continue;
            }
        };
        let second = match steps.get(1) {
            Some(Step::Name(n)) => Some(n.as_str()),
            _ => None,
        };
        match (first, second) {
            ("count", Some("index")) => out.marker = Some(Marker::CountIndex),
            ("each", Some("key")) => out.marker = Some(Marker::EachKey),
            ("var", Some(v)) => {
                if !out.vars.iter().any(|x| x == v) {
                    out.vars.push(v.to_string());
                }
            }
            ("module", Some(call)) => {
                let (module, rest) = address::module_prefix(&steps);
                let key = module.first().and_then(|m| m.key.clone());
                let output = match (module.len(), rest.first()) {
                    (1, Some(Step::Name(o))) => Some(o.clone()),
                    (1, None) => None,
                    // A reference to a nested module's internals cannot be written in HCL.
                    _ => {
                        out.other.push(text.to_string());
                        continue;
                    }
                };
                add_module(
                    &mut out.modules,
                    ModuleRef {
                        call: call.to_string(),
                        key,
                        output,
                    },
                );
            }
            ("each" | "local" | "path" | "terraform" | "self" | "count", _) => {
                out.other.push(text.to_string())
            }
            _ => match address::resource_at(Vec::new(), &steps) {
                Some((a, _)) => add_resource(
                    &mut out.resources,
                    ResourceRef {
                        mode: a.mode,
                        rtype: a.rtype,
                        name: a.name,
                        key: a.key,
                    },
                ),
                None => out.other.push(text.to_string()),
            },
        }
    }
    out
}

fn add_resource(list: &mut Vec<ResourceRef>, r: ResourceRef) {
    let same = |x: &ResourceRef| x.mode == r.mode && x.rtype == r.rtype && x.name == r.name;
    if r.key.is_none() {
        if list.iter().any(same) {
            return;
        }
    } else {
        // A keyed reference replaces the bare prefix of the same resource.
        list.retain(|x| !(same(x) && x.key.is_none()));
        if list.iter().any(|x| same(x) && x.key == r.key) {
            return;
        }
    }
    list.push(r);
}

fn add_module(list: &mut Vec<ModuleRef>, m: ModuleRef) {
    let same = |x: &ModuleRef| x.call == m.call;
    let specific = |x: &ModuleRef| x.key.is_some() as u8 + x.output.is_some() as u8;
    if let Some(existing) = list.iter_mut().find(|x| same(x)) {
        let compatible = (existing.key.is_none() || m.key.is_none() || existing.key == m.key)
            && (existing.output.is_none() || m.output.is_none() || existing.output == m.output);
        if compatible {
            if specific(&m) > specific(existing) {
                existing.key = existing.key.take().or(m.key);
                existing.output = existing.output.take().or(m.output);
            } else {
                if existing.key.is_none() {
                    existing.key = m.key;
                }
                if existing.output.is_none() {
                    existing.output = m.output;
                }
            }
            return;
        }
    }
    list.push(m);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::json::parse;

    const SUBNET: Want = Want {
        types: &["azurerm_subnet"],
        data: true,
    };

    fn config() -> Node {
        parse(
            r#"{"root_module": {
              "resources": [
                {"address": "azurerm_subnet.one", "mode": "managed", "type": "azurerm_subnet", "name": "one"},
                {"address": "azurerm_subnet.many", "mode": "managed", "type": "azurerm_subnet", "name": "many",
                 "count_expression": {"constant_value": 2}},
                {"address": "azurerm_subnet.map", "mode": "managed", "type": "azurerm_subnet", "name": "map",
                 "for_each_expression": {"references": ["var.subnets"]}}
              ],
              "module_calls": {
                "app": {"source": "./app",
                  "expressions": {"subnet_id": {"references": ["module.net.subnet_id", "module.net"]}},
                  "module": {"resources": [], "variables": {"subnet_id": {}}}},
                "net": {"source": "./net",
                  "module": {
                    "resources": [{"address": "azurerm_subnet.this", "mode": "managed", "type": "azurerm_subnet", "name": "this"}],
                    "outputs": {"subnet_id": {"expression": {"references": ["azurerm_subnet.this.id", "azurerm_subnet.this"]}}}}}
              }}}"#,
            false,
        )
        .unwrap()
    }

    fn expr(refs: &[&str]) -> Node {
        let list: Vec<String> = refs.iter().map(|r| format!("{r:?}")).collect();
        parse(&format!(r#"{{"references": [{}]}}"#, list.join(",")), false).unwrap()
    }

    fn root(key: Option<Key>) -> Scope {
        Scope {
            module: Vec::new(),
            key,
        }
    }

    #[test]
    fn direct_and_constant_index_references() {
        let node = config();
        let c = Config::new(Some(&node));
        let r = c.resolve(
            &root(None),
            &expr(&["azurerm_subnet.one.id", "azurerm_subnet.one"]),
            SUBNET,
        );
        assert_eq!(r.unwrap(), vec!["azurerm_subnet.one"]);
        let r = c.resolve(
            &root(None),
            &expr(&[
                "azurerm_subnet.many[1].id",
                "azurerm_subnet.many[1]",
                "azurerm_subnet.many",
            ]),
            SUBNET,
        );
        assert_eq!(r.unwrap(), vec!["azurerm_subnet.many[1]"]);
    }

    #[test]
    fn count_index_and_each_key_pair_instances() {
        let node = config();
        let c = Config::new(Some(&node));
        let r = c.resolve(
            &root(Some(Key::Int(1))),
            &expr(&["azurerm_subnet.many", "count.index"]),
            SUBNET,
        );
        assert_eq!(r.unwrap(), vec!["azurerm_subnet.many[1]"]);
        let r = c.resolve(
            &root(Some(Key::Str("web".into()))),
            &expr(&["azurerm_subnet.map", "each.key"]),
            SUBNET,
        );
        assert_eq!(r.unwrap(), vec![r#"azurerm_subnet.map["web"]"#]);
        let e = c
            .resolve(
                &root(Some(Key::Str("web".into()))),
                &expr(&["azurerm_subnet.map", "each.value"]),
                SUBNET,
            )
            .unwrap_err();
        assert!(e.contains("each.value"), "{e}");
        let e = c
            .resolve(&root(None), &expr(&["azurerm_subnet.many"]), SUBNET)
            .unwrap_err();
        assert!(e.contains("several instances"), "{e}");
    }

    #[test]
    fn module_variables_and_outputs_are_followed() {
        let node = config();
        let c = Config::new(Some(&node));
        let scope = Scope {
            module: vec![ModuleStep {
                name: "app".into(),
                key: None,
            }],
            key: None,
        };
        let r = c.resolve(&scope, &expr(&["var.subnet_id"]), SUBNET);
        assert_eq!(r.unwrap(), vec!["module.net.azurerm_subnet.this"]);
    }

    #[test]
    fn anything_else_is_unknown_with_a_reason() {
        let node = config();
        let c = Config::new(Some(&node));
        for (refs, needle) in [
            (vec!["local.subnet_id"], "local.subnet_id"),
            (vec!["var.subnet_id"], "root module variable"),
            (
                vec![
                    "azurerm_virtual_network.v.subnet",
                    "azurerm_virtual_network.v",
                ],
                "not a azurerm_subnet",
            ),
            (vec![], "no references"),
        ] {
            let e = c.resolve(&root(None), &expr(&refs), SUBNET).unwrap_err();
            assert!(e.contains(needle), "{e}");
        }
        let two = c
            .resolve(
                &root(None),
                &expr(&["azurerm_subnet.one", "azurerm_subnet.many[0]"]),
                SUBNET,
            )
            .unwrap();
        assert_eq!(two.len(), 2);
    }
}

//! One module's configuration: the declarations of all its files, indexed by name.

use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{Attr, Block, Body};
use crate::model::Problem;
use crate::source::Span;

#[derive(Debug, Clone)]
pub struct VariableDef {
    pub name: String,
    pub default: Option<Attr>,
    pub type_expr: Option<Attr>,
    pub span: Span,
}

/// A `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct ResourceDef {
    pub rtype: String,
    pub name: String,
    pub block: Rc<Block>,
    pub data: bool,
}

impl ResourceDef {
    /// `azurerm_subnet.roles` or `data.azurerm_subnet.roles`.
    pub fn address(&self) -> String {
        if self.data {
            format!("data.{}.{}", self.rtype, self.name)
        } else {
            format!("{}.{}", self.rtype, self.name)
        }
    }
}

#[derive(Debug, Clone)]
pub struct ModuleCallDef {
    pub name: String,
    pub block: Rc<Block>,
}

/// The merged declarations of one directory's files.
#[derive(Debug, Default)]
pub struct ModuleConfig {
    /// Display path of the directory ("" when loaded from text).
    pub dir: String,
    pub variables: Vec<VariableDef>,
    pub locals: HashMap<String, Attr>,
    pub outputs: HashMap<String, Attr>,
    pub resources: Vec<ResourceDef>,
    /// `type.name` (or `data.type.name`) → index in `resources`.
    pub resource_index: HashMap<String, usize>,
    pub module_calls: Vec<ModuleCallDef>,
    pub problems: Vec<Problem>,
}

impl ModuleConfig {
    pub fn variable(&self, name: &str) -> Option<&VariableDef> {
        self.variables.iter().find(|v| v.name == name)
    }

    pub fn module_call(&self, name: &str) -> Option<(usize, &ModuleCallDef)> {
        self.module_calls
            .iter()
            .enumerate()
            .find(|(_, m)| m.name == name)
    }

    /// Add the top-level blocks of one file.
    pub fn add_file(&mut self, mut body: Body) {
        self.problems.append(&mut body.notes);
        for block in body.blocks {
            match block.kind.as_str() {
                "variable" => {
                    let Some(name) = block.label(0).map(str::to_string) else {
                        continue;
                    };
                    if self.variable(&name).is_some() {
                        self.problems.push(Problem::invalid(
                            format!("variable `{name}` is declared twice"),
                            block.span,
                        ));
                        continue;
                    }
                    self.variables.push(VariableDef {
                        name,
                        default: block.body.attr("default").cloned(),
                        type_expr: block.body.attr("type").cloned(),
                        span: block.span,
                    });
                }
                "locals" => {
                    for attr in block.body.attrs {
                        if self.locals.contains_key(&attr.name) {
                            self.problems.push(Problem::invalid(
                                format!("local value `{}` is defined twice", attr.name),
                                attr.span,
                            ));
                            continue;
                        }
                        self.locals.insert(attr.name.clone(), attr);
                    }
                }
                "output" => {
                    let (Some(name), Some(value)) = (block.label(0), block.body.attr("value"))
                    else {
                        continue;
                    };
                    self.outputs.insert(name.to_string(), value.clone());
                }
                "resource" | "data" => {
                    let (Some(rtype), Some(name)) = (block.label(0), block.label(1)) else {
                        continue;
                    };
                    let def = ResourceDef {
                        rtype: rtype.to_string(),
                        name: name.to_string(),
                        data: block.kind == "data",
                        block: Rc::new(block.clone()),
                    };
                    let address = def.address();
                    if self.resource_index.contains_key(&address) {
                        self.problems.push(Problem::invalid(
                            format!("`{address}` is declared twice"),
                            block.span,
                        ));
                        continue;
                    }
                    self.resource_index.insert(address, self.resources.len());
                    self.resources.push(def);
                }
                "module" => {
                    let Some(name) = block.label(0).map(str::to_string) else {
                        continue;
                    };
                    if self.module_call(&name).is_some() {
                        self.problems.push(Problem::invalid(
                            format!("module `{name}` is called twice"),
                            block.span,
                        ));
                        continue;
                    }
                    self.module_calls.push(ModuleCallDef {
                        name,
                        block: Rc::new(block),
                    });
                }
                _ => {}
            }
        }
    }
}

impl ModuleConfig {
    /// Merge the top-level blocks of an override file (`override.tf`, `*_override.tf`) the way
    /// Terraform does: each argument replaces the original's, each nested block type replaces
    /// all of the original's blocks of that type, locals replace locals of the same name. An
    /// override without its base block is an error, as in Terraform.
    pub fn add_override_file(&mut self, body: Body) {
        for block in body.blocks {
            match block.kind.as_str() {
                "resource" | "data" => {
                    let (Some(rtype), Some(name)) = (block.label(0), block.label(1)) else {
                        continue;
                    };
                    let prefix = if block.kind == "data" { "data." } else { "" };
                    let address = format!("{prefix}{rtype}.{name}");
                    let Some(def) = self
                        .resource_index
                        .get(&address)
                        .and_then(|i| self.resources.get_mut(*i))
                    else {
                        self.problems.push(Problem::invalid(
                            format!("override of `{address}`, which no other file declares (Terraform rejects this)"),
                            block.span,
                        ));
                        continue;
                    };
                    def.block = Rc::new(merge_block(&def.block, &block));
                }
                "module" => {
                    let Some(name) = block.label(0) else { continue };
                    match self.module_calls.iter_mut().find(|m| m.name == name) {
                        Some(call) => call.block = Rc::new(merge_block(&call.block, &block)),
                        None => self.problems.push(Problem::invalid(
                            format!("override of module `{name}`, which no other file calls (Terraform rejects this)"),
                            block.span,
                        )),
                    }
                }
                "locals" => {
                    for attr in block.body.attrs {
                        self.locals.insert(attr.name.clone(), attr);
                    }
                }
                "variable" => {
                    let Some(name) = block.label(0) else { continue };
                    match self.variables.iter_mut().find(|v| v.name == name) {
                        Some(v) => {
                            if let Some(d) = block.body.attr("default") {
                                v.default = Some(d.clone());
                            }
                            if let Some(t) = block.body.attr("type") {
                                v.type_expr = Some(t.clone());
                            }
                        }
                        None => self.problems.push(Problem::invalid(
                            format!("override of variable `{name}`, which no other file declares (Terraform rejects this)"),
                            block.span,
                        )),
                    }
                }
                "output" => {
                    if let (Some(name), Some(value)) = (block.label(0), block.body.attr("value")) {
                        self.outputs.insert(name.to_string(), value.clone());
                    }
                }
                _ => {}
            }
        }
    }
}

/// The block type a nested block stands for (`dynamic "security_rule"` is a `security_rule`).
fn nested_type(b: &Block) -> &str {
    if b.kind == "dynamic" {
        b.label(0).unwrap_or("dynamic")
    } else {
        &b.kind
    }
}

/// `base` with `over`'s arguments and nested block types put in their place.
fn merge_block(base: &Block, over: &Block) -> Block {
    let mut merged = base.clone();
    for attr in &over.body.attrs {
        match merged.body.attrs.iter_mut().find(|a| a.name == attr.name) {
            Some(a) => *a = attr.clone(),
            None => merged.body.attrs.push(attr.clone()),
        }
    }
    let replaced: Vec<&str> = over.body.blocks.iter().map(nested_type).collect();
    merged
        .body
        .blocks
        .retain(|b| !replaced.contains(&nested_type(b)));
    merged.body.blocks.extend(over.body.blocks.iter().cloned());
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::terraform::parse::parse_body;
    use crate::source::FileId;

    #[test]
    fn overrides_replace_arguments_and_whole_nested_block_types() {
        let mut c = ModuleConfig::default();
        c.add_file(
            parse_body(
                FileId(0),
                "resource \"t\" \"x\" {\n  a = 1\n  b = 2\n  r { n = 1 }\n  r { n = 2 }\n  k { n = 3 }\n}\nlocals {\n  l = 1\n  m = 2\n}\n",
            )
            .unwrap(),
        );
        c.add_override_file(
            parse_body(
                FileId(1),
                "resource \"t\" \"x\" {\n  b = 20\n  c = 30\n  dynamic \"r\" {\n    for_each = []\n    content {}\n  }\n}\nlocals {\n  m = 20\n}\nresource \"t\" \"missing\" {}\n",
            )
            .unwrap(),
        );
        let block = &c.resources[0].block;
        let attrs: Vec<(&str, FileId)> = block
            .body
            .attrs
            .iter()
            .map(|a| (a.name.as_str(), a.span.file))
            .collect();
        assert_eq!(
            attrs,
            vec![("a", FileId(0)), ("b", FileId(1)), ("c", FileId(1))]
        );
        let kinds: Vec<&str> = block.body.blocks.iter().map(nested_type).collect();
        assert_eq!(
            kinds,
            vec!["k", "r"],
            "both `r` blocks replaced by the dynamic one"
        );
        assert_eq!(c.locals["m"].span.file, FileId(1));
        assert_eq!(c.locals["l"].span.file, FileId(0));
        assert!(c.problems.iter().any(|p| p.message.contains("t.missing")));
    }
}

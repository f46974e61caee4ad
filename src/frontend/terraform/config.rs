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

//! Terraform's JSON syntax (`.tf.json`) to [`ast`](super::ast).
//!
//! Block types are the top-level keys; each label level is one object level. Inside a block,
//! every property becomes an attribute: JSON cannot tell a nested block from an attribute
//! holding an object, and the resource mapping reads nested blocks from either form (the
//! azurerm schema's attribute-as-blocks form). Strings are templates (`"${var.x}"`), except
//! variable defaults, which are literal. `dynamic` blocks in JSON syntax are not expanded.

use super::ast::{Attr, Block, Body, Expr, ExprKind, Label, ObjKey, Part};
use super::parse::{self, SyntaxError};
use crate::frontend::json::{self, Json, Node};
use crate::source::{FileId, Span};

/// Labels each top-level block type takes.
fn label_count(kind: &str) -> Option<usize> {
    match kind {
        "resource" | "data" => Some(2),
        "variable" | "module" | "output" | "provider" => Some(1),
        "locals" | "terraform" => Some(0),
        _ => None,
    }
}

pub fn parse_config(file: FileId, text: &str) -> Result<Body, SyntaxError> {
    let root = json::parse(text, false).map_err(|e| SyntaxError {
        message: e.message.clone(),
        offset: e.offset as usize,
    })?;
    let conv = Conv { file, text };
    let mut body = Body::empty(conv.span(&root));
    let Json::Object(members) = &root.value else {
        return Err(SyntaxError {
            message: "a .tf.json file must hold a JSON object".into(),
            offset: root.start as usize,
        });
    };
    for m in members.iter() {
        let Some(levels) = label_count(&m.key) else {
            continue;
        };
        conv.blocks(&m.key, levels, &m.value, Vec::new(), &mut body.blocks)?;
    }
    Ok(body)
}

/// Literal values of a `.tfvars.json` file as an attribute body.
pub fn parse_tfvars(file: FileId, text: &str) -> Result<Body, SyntaxError> {
    let root = json::parse(text, false).map_err(|e| SyntaxError {
        message: e.message.clone(),
        offset: e.offset as usize,
    })?;
    let conv = Conv { file, text };
    let Json::Object(members) = &root.value else {
        return Err(SyntaxError {
            message: "a .tfvars.json file must hold a JSON object".into(),
            offset: root.start as usize,
        });
    };
    let mut body = Body::empty(conv.span(&root));
    for m in members.iter() {
        body.attrs.push(Attr {
            name: m.key.to_string(),
            name_span: Span::new(file, m.key_start as usize, m.key_end as usize),
            expr: conv.literal(&m.value),
            span: Span::new(file, m.key_start as usize, m.value.end as usize),
        });
    }
    Ok(body)
}

struct Conv<'a> {
    file: FileId,
    text: &'a str,
}

impl Conv<'_> {
    fn span(&self, node: &Node) -> Span {
        Span::new(self.file, node.start as usize, node.end as usize)
    }

    /// One block type's value: `levels` more label levels, then bodies (an array means several).
    fn blocks(
        &self,
        kind: &str,
        levels: usize,
        node: &Node,
        labels: Vec<Label>,
        out: &mut Vec<Block>,
    ) -> Result<(), SyntaxError> {
        match &node.value {
            Json::Array(items) => {
                for item in items {
                    self.blocks(kind, levels, item, labels.clone(), out)?;
                }
                Ok(())
            }
            Json::Object(members) if levels > 0 => {
                for m in members.iter() {
                    let mut labels = labels.clone();
                    labels.push(Label {
                        text: m.key.to_string(),
                        span: Span::new(self.file, m.key_start as usize, m.key_end as usize),
                    });
                    self.blocks(kind, levels - 1, &m.value, labels, out)?;
                }
                Ok(())
            }
            Json::Object(members) => {
                let mut body = Body::empty(self.span(node));
                for m in members.iter() {
                    if m.key.as_ref() == "//" {
                        continue;
                    }
                    let literal = kind == "variable" && m.key.as_ref() == "default";
                    let expr = if literal {
                        self.literal(&m.value)
                    } else if kind == "variable" && m.key.as_ref() == "type" {
                        self.type_expr(&m.value)?
                    } else {
                        self.expr(&m.value)?
                    };
                    body.attrs.push(Attr {
                        name: m.key.to_string(),
                        name_span: Span::new(self.file, m.key_start as usize, m.key_end as usize),
                        expr,
                        span: Span::new(self.file, m.key_start as usize, m.value.end as usize),
                    });
                }
                out.push(Block {
                    kind: kind.to_string(),
                    labels,
                    body,
                    span: self.span(node),
                });
                Ok(())
            }
            _ => Err(SyntaxError {
                message: format!("a `{kind}` block must be a JSON object"),
                offset: node.start as usize,
            }),
        }
    }

    /// A value whose strings are templates.
    fn expr(&self, node: &Node) -> Result<Expr, SyntaxError> {
        let span = self.span(node);
        let kind = match &node.value {
            Json::String(s) => {
                let base = (node.start as usize + 1).min(self.text.len());
                let parts = parse::parse_template(self.file, s, base, self.text.len())?;
                match parts.as_slice() {
                    [] => ExprKind::Str(String::new()),
                    [Part::Lit(l)] => ExprKind::Str(l.clone()),
                    _ => ExprKind::Template(parts),
                }
            }
            Json::Array(items) => ExprKind::Array(
                items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<_, _>>()?,
            ),
            Json::Object(members) => ExprKind::Object(
                members
                    .iter()
                    .filter(|m| m.key.as_ref() != "//")
                    .map(|m| {
                        let key = ObjKey::Ident(
                            m.key.to_string(),
                            Span::new(self.file, m.key_start as usize, m.key_end as usize),
                        );
                        Ok((key, self.expr(&m.value)?))
                    })
                    .collect::<Result<_, SyntaxError>>()?,
            ),
            _ => return Ok(self.literal(node)),
        };
        Ok(Expr::new(kind, span))
    }

    fn type_expr(&self, node: &Node) -> Result<Expr, SyntaxError> {
        match &node.value {
            Json::String(s) => {
                let base = (node.start as usize + 1).min(self.text.len());
                parse::parse_expr_at(self.file, s, base, self.text.len())
            }
            _ => Ok(self.literal(node)),
        }
    }

    /// A value taken literally (variable defaults, tfvars).
    fn literal(&self, node: &Node) -> Expr {
        let span = self.span(node);
        let kind = match &node.value {
            Json::Lazy(l) => return self.literal(l.node()),
            Json::Null => ExprKind::Null,
            Json::Bool(b) => ExprKind::Bool(*b),
            Json::Number(n) => match n.parse::<f64>() {
                Ok(f) => ExprKind::Num(f),
                Err(_) => ExprKind::Null,
            },
            Json::String(s) => ExprKind::Str(s.to_string()),
            Json::Array(items) => ExprKind::Array(items.iter().map(|i| self.literal(i)).collect()),
            Json::Object(members) => ExprKind::Object(
                members
                    .iter()
                    .map(|m| {
                        (
                            ObjKey::Ident(
                                m.key.to_string(),
                                Span::new(self.file, m.key_start as usize, m.key_end as usize),
                            ),
                            self.literal(&m.value),
                        )
                    })
                    .collect(),
            ),
        };
        Expr::new(kind, span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_variables_and_templates() {
        let text = r#"{
  "variable": {"rg": {"default": "${not a template}", "type": "string"}},
  "resource": {"azurerm_network_security_group": {"cs": {
      "name": "nsg-${var.rg}",
      "security_rule": [{"name": "AllowLB", "priority": 200}]
  }}}
}"#;
        let body = parse_config(FileId(1), text).unwrap();
        assert_eq!(body.blocks.len(), 2);
        let var = &body.blocks[0];
        assert_eq!(var.label(0), Some("rg"));
        assert!(
            matches!(var.body.attr("default").unwrap().expr.kind, ExprKind::Str(ref s) if s == "${not a template}")
        );
        assert!(
            matches!(var.body.attr("type").unwrap().expr.kind, ExprKind::Var(ref s) if s == "string")
        );
        let nsg = &body.blocks[1];
        assert_eq!(nsg.label(1), Some("cs"));
        assert!(matches!(
            nsg.body.attr("name").unwrap().expr.kind,
            ExprKind::Template(_)
        ));
        assert!(matches!(
            nsg.body.attr("security_rule").unwrap().expr.kind,
            ExprKind::Array(_)
        ));
    }

    #[test]
    fn non_object_root_is_a_syntax_error() {
        assert!(parse_config(FileId(1), "[1]").is_err());
        assert!(parse_config(FileId(1), "{").is_err());
    }
}

//! Native HCL syntax (`.tf`, `.tfvars`) to [`ast`](super::ast), keeping byte spans.
//!
//! hcl-edit parses with spans and bounds nesting depth itself, so hostile input cannot overflow
//! the stack here; this module only converts its tree into ours.

use std::ops::Range;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{BlockLabel, Structure};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

use super::ast::{Attr, Block, Body, Expr, ExprKind, ForExpr, Label, ObjKey, Part, TOp};
use crate::source::{FileId, Span};

mod dup_keys;

/// A syntax error: message and byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub offset: usize,
}

/// Parse a whole `.tf` or `.tfvars` file.
///
/// Terraform accepts an object constructor that repeats a key (the last value wins); hcl-edit
/// rejects it. Each repeated key hcl-edit reports is renamed, in a copy of the text, to a
/// placeholder of the same length (so every span stays put) and mapped back to its name when
/// converting; the members keep their order, so evaluation lets the last one win. Each gets
/// a note.
pub fn parse_body(file: FileId, text: &str) -> Result<Body, SyntaxError> {
    let mut renamed = dup_keys::Renamed::default();
    let mut patched: Option<String> = None;
    let body = loop {
        let current = patched.as_deref().unwrap_or(text);
        match hcl_edit::parser::parse_body(current) {
            Ok(body) => break body,
            Err(e) => {
                let offset = e.location().offset();
                let error = SyntaxError {
                    message: e.message().to_string(),
                    offset,
                };
                if !e.message().contains("redefined object key") {
                    return Err(error);
                }
                match renamed.rename(current, offset) {
                    Some(next) => patched = Some(next),
                    None => return Err(error),
                }
            }
        }
    };
    let conv = Conv {
        file,
        base: 0,
        len: text.len(),
        renamed: &renamed,
    };
    let mut out = conv.body(&body, 0..text.len());
    out.notes = renamed.notes(file);
    Ok(out)
}

/// The byte ranges of the comments (`#`, `//`, `/* */`) of a native HCL file. hcl-edit knows
/// where every string, template and heredoc is — the only places a comment marker can be
/// text — so markers outside them start comments. Empty when the file does not parse.
pub fn comments(text: &str) -> Vec<Range<usize>> {
    use hcl_edit::visit::{visit_heredoc_template, visit_string_template, Visit};
    struct Literals(Vec<Range<usize>>);
    impl Visit for Literals {
        fn visit_string(&mut self, node: &hcl_edit::Decorated<String>) {
            self.0.extend(node.span());
        }
        fn visit_string_template(&mut self, node: &hcl_edit::template::StringTemplate) {
            self.0.extend(node.span());
            visit_string_template(self, node);
        }
        fn visit_heredoc_template(&mut self, node: &hcl_edit::template::HeredocTemplate) {
            self.0.extend(node.span());
            visit_heredoc_template(self, node);
        }
    }
    let Ok(body) = hcl_edit::parser::parse_body(text) else {
        return Vec::new();
    };
    let mut literals = Literals(Vec::new());
    literals.visit_body(&body);
    let mut nested = literals.0;
    nested.sort_by_key(|r| r.start);
    // Disjoint and sorted, so each lookup is a binary search.
    let mut spans: Vec<Range<usize>> = Vec::with_capacity(nested.len());
    for r in nested {
        match spans.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => spans.push(r),
        }
    }
    let bytes = text.as_bytes();
    let in_literal = |at: usize| {
        let i = spans.partition_point(|r| r.start <= at);
        i > 0 && spans.get(i - 1).is_some_and(|r| at < r.end)
    };
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let two = bytes.get(at..at + 2);
        let end = match (bytes.get(at), two) {
            (Some(b'#'), _) | (_, Some(b"//")) if !in_literal(at) => text
                .get(at..)
                .and_then(|rest| rest.find('\n'))
                .map_or(bytes.len(), |n| at + n),
            (_, Some(b"/*")) if !in_literal(at) => text
                .get(at + 2..)
                .and_then(|rest| rest.find("*/"))
                .map_or(bytes.len(), |n| at + 2 + n + 2),
            _ => {
                at += 1;
                continue;
            }
        };
        out.push(at..end);
        at = end;
    }
    out
}

/// Parse a template string (the value of a `.tf.json` string), whose text starts at byte
/// `base` of the file. Spans are mapped back into the file, approximately where the JSON string
/// used escapes.
pub fn parse_template(
    file: FileId,
    text: &str,
    base: usize,
    file_len: usize,
) -> Result<Vec<Part>, SyntaxError> {
    let template = hcl_edit::parser::parse_template(text).map_err(|e| SyntaxError {
        message: e.message().to_string(),
        offset: base + e.location().offset(),
    })?;
    let conv = Conv {
        file,
        base,
        len: file_len,
        renamed: &dup_keys::Renamed::default(),
    };
    Ok(conv.template(&template, 0..text.len()))
}

/// Parse one expression (a `--var` value of a complex type, a variable's `type` in JSON
/// syntax) whose text starts at byte `base` of a file of `file_len` bytes.
pub fn parse_expr_at(
    file: FileId,
    text: &str,
    base: usize,
    file_len: usize,
) -> Result<Expr, SyntaxError> {
    let expr = hcl_edit::parser::parse_expr(text).map_err(|e| SyntaxError {
        message: e.message().to_string(),
        offset: base + e.location().offset(),
    })?;
    let conv = Conv {
        file,
        base,
        len: file_len,
        renamed: &dup_keys::Renamed::default(),
    };
    Ok(conv.expr(&expr, 0..text.len()))
}

struct Conv<'r> {
    file: FileId,
    base: usize,
    len: usize,
    renamed: &'r dup_keys::Renamed,
}

impl Conv<'_> {
    fn span(&self, range: Option<Range<usize>>, fallback: &Range<usize>) -> Span {
        let r = range.unwrap_or_else(|| fallback.clone());
        let start = (self.base + r.start).min(self.len);
        let end = (self.base + r.end).min(self.len);
        Span::new(self.file, start, end)
    }

    fn body(&self, body: &hcl_edit::structure::Body, fallback: Range<usize>) -> Body {
        let span = self.span(body.span(), &fallback);
        let mut out = Body::empty(span);
        for structure in body.iter() {
            match structure {
                Structure::Attribute(a) => {
                    let range = a.span().unwrap_or_else(|| fallback.clone());
                    let expr = self.expr(&a.value, range.clone());
                    out.attrs.push(Attr {
                        name: a.key.value().to_string(),
                        name_span: self.span(a.key.span(), &range),
                        expr,
                        span: self.span(Some(range.clone()), &range),
                    });
                }
                Structure::Block(b) => {
                    let range = b.span().unwrap_or_else(|| fallback.clone());
                    let labels = b
                        .labels
                        .iter()
                        .map(|l| {
                            let (text, sp) = match l {
                                BlockLabel::Ident(i) => (i.value().to_string(), i.span()),
                                BlockLabel::String(s) => (s.value().to_string(), s.span()),
                            };
                            Label {
                                text,
                                span: self.span(sp, &range),
                            }
                        })
                        .collect();
                    out.blocks.push(Block {
                        kind: b.ident.value().to_string(),
                        labels,
                        body: self.body(&b.body, range.clone()),
                        span: self.span(Some(range.clone()), &range),
                    });
                }
            }
        }
        out
    }

    fn expr(&self, e: &Expression, fallback: Range<usize>) -> Expr {
        let range = e.span().unwrap_or(fallback);
        let span = self.span(Some(range.clone()), &range);
        let kind = match e {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(b) => ExprKind::Bool(*b.value()),
            Expression::Number(n) => match n.value().as_f64() {
                Some(f) => ExprKind::Num(f),
                None => ExprKind::Null,
            },
            Expression::String(s) => ExprKind::Str(s.value().to_string()),
            Expression::Array(a) => {
                ExprKind::Array(a.iter().map(|x| self.expr(x, range.clone())).collect())
            }
            Expression::Object(o) => ExprKind::Object(
                o.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            ObjectKey::Ident(i) => {
                                let span = self.span(i.span(), &range);
                                let name = self.renamed.original(span.start as usize);
                                ObjKey::Ident(name.unwrap_or(i.value()).to_string(), span)
                            }
                            ObjectKey::Expression(x) => {
                                let key = self.expr(x, range.clone());
                                match self.renamed.original(key.span.start as usize) {
                                    Some(name) => ObjKey::Ident(name.to_string(), key.span),
                                    None => ObjKey::Expr(key),
                                }
                            }
                        };
                        (key, self.expr(v.expr(), range.clone()))
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => ExprKind::Template(self.template(t, range.clone())),
            Expression::HeredocTemplate(h) => {
                let mut h = (**h).clone();
                h.dedent();
                ExprKind::Template(self.template(&h.template, range.clone()))
            }
            Expression::Parenthesis(p) => return self.expr(p.inner(), range),
            Expression::Variable(v) => ExprKind::Var(v.value().to_string()),
            Expression::Conditional(c) => ExprKind::Cond(
                Box::new(self.expr(&c.cond_expr, range.clone())),
                Box::new(self.expr(&c.true_expr, range.clone())),
                Box::new(self.expr(&c.false_expr, range.clone())),
            ),
            Expression::FuncCall(f) => {
                let mut name = String::new();
                for ns in &f.name.namespace {
                    name.push_str(ns.value().as_str());
                    name.push_str("::");
                }
                name.push_str(f.name.name.value().as_str());
                ExprKind::Call {
                    name,
                    args: f.args.iter().map(|a| self.expr(a, range.clone())).collect(),
                    expand: f.args.expand_final(),
                }
            }
            Expression::Traversal(t) => {
                let ops = t
                    .operators
                    .iter()
                    .map(|op| {
                        let op_span = self.span(op.span(), &range);
                        match op.value() {
                            TraversalOperator::AttrSplat(_) => TOp::AttrSplat(op_span),
                            TraversalOperator::FullSplat(_) => TOp::FullSplat(op_span),
                            TraversalOperator::GetAttr(i) => {
                                TOp::Attr(i.value().to_string(), op_span)
                            }
                            TraversalOperator::Index(x) => TOp::Index(self.expr(x, range.clone())),
                            TraversalOperator::LegacyIndex(n) => {
                                TOp::Index(Expr::new(ExprKind::Num(*n.value() as f64), op_span))
                            }
                        }
                    })
                    .collect();
                ExprKind::Traversal(Box::new(self.expr(&t.expr, range.clone())), ops)
            }
            Expression::UnaryOp(u) => ExprKind::Unary(
                *u.operator.value(),
                Box::new(self.expr(&u.expr, range.clone())),
            ),
            Expression::BinaryOp(b) => ExprKind::Binary(
                *b.operator.value(),
                Box::new(self.expr(&b.lhs_expr, range.clone())),
                Box::new(self.expr(&b.rhs_expr, range.clone())),
            ),
            Expression::ForExpr(f) => {
                let intro = &f.intro;
                ExprKind::For(Box::new(ForExpr {
                    key_var: intro.key_var.as_ref().map(|k| k.value().to_string()),
                    value_var: intro.value_var.value().to_string(),
                    collection: self.expr(&intro.collection_expr, range.clone()),
                    key: f.key_expr.as_ref().map(|k| self.expr(k, range.clone())),
                    value: self.expr(&f.value_expr, range.clone()),
                    cond: f.cond.as_ref().map(|c| self.expr(&c.expr, range.clone())),
                    grouping: f.grouping,
                }))
            }
        };
        Expr::new(kind, span)
    }

    fn template(&self, t: &Template, range: Range<usize>) -> Vec<Part> {
        t.iter()
            .map(|el| match el {
                Element::Literal(l) => Part::Lit(l.value().to_string()),
                Element::Interpolation(i) => Part::Interp(self.expr(&i.expr, range.clone())),
                Element::Directive(d) => match &**d {
                    Directive::If(d) => Part::If {
                        cond: self.expr(&d.if_expr.cond_expr, range.clone()),
                        then: self.template(&d.if_expr.template, range.clone()),
                        otherwise: d
                            .else_expr
                            .as_ref()
                            .map(|e| self.template(&e.template, range.clone()))
                            .unwrap_or_default(),
                    },
                    Directive::For(d) => Part::For {
                        key_var: d.for_expr.key_var.as_ref().map(|k| k.value().to_string()),
                        value_var: d.for_expr.value_var.value().to_string(),
                        collection: self.expr(&d.for_expr.collection_expr, range.clone()),
                        body: self.template(&d.for_expr.template, range.clone()),
                    },
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Body {
        parse_body(FileId(1), text).unwrap()
    }

    #[test]
    fn comments_are_found_outside_strings_only() {
        let text = "# one\na = \"x # not // a comment\" // two\nb = <<EOT\n# not\nEOT\n/* three */ c = 1\n";
        let found: Vec<&str> = comments(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, vec!["# one", "// two", "/* three */"]);
    }

    #[test]
    fn blocks_attributes_and_spans() {
        let text = "resource \"azurerm_subnet\" \"roles\" {\n  name = \"roles\"\n}\n";
        let body = parse(text);
        let block = &body.blocks[0];
        assert_eq!(block.kind, "resource");
        assert_eq!(block.label(0), Some("azurerm_subnet"));
        assert_eq!(block.label(1), Some("roles"));
        let attr = block.body.attr("name").unwrap();
        assert_eq!(
            &text[attr.expr.span.start as usize..attr.expr.span.end as usize],
            "\"roles\""
        );
        assert_eq!(
            &text[block.span.start as usize..block.span.end as usize],
            text.trim_end()
        );
    }

    #[test]
    fn syntax_errors_carry_an_offset() {
        let err = parse_body(FileId(1), "a = {\n").unwrap_err();
        assert!(err.offset <= 6);
        assert!(!err.message.is_empty());
    }

    #[test]
    fn traversals_templates_and_for_expressions() {
        let body = parse(
            "a = azurerm_subnet.x[0].id\nb = \"${var.p}-nsg\"\nc = [for r in local.rules : r.name if r.on]\n",
        );
        assert!(
            matches!(body.attr("a").unwrap().expr.kind, ExprKind::Traversal(_, ref ops) if ops.len() == 3)
        );
        assert!(
            matches!(body.attr("b").unwrap().expr.kind, ExprKind::Template(ref parts) if parts.len() == 2)
        );
        assert!(matches!(
            body.attr("c").unwrap().expr.kind,
            ExprKind::For(_)
        ));
    }
}

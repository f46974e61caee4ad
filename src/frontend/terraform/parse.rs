//! Native HCL syntax (`.tf`, `.tfvars`) to [`ast`](super::ast), keeping byte spans.
//!
//! hcl-edit parses with spans and bounds nesting depth itself, so hostile input cannot overflow
//! the stack here; this module only converts its tree into ours.

use std::cell::Cell;
use std::ops::Range;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{BlockLabel, Structure};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

use super::ast::{Attr, Block, Body, Expr, ExprKind, ForExpr, Label, ObjKey, Part, TOp};
use crate::source::{FileId, Span};

mod dup_keys;
pub mod literal_tuples;

/// A syntax error: message and byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub offset: usize,
}

/// Parse a whole `.tf` or `.tfvars` file.
///
/// Large tuples of plain literals are first taken out of the text hcl-edit parses
/// ([`literal_tuples`]) and become [`ExprKind::Literals`], read from the source when evaluated.
/// When hcl-edit does not find an empty tuple at every range taken, or the blanked text has a
/// syntax error, the original text is parsed instead: the pre-pass never changes the tree or
/// the error, only what it costs.
pub fn parse_body(file: FileId, text: &str) -> Result<Body, SyntaxError> {
    if let Some(body) = parse_taking(file, text, literal_tuples::MIN_ELEMENTS, Taking::Lazy) {
        return Ok(body);
    }
    parse_text(file, text, &Taken::none())
}

/// How a converted tree holds a taken tuple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taking {
    /// [`ExprKind::Literals`], read back by the evaluator.
    Lazy,
    /// The elements, read back at once (to compare with hcl-edit's own tree).
    Expanded,
}

/// The tree of `text` with tuples of `min_elements` or more taken out, or `None` when nothing
/// was taken or the blanked text does not stand for the original (see [`parse_body`]).
fn parse_taking(file: FileId, text: &str, min_elements: u32, how: Taking) -> Option<Body> {
    let blanked = literal_tuples::blank(text, min_elements)?;
    let taken = Taken {
        list: &blanked.taken,
        original: text,
        how,
        found: Cell::new(0),
    };
    let body = parse_text(file, &blanked.text, &taken).ok()?;
    (taken.found.get() == blanked.taken.len()).then_some(body)
}

/// Whether parsing `text` with tuples of `min_elements` or more literals taken out (and read
/// back at once) gives exactly hcl-edit's own tree: `Ok(true)` when it does, `Ok(false)` when
/// the pre-pass took nothing or fell back to the original text, `Err` with both trees when
/// they differ. For the tests and the fuzzer.
#[doc(hidden)]
pub fn prepass_agrees(text: &str, min_elements: u32) -> Result<bool, String> {
    let file = FileId(1);
    let Some(with) = parse_taking(file, text, min_elements, Taking::Expanded) else {
        return Ok(false);
    };
    match parse_text(file, text, &Taken::none()) {
        Ok(without) if without == with => Ok(true),
        without => Err(format!(
            "with the pre-pass: {with:?}\nhcl-edit alone: {without:?}"
        )),
    }
}

/// The tuples taken out of the text being parsed, and how many of them hcl-edit's tree had.
struct Taken<'t> {
    list: &'t [literal_tuples::Taken],
    original: &'t str,
    how: Taking,
    found: Cell<usize>,
}

impl Taken<'_> {
    fn none() -> Taken<'static> {
        Taken {
            list: &[],
            original: "",
            how: Taking::Lazy,
            found: Cell::new(0),
        }
    }
}

/// hcl-edit's tree of `text` converted, with the repeated keys Terraform allows (see
/// [`dup_keys`]).
///
/// Terraform accepts an object constructor that repeats a key (the last value wins); hcl-edit
/// rejects it. Each repeated key hcl-edit reports is renamed, in a copy of the text, to a
/// placeholder of the same length (so every span stays put) and mapped back to its name when
/// converting; the members keep their order, so evaluation lets the last one win. Each gets
/// a note.
fn parse_text(file: FileId, text: &str, taken: &Taken) -> Result<Body, SyntaxError> {
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
        taken,
    };
    let mut out = conv.body(&body, 0..text.len());
    out.notes = renamed.notes(file);
    Ok(out)
}

impl From<literal_tuples::Lit> for ExprKind {
    fn from(lit: literal_tuples::Lit) -> ExprKind {
        match lit {
            literal_tuples::Lit::Null => ExprKind::Null,
            literal_tuples::Lit::Bool(b) => ExprKind::Bool(b),
            literal_tuples::Lit::Num(n) => ExprKind::Num(n),
            literal_tuples::Lit::Str(s) => ExprKind::Str(s),
        }
    }
}

/// The byte ranges of the comments (`#`, `//`, `/* */`) of a native HCL file. hcl-edit knows
/// where every string, template and heredoc is — the only places a comment marker can be
/// text — so markers outside them start comments. Empty when the file does not parse.
pub fn comments(text: &str) -> Vec<Range<usize>> {
    use hcl_edit::visit::{visit_array, visit_heredoc_template, visit_string_template, Visit};
    #[derive(Default)]
    struct Literals {
        spans: Vec<Range<usize>>,
        empty_tuples: Vec<Range<usize>>,
    }
    impl Visit for Literals {
        fn visit_string(&mut self, node: &hcl_edit::Decorated<String>) {
            self.spans.extend(node.span());
        }
        fn visit_string_template(&mut self, node: &hcl_edit::template::StringTemplate) {
            self.spans.extend(node.span());
            visit_string_template(self, node);
        }
        fn visit_heredoc_template(&mut self, node: &hcl_edit::template::HeredocTemplate) {
            self.spans.extend(node.span());
            visit_heredoc_template(self, node);
        }
        fn visit_array(&mut self, node: &hcl_edit::expr::Array) {
            if node.is_empty() {
                self.empty_tuples.extend(node.span());
            }
            visit_array(self, node);
        }
    }
    let visit = |body: &hcl_edit::structure::Body| {
        let mut literals = Literals::default();
        literals.visit_body(body);
        literals
    };
    // The tuples the pre-pass takes (when hcl-edit sees each as an empty tuple) are literal
    // text here, and the comments inside them are the pre-pass's.
    let blanked = literal_tuples::blank(text, literal_tuples::MIN_ELEMENTS);
    let with_taken = blanked.as_ref().and_then(|b| {
        let literals = visit(&hcl_edit::parser::parse_body(&b.text).ok()?);
        let mut empty = literals.empty_tuples.clone();
        empty.sort_by_key(|r| r.start);
        let all_found = b.taken.iter().all(|t| {
            empty
                .binary_search_by_key(&t.range.start, |r| r.start)
                .is_ok_and(|i| empty.get(i).is_some_and(|r| r.end == t.range.end))
        });
        all_found.then_some((literals, b))
    });
    let (mut nested, inside) = match with_taken {
        Some((literals, b)) => {
            let mut spans = literals.spans;
            spans.extend(b.taken.iter().map(|t| t.range.clone()));
            (spans, b.comments.as_slice())
        }
        None => match hcl_edit::parser::parse_body(text) {
            Ok(body) => (visit(&body).spans, &[][..]),
            Err(_) => return Vec::new(),
        },
    };
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
    if !inside.is_empty() {
        out.extend_from_slice(inside);
        out.sort_by_key(|r| r.start);
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
        taken: &Taken::none(),
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
        taken: &Taken::none(),
    };
    Ok(conv.expr(&expr, 0..text.len()))
}

struct Conv<'r> {
    file: FileId,
    base: usize,
    len: usize,
    renamed: &'r dup_keys::Renamed,
    taken: &'r Taken<'r>,
}

impl Conv<'_> {
    /// The tuple taken out at exactly `range` (an empty tuple to hcl-edit), counted as found.
    fn taken_at(&self, range: &Range<usize>) -> Option<ExprKind> {
        let (start, end) = (self.base + range.start, self.base + range.end);
        let list = self.taken.list;
        let i = list.partition_point(|t| t.range.start < start);
        let t = list
            .get(i)
            .filter(|t| t.range.start == start && t.range.end == end)?;
        self.taken.found.set(self.taken.found.get() + 1);
        Some(match self.taken.how {
            Taking::Lazy => ExprKind::Literals(t.count),
            Taking::Expanded => {
                let tuple = self.taken.original.get(t.range.clone()).unwrap_or_default();
                match literal_tuples::read_back(tuple, t.range.start) {
                    Some(items) => ExprKind::Array(
                        items
                            .into_iter()
                            .map(|(lit, r)| {
                                Expr::new(lit.into(), Span::new(self.file, r.start, r.end))
                            })
                            .collect(),
                    ),
                    // A tuple the pre-pass took but cannot read back: shows as a difference.
                    None => ExprKind::Var("<unreadable literal tuple>".into()),
                }
            }
        })
    }

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
            Expression::Array(a) => match self.taken_at(&range).filter(|_| a.is_empty()) {
                Some(kind) => kind,
                None => ExprKind::Array(a.iter().map(|x| self.expr(x, range.clone())).collect()),
            },
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

    /// A tuple of `n` literals, each written with spaces, line breaks or comments around it.
    fn big_tuple(n: usize, item: &str) -> String {
        let items: Vec<String> = (0..n).map(|i| item.replace('N', &i.to_string())).collect();
        format!("[\n  {}, # last\n]", items.join(",\n  "))
    }

    #[test]
    fn large_literal_tuples_are_left_in_the_source() {
        let text = format!(
            "locals {{\n  a = {}\n  b = [1, local.x]\n}}\n",
            big_tuple(100, "\"10.0.N.0/24\"")
        );
        let body = parse(&text);
        let a = &body.blocks[0].body.attr("a").unwrap().expr;
        assert_eq!(a.kind, ExprKind::Literals(100));
        assert_eq!(
            &text[a.span.start as usize..a.span.end as usize],
            big_tuple(100, "\"10.0.N.0/24\"")
        );
        assert_eq!(prepass_agrees(&text, MIN), Ok(true));
    }

    #[test]
    fn comments_inside_large_literal_tuples_are_found() {
        let text = format!(
            "a = {} # nsgate:ignore NSG001\nb = \"# not\"\n",
            big_tuple(70, "\"x#N\" /* c */")
        );
        let found: Vec<&str> = comments(&text).into_iter().map(|r| &text[r]).collect();
        let mut expected = vec!["/* c */"; 70];
        expected.push("# last");
        expected.push("# nsgate:ignore NSG001");
        assert_eq!(found, expected);
    }

    #[test]
    fn syntax_errors_inside_or_around_literal_tuples_are_hcl_edits() {
        for text in [
            format!("a = x{}\n", big_tuple(70, "N")),
            format!("a = {}\n", big_tuple(70, "N").replace("69", "6 9")),
            format!("a = {}\n", big_tuple(70, "\"\\qN\"")),
            format!("a = [{}\n", big_tuple(70, "N")),
        ] {
            let plain = parse_text(FileId(1), &text, &Taken::none()).unwrap_err();
            assert_eq!(parse_body(FileId(1), &text).unwrap_err(), plain, "{text}");
        }
    }

    /// Smallest tuple taken in the differential tests: every tuple, to exercise the pre-pass.
    const MIN: u32 = 1;

    mod differential {
        use super::*;
        use crate::frontend::terraform::context::Evaluator;
        use crate::frontend::terraform::fs::MemFs;
        use crate::source::Sources;
        use proptest::prelude::*;

        fn element() -> impl Strategy<Value = String> {
            let piece = prop::sample::select(vec![
                "a",
                "é",
                "\\n",
                "\\\"",
                "\\\\",
                "\\t",
                "\\u00e9",
                "\\U0001F600",
                "$${x}",
                "%%{y}",
                "#",
                "//",
                "/*",
                "*/",
                "[",
                "]",
                ",",
                "$",
                "%",
                " ",
                "}",
                "<<EOT",
            ]);
            prop_oneof![
                any::<u64>().prop_map(|n| n.to_string()),
                any::<i32>().prop_map(|n| n.to_string()),
                (0u32..1000, 0u32..1000, -30i32..30).prop_map(|(a, b, e)| format!("{a}.{b}e{e}")),
                (1u32..9, 0usize..30).prop_map(|(d, z)| format!("{d}{}", "0".repeat(z))),
                prop::collection::vec(piece, 0..6).prop_map(|p| format!("\"{}\"", p.concat())),
                prop::sample::select(vec!["true", "false", "null", "-0", "0.0"])
                    .prop_map(String::from),
            ]
        }

        fn tuple() -> impl Strategy<Value = String> {
            let sep =
                prop::sample::select(vec![", ", ",\n  ", " , # c [1]\n", ",/* c ] */", ",\r\n"]);
            (prop::collection::vec((element(), sep), 1..8), any::<bool>()).prop_map(
                |(items, trailing)| {
                    let mut out = String::from("[");
                    for (i, (item, sep)) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(sep);
                        }
                        out.push_str(item);
                    }
                    if trailing {
                        out.push(',');
                    }
                    out.push(']');
                    out
                },
            )
        }

        /// Where a tuple can stand in a body (`@`), all of them valid HCL.
        fn context() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec![
                "@",
                "[@, local.x]",
                "[@, @]",
                "{ k = @, \"q\" = [@] }",
                "f(@, 1)",
                "\"${length(@)} $${x} %{ for v in @ }${v}%{ endfor }\"",
                "[for v in @ : v if v != null]",
                "<<-EOT\n  ${@}\n  EOT",
                "@[0]",
                "local.x ? @ : []",
            ])
        }

        fn body() -> impl Strategy<Value = String> {
            (tuple(), prop::collection::vec((context(), tuple()), 0..5)).prop_map(
                |(first, attrs)| {
                    std::iter::once(("@", first))
                        .chain(attrs)
                        .collect::<Vec<_>>()
                        .iter()
                        .enumerate()
                        .map(|(i, (ctx, t))| format!("a{i} = {}\n", ctx.replace('@', t)))
                        .collect::<Vec<_>>()
                        .join("block \"x\" {\n}\n")
                },
            )
        }

        proptest! {
            #[test]
            fn the_prepass_keeps_hcl_edits_tree(text in body()) {
                prop_assert_eq!(prepass_agrees(&text, MIN), Ok(true), "{}", text);
            }

            #[test]
            fn the_prepass_never_changes_a_tree_or_an_error(
                text in (body(), prop::sample::select(vec!["", "x", "[", "]", "\"", "${", "#", "\n", "<<EOT\n", "}", "\"[\" # "]), any::<prop::sample::Index>())
                    .prop_map(|(t, junk, at)| {
                        let cut = at.index(t.len() + 1);
                        let cut = (0..=cut).rev().find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                        format!("{}{junk}{}", &t[..cut], &t[cut..])
                    })
            ) {
                prop_assert!(prepass_agrees(&text, MIN).is_ok(), "{}", text);
            }

            #[test]
            fn evaluated_tuples_have_the_same_values_and_spans(t in tuple()) {
                let text = format!("a = {t}\n");
                let mut sources = Sources::new();
                let file = sources.add("main.tf", text.clone());
                let lazy = parse_taking(file, &text, MIN, Taking::Lazy).unwrap();
                let plain = parse_text(file, &text, &Taken::none()).unwrap();
                prop_assert!(matches!(lazy.attrs[0].expr.kind, ExprKind::Literals(_)));
                let fs = MemFs::new();
                let mut ev = Evaluator::new(&fs, &mut sources);
                let from_source = ev.eval_detached(&lazy.attrs[0].expr);
                let from_tree = ev.eval_detached(&plain.attrs[0].expr);
                prop_assert_eq!(from_source, from_tree);
            }
        }
    }
}

//! nsgate's own small syntax tree for Terraform configuration.
//!
//! Both native HCL (`.tf`, parsed with hcl-edit) and JSON syntax (`.tf.json`) lower into this
//! one tree, so the evaluator and the resource mapping see a single shape. Every node carries
//! a [`Span`] into its source file; nothing here needs hcl-edit's `Option<Range>` any more.

use hcl_edit::expr::{BinaryOperator, UnaryOperator};

use crate::source::Span;

/// A body: attributes and nested blocks, each in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
    pub span: Span,
    /// What parsing the file noticed without failing (a repeated object key), for the file's
    /// top-level body only.
    pub notes: Vec<crate::model::Problem>,
}

impl Body {
    pub fn empty(span: Span) -> Body {
        Body {
            attrs: Vec::new(),
            blocks: Vec::new(),
            span,
            notes: Vec::new(),
        }
    }

    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
    /// `name = value`, the whole line(s).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<Label>,
    pub body: Body,
    pub span: Span,
}

impl Block {
    pub fn label(&self, i: usize) -> Option<&str> {
        self.labels.get(i).map(|l| l.text.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Template(Vec<Part>),
    Array(Vec<Expr>),
    /// A tuple of this many plain literals that parsing left in the source text (see
    /// `parse::literal_tuples`): the evaluator reads its elements from the text at this
    /// expression's span when it is evaluated, so an unused one costs nothing.
    Literals(u32),
    Object(Vec<(ObjKey, Expr)>),
    Var(String),
    Traversal(Box<Expr>, Vec<TOp>),
    Call {
        name: String,
        args: Vec<Expr>,
        /// `f(list...)`: the last argument is expanded into several.
        expand: bool,
    },
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Unary(UnaryOperator, Box<Expr>),
    Binary(BinaryOperator, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
}

/// An object key: a bare identifier is a literal string; anything else is evaluated.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjKey {
    Ident(String, Span),
    Expr(Expr),
}

/// One step of a traversal (`.attr`, `[index]`, `.*`, `[*]`).
#[derive(Debug, Clone, PartialEq)]
pub enum TOp {
    Attr(String, Span),
    Index(Expr),
    AttrSplat(Span),
    FullSplat(Span),
}

/// One piece of a string template.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Interp(Expr),
    If {
        cond: Expr,
        then: Vec<Part>,
        otherwise: Vec<Part>,
    },
    For {
        key_var: Option<String>,
        value_var: String,
        collection: Expr,
        body: Vec<Part>,
    },
}

/// `[for k, v in coll : value if cond]` and `{for k, v in coll : key => value...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// Set for the object form.
    pub key: Option<Expr>,
    pub value: Expr,
    pub cond: Option<Expr>,
    /// `...` after the value in the object form: values are grouped into lists.
    pub grouping: bool,
}

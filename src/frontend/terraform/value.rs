//! Values of the evaluator: Terraform's values plus an explicit Unknown.
//!
//! Every value keeps the span where it was written (a literal in a `.tf` or `.tfvars` file, a
//! `--var`), so a rule field read through variables and locals still points at the line that
//! set it. A value produced by an operation gets the span of that operation.
//!
//! `of` records that a value *is* an attribute of a resource (its `id`, its `name`) or the
//! resource object itself: linking uses it to turn `azurerm_subnet.roles.id` into the key
//! `tf:azurerm_subnet.roles`, even though the id itself is only known after apply.
//!
//! Unknowns propagate: any operation with an unknown operand yields that Unknown, with the
//! original reason and span. Errors (a missing attribute, an index out of range) are Unknowns
//! flagged as errors so that `try` and `can` can tell them apart from values that are merely
//! not known yet.

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Unk {
    pub reason: String,
    pub span: Span,
    /// An evaluation error rather than a value that is not known before apply.
    pub error: bool,
    /// Which value this is, when it is one input value or an exact copy of one (`var.x`,
    /// `module.net.var.x`, `var.cfg.cidr`) or one evaluation of an expression that derived it
    /// (`#7`): see [`crate::model::Unknown`]. `None`: identified by reason and span.
    pub origin: Option<Rc<str>>,
}

impl Unk {
    /// The model's Unknown for this one, keeping its origin.
    pub fn to_model(&self) -> crate::model::Unknown {
        crate::model::Unknown::new(self.reason.clone(), self.span)
            .with_origin(self.origin.as_deref().map(std::sync::Arc::from))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// Lists, tuples and sets.
    List(Rc<Vec<Value>>),
    /// Maps and objects (keys sorted, as Terraform iterates them).
    Map(Rc<BTreeMap<String, Value>>),
    Unknown(Rc<Unk>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub v: V,
    pub span: Span,
    /// The resource key this value is the id, name or object of (see the module doc).
    pub of: Option<Rc<str>>,
}

impl Value {
    pub fn new(v: V, span: Span) -> Value {
        Value { v, span, of: None }
    }
    pub fn null(span: Span) -> Value {
        Value::new(V::Null, span)
    }
    pub fn str(s: impl Into<String>, span: Span) -> Value {
        Value::new(V::Str(s.into()), span)
    }
    pub fn num(n: f64, span: Span) -> Value {
        Value::new(V::Num(n), span)
    }
    pub fn bool(b: bool, span: Span) -> Value {
        Value::new(V::Bool(b), span)
    }
    pub fn list(items: Vec<Value>, span: Span) -> Value {
        Value::new(V::List(Rc::new(items)), span)
    }
    pub fn map(items: BTreeMap<String, Value>, span: Span) -> Value {
        Value::new(V::Map(Rc::new(items)), span)
    }
    pub fn unknown(reason: impl Into<String>, span: Span) -> Value {
        Value::new(
            V::Unknown(Rc::new(Unk {
                reason: reason.into(),
                span,
                error: false,
                origin: None,
            })),
            span,
        )
    }
    pub fn error(reason: impl Into<String>, span: Span) -> Value {
        Value::new(
            V::Unknown(Rc::new(Unk {
                reason: reason.into(),
                span,
                error: true,
                origin: None,
            })),
            span,
        )
    }

    /// An unknown value as the value `origin` names (see [`Unk::origin`]); other values as
    /// they are.
    pub fn with_origin(mut self, origin: Rc<str>) -> Value {
        if let V::Unknown(u) = &self.v {
            self.v = V::Unknown(Rc::new(Unk {
                origin: Some(origin),
                ..u.as_ref().clone()
            }));
        }
        self
    }

    pub fn origin(&self) -> Option<&Rc<str>> {
        self.unk().and_then(|u| u.origin.as_ref())
    }

    pub fn with_of(mut self, of: Option<Rc<str>>) -> Value {
        self.of = of;
        self
    }

    /// The same value at another span (an operation's result), without provenance.
    pub fn at(mut self, span: Span) -> Value {
        self.span = span;
        self.of = None;
        self
    }

    pub fn is_null(&self) -> bool {
        matches!(self.v, V::Null)
    }

    pub fn unk(&self) -> Option<&Rc<Unk>> {
        match &self.v {
            V::Unknown(u) => Some(u),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.v, V::Unknown(_))
    }

    pub fn is_error(&self) -> bool {
        matches!(&self.v, V::Unknown(u) if u.error)
    }

    /// An error anywhere inside the value (what `try` skips).
    pub fn contains_error(&self) -> bool {
        match &self.v {
            V::Unknown(u) => u.error,
            V::List(items) => items.iter().any(Value::contains_error),
            V::Map(items) => items.values().any(Value::contains_error),
            _ => false,
        }
    }

    /// An Unknown anywhere inside the value.
    /// Elements at the top level of a list or map (0 for anything else).
    pub fn top_len(&self) -> u64 {
        match &self.v {
            V::List(items) => items.len() as u64,
            V::Map(items) => items.len() as u64,
            _ => 0,
        }
    }

    /// Nodes in this value counted as if every shared part were copied (what a walk over it
    /// costs), or None past `cap`. The walk itself stops at `cap`, so a value doubled through
    /// shared references sixty times costs `cap` steps to weigh, not 2^60.
    pub fn weight(&self, cap: u64) -> Option<u64> {
        let mut n = 0u64;
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            n += 1;
            if n > cap {
                return None;
            }
            match &v.v {
                V::List(items) => stack.extend(items.iter()),
                V::Map(items) => stack.extend(items.values()),
                _ => {}
            }
        }
        Some(n)
    }

    pub fn first_unknown(&self) -> Option<Value> {
        match &self.v {
            V::Unknown(_) => Some(self.clone()),
            V::List(items) => items.iter().find_map(Value::first_unknown),
            V::Map(items) => items.values().find_map(Value::first_unknown),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match &self.v {
            V::Null => "null",
            V::Bool(_) => "bool",
            V::Num(_) => "number",
            V::Str(_) => "string",
            V::List(_) => "list",
            V::Map(_) => "object",
            V::Unknown(_) => "unknown",
        }
    }

    /// The value as a string, with Terraform's automatic conversions from numbers and bools.
    /// `Err` carries the value to propagate (an Unknown or a type error).
    pub fn to_text(&self, what: &str) -> Result<String, Value> {
        match &self.v {
            V::Str(s) => Ok(s.clone()),
            V::Num(n) => Ok(num_text(*n)),
            V::Bool(b) => Ok(b.to_string()),
            V::Unknown(_) => Err(self.clone()),
            V::Null => Err(Value::error(format!("{what} is null"), self.span)),
            _ => Err(Value::error(
                format!("{what} must be a string, not a {}", self.type_name()),
                self.span,
            )),
        }
    }

    pub fn to_num(&self, what: &str) -> Result<f64, Value> {
        match &self.v {
            V::Num(n) => Ok(*n),
            V::Str(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| Value::error(format!("{what}: `{s}` is not a number"), self.span)),
            V::Unknown(_) => Err(self.clone()),
            _ => Err(Value::error(
                format!("{what} must be a number, not a {}", self.type_name()),
                self.span,
            )),
        }
    }

    pub fn to_bool(&self, what: &str) -> Result<bool, Value> {
        match &self.v {
            V::Bool(b) => Ok(*b),
            V::Str(s) if s == "true" => Ok(true),
            V::Str(s) if s == "false" => Ok(false),
            V::Unknown(_) => Err(self.clone()),
            _ => Err(Value::error(
                format!("{what} must be a bool, not a {}", self.type_name()),
                self.span,
            )),
        }
    }

    /// Elements of a list, or the values of a map (in key order).
    pub fn elements(&self, what: &str) -> Result<Vec<Value>, Value> {
        match &self.v {
            V::List(items) => Ok(items.as_ref().clone()),
            V::Map(items) => Ok(items.values().cloned().collect()),
            V::Unknown(_) => Err(self.clone()),
            _ => Err(Value::error(
                format!("{what} must be a list, not a {}", self.type_name()),
                self.span,
            )),
        }
    }

    /// Structural equality ignoring spans; `None` when an Unknown decides it.
    pub fn equals(&self, other: &Value) -> Option<bool> {
        match (&self.v, &other.v) {
            (V::Unknown(_), _) | (_, V::Unknown(_)) => None,
            (V::Null, V::Null) => Some(true),
            (V::Bool(a), V::Bool(b)) => Some(a == b),
            (V::Num(a), V::Num(b)) => Some(a == b),
            (V::Str(a), V::Str(b)) => Some(a == b),
            (V::List(a), V::List(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                let mut all = Some(true);
                for (x, y) in a.iter().zip(b.iter()) {
                    match x.equals(y) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            (V::Map(a), V::Map(b)) => {
                if a.len() != b.len() || a.keys().zip(b.keys()).any(|(x, y)| x != y) {
                    return Some(false);
                }
                let mut all = Some(true);
                for (x, y) in a.values().zip(b.values()) {
                    match x.equals(y) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            _ => Some(false),
        }
    }

    /// A readable rendering for messages and keys (`"a"` → `a`).
    pub fn render(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.v {
            V::Null => f.write_str("null"),
            V::Bool(b) => write!(f, "{b}"),
            V::Num(n) => f.write_str(&num_text(*n)),
            V::Str(s) => f.write_str(s),
            V::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            V::Map(items) => {
                f.write_str("{")?;
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                f.write_str("}")
            }
            V::Unknown(u) => write!(f, "<unknown: {}>", u.reason),
        }
    }
}

/// A number as Terraform prints it: integers without a fraction.
pub fn num_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn sp() -> Span {
        Span::new(FileId(1), 0, 1)
    }

    #[test]
    fn text_conversions_follow_terraform() {
        assert_eq!(Value::num(3389.0, sp()).to_text("x").unwrap(), "3389");
        assert_eq!(Value::num(0.5, sp()).to_text("x").unwrap(), "0.5");
        assert_eq!(Value::str(" 10 ", sp()).to_num("x").unwrap(), 10.0);
        assert!(Value::null(sp()).to_text("x").unwrap_err().is_error());
        let u = Value::unknown("why", sp());
        assert_eq!(u.to_text("x").unwrap_err().unk().unwrap().reason, "why");
    }

    #[test]
    fn equality_is_unknown_when_an_unknown_decides() {
        let a = Value::list(vec![Value::str("a", sp())], sp());
        let b = Value::list(vec![Value::unknown("u", sp())], sp());
        assert_eq!(a.equals(&a.clone()), Some(true));
        assert_eq!(a.equals(&b), None);
        let c = Value::list(vec![], sp());
        assert_eq!(b.equals(&c), Some(false));
    }
}

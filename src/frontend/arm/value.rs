//! Values of the ARM expression language, each with the span of where it was written.
//!
//! A value that cannot be known offline is [`Kind::Unknown`]: it carries a reason, the span
//! responsible (the parameter without a value, the `uniqueString(...)` call) and, when the value
//! is a deterministic function of the deployment, a *symbol*: a canonical rendering such as
//! `{parameters('nsgname')}-nsg`. Two unknowns with the same symbol are the same value within
//! one deployment, which is what lets `resourceId('…', parameters('nsgName'))` link to the
//! resource named `[parameters('nsgName')]` even though the name itself is unknown.

use std::fmt::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::source::Span;

/// Longest symbol kept; longer ones are dropped (the value stays unknown, it only stops
/// linking), so hostile templates cannot grow symbols without bound.
pub const MAX_SYMBOL_LEN: usize = 1024;

#[derive(Debug, Clone)]
pub struct Value {
    pub kind: Kind,
    /// Where the value was written: a JSON literal, or the expression string that computed it.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Array(Rc<Vec<Value>>),
    Object(Rc<Obj>),
    Unknown(Rc<Unk>),
}

/// An object. `rest`, when set, makes the object *partial*: members not listed are unknown
/// (the runtime part of `resourceGroup()` or of a `reference()` to a template resource).
#[derive(Debug, Clone, Default)]
pub struct Obj {
    pub members: Vec<(String, Value)>,
    pub rest: Option<Rc<Unk>>,
}

impl Obj {
    /// Member lookup: ARM property names are case-insensitive; the last duplicate wins.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }
}

/// Why a value is unknown, where, and (when deterministic) its symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct Unk {
    pub reason: Rc<str>,
    pub span: Span,
    pub sym: Option<Sym>,
    /// Set on a value derived from another unknown without a symbol: which derivation it is.
    /// Two such values are two unknowns even when their cause (reason and span) is one, and
    /// neither is its cause (nsg-semantics §2.10: only one value is one variable).
    pub fresh: Option<u64>,
}

/// Numbers for [`Unk::fresh`]; only equality matters, never the number itself.
static FRESH: AtomicU64 = AtomicU64::new(1);

impl Unk {
    /// The model's Unknown: its origin is the symbol (with the file of the unknown's cause,
    /// so two templates' `parameters('x')` stay apart), or its derivation.
    pub fn to_model(&self) -> crate::model::Unknown {
        let origin = match (&self.sym, self.fresh) {
            (Some(sym), _) => Some(format!("arm:{}:{}", self.span.file.0, render_sym(sym))),
            (None, Some(n)) => Some(format!("arm:#{n}")),
            (None, None) => None,
        };
        crate::model::Unknown::new(self.reason.to_string(), self.span)
            .with_origin(origin.map(std::sync::Arc::from))
    }
}

/// A symbolic string: literal text and opaque atoms (canonical expression text).
pub type Sym = Rc<Vec<Part>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    Atom(String),
}

impl Value {
    pub fn new(kind: Kind, span: Span) -> Value {
        Value { kind, span }
    }

    pub fn null(span: Span) -> Value {
        Value::new(Kind::Null, span)
    }

    pub fn str(s: impl Into<Rc<str>>, span: Span) -> Value {
        Value::new(Kind::Str(s.into()), span)
    }

    pub fn int(n: i64, span: Span) -> Value {
        Value::new(Kind::Int(n), span)
    }

    pub fn bool(b: bool, span: Span) -> Value {
        Value::new(Kind::Bool(b), span)
    }

    pub fn array(items: Vec<Value>, span: Span) -> Value {
        Value::new(Kind::Array(Rc::new(items)), span)
    }

    pub fn object(members: Vec<(String, Value)>, span: Span) -> Value {
        Value::new(
            Kind::Object(Rc::new(Obj {
                members,
                rest: None,
            })),
            span,
        )
    }

    /// An unknown without a symbol (not deterministic, or not worth linking on).
    pub fn unknown(reason: impl Into<Rc<str>>, span: Span) -> Value {
        Value::new(
            Kind::Unknown(Rc::new(Unk {
                reason: reason.into(),
                span,
                sym: None,
                fresh: None,
            })),
            span,
        )
    }

    /// An unknown named by one atom, e.g. `resourcegroup()`.
    pub fn atom(reason: impl Into<Rc<str>>, span: Span, atom: impl Into<String>) -> Value {
        let atom = atom.into();
        let sym = (atom.len() <= MAX_SYMBOL_LEN).then(|| Rc::new(vec![Part::Atom(atom)]));
        Value::new(
            Kind::Unknown(Rc::new(Unk {
                reason: reason.into(),
                span,
                sym,
                fresh: None,
            })),
            span,
        )
    }

    /// An unknown derived from `cause` (its reason and span) with a new symbol.
    pub fn derived(cause: &Unk, sym: Option<Sym>, span: Span) -> Value {
        let sym = sym.filter(|s| sym_len(s) <= MAX_SYMBOL_LEN);
        Value::new(
            Kind::Unknown(Rc::new(Unk {
                reason: cause.reason.clone(),
                span: cause.span,
                fresh: match sym {
                    Some(_) => None,
                    None => Some(FRESH.fetch_add(1, Ordering::Relaxed)),
                },
                sym,
            })),
            span,
        )
    }

    /// Nodes in this value counted as if every shared part were copied (what a walk over it
    /// costs), or None past `cap`; the walk stops at `cap`.
    pub fn weight(&self, cap: u64) -> Option<u64> {
        let mut n = 0u64;
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            n += 1;
            if n > cap {
                return None;
            }
            match &v.kind {
                Kind::Array(items) => stack.extend(items.iter()),
                Kind::Object(o) => stack.extend(o.members.iter().map(|(_, m)| m)),
                _ => {}
            }
        }
        Some(n)
    }

    pub fn with_span(mut self, span: Span) -> Value {
        self.span = span;
        self
    }

    pub fn as_unknown(&self) -> Option<&Rc<Unk>> {
        match &self.kind {
            Kind::Unknown(u) => Some(u),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match &self.kind {
            Kind::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Obj> {
        match &self.kind {
            Kind::Object(o) => Some(o),
            _ => None,
        }
    }

    /// ARM type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "bool",
            Kind::Int(_) | Kind::Float(_) => "int",
            Kind::Str(_) => "string",
            Kind::Array(_) => "array",
            Kind::Object(_) => "object",
            Kind::Unknown(_) => "unknown",
        }
    }

    /// The value as a symbolic string: literal parts for known scalars, the symbol of an
    /// unknown, one atom for composites. `None` for an unknown without a symbol.
    pub fn to_sym(&self) -> Option<Vec<Part>> {
        match &self.kind {
            Kind::Str(s) => Some(vec![Part::Lit(s.to_string())]),
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) | Kind::Null => {
                Some(vec![Part::Lit(self.display_text())])
            }
            Kind::Unknown(u) => u.sym.as_ref().map(|s| s.as_ref().clone()),
            Kind::Array(_) | Kind::Object(_) => self.canonical().map(|c| vec![Part::Atom(c)]),
        }
    }

    /// Text of a scalar as `string()` renders it.
    pub fn display_text(&self) -> String {
        match &self.kind {
            Kind::Null => String::new(),
            Kind::Bool(b) => b.to_string(),
            Kind::Int(n) => n.to_string(),
            Kind::Float(f) => f.to_string(),
            Kind::Str(s) => s.to_string(),
            _ => self.to_json_text().unwrap_or_default(),
        }
    }

    /// Canonical expression-like text of the value, used inside symbols (function arguments).
    /// `None` when an unknown without a symbol is involved.
    pub fn canonical(&self) -> Option<String> {
        let mut out = String::new();
        self.write_canonical(&mut out, 0)?;
        (out.len() <= MAX_SYMBOL_LEN).then_some(out)
    }

    fn write_canonical(&self, out: &mut String, depth: usize) -> Option<()> {
        if depth > 32 || out.len() > MAX_SYMBOL_LEN {
            return None;
        }
        match &self.kind {
            Kind::Null => out.push_str("null"),
            Kind::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Kind::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Kind::Float(f) => {
                let _ = write!(out, "{f}");
            }
            Kind::Str(s) => quote(out, s),
            Kind::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_canonical(out, depth + 1)?;
                }
                out.push(']');
            }
            Kind::Object(o) => {
                if o.rest.is_some() {
                    return None;
                }
                out.push('{');
                for (i, (k, v)) in o.members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    quote(out, &k.to_ascii_lowercase());
                    out.push(':');
                    v.write_canonical(out, depth + 1)?;
                }
                out.push('}');
            }
            Kind::Unknown(u) => out.push_str(&render_sym_arg(u.sym.as_ref()?)),
        }
        Some(())
    }

    /// JSON text of a known value (`string()` of arrays and objects).
    pub fn to_json_text(&self) -> Option<String> {
        self.to_json().map(|v| v.to_string())
    }

    pub fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match &self.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Int(n) => J::from(*n),
            Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Kind::Str(s) => J::String(s.to_string()),
            Kind::Array(items) => J::Array(
                items
                    .iter()
                    .map(Value::to_json)
                    .collect::<Option<Vec<_>>>()?,
            ),
            Kind::Object(o) => {
                if o.rest.is_some() {
                    return None;
                }
                J::Object(
                    o.members
                        .iter()
                        .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                        .collect::<Option<serde_json::Map<_, _>>>()?,
                )
            }
            Kind::Unknown(_) => return None,
        })
    }
}

fn quote(out: &mut String, s: &str) {
    out.push('\'');
    out.push_str(&s.replace('\'', "''"));
    out.push('\'');
}

fn sym_len(sym: &[Part]) -> usize {
    sym.iter()
        .map(|p| match p {
            Part::Lit(s) | Part::Atom(s) => s.len() + 2,
        })
        .sum()
}

/// A symbol as a function argument: one atom as itself, a symbolic string quoted with its
/// atoms in braces.
pub fn render_sym_arg(sym: &[Part]) -> String {
    if let [Part::Atom(a)] = sym {
        return a.clone();
    }
    let mut out = String::from("'");
    for part in sym {
        match part {
            Part::Lit(s) => out.push_str(&escape_lit(s).replace('\'', "''")),
            Part::Atom(a) => {
                out.push('{');
                out.push_str(a);
                out.push('}');
            }
        }
    }
    out.push('\'');
    out
}

/// A symbol as text: literals as written, atoms in braces. Used for names and keys.
pub fn render_sym(sym: &[Part]) -> String {
    let mut out = String::new();
    for part in sym {
        match part {
            Part::Lit(s) => out.push_str(&escape_lit(s)),
            Part::Atom(a) => {
                out.push('{');
                out.push_str(a);
                out.push('}');
            }
        }
    }
    out
}

fn escape_lit(s: &str) -> String {
    if s.contains(['{', '}']) {
        s.replace('{', "{{").replace('}', "}}")
    } else {
        s.to_string()
    }
}

/// Append parts, merging adjacent literals and dropping empty ones, so `concat('a', x)` and
/// `format('a{0}', x)` give the same symbol.
pub fn push_parts(out: &mut Vec<Part>, parts: Vec<Part>) {
    for part in parts {
        match part {
            Part::Lit(s) if s.is_empty() => {}
            Part::Lit(s) => match out.last_mut() {
                Some(Part::Lit(prev)) => prev.push_str(&s),
                _ => out.push(Part::Lit(s)),
            },
            atom => out.push(atom),
        }
    }
}

/// Split a symbolic string on a literal separator (separators inside atoms are not seen).
pub fn split_sym(sym: &[Part], sep: char) -> Vec<Vec<Part>> {
    let mut segments = vec![Vec::new()];
    for part in sym {
        match part {
            Part::Lit(s) => {
                let mut pieces = s.split(sep);
                if let Some(first) = pieces.next() {
                    if let Some(last) = segments.last_mut() {
                        push_parts(last, vec![Part::Lit(first.to_string())]);
                    }
                }
                for piece in pieces {
                    let mut seg = Vec::new();
                    push_parts(&mut seg, vec![Part::Lit(piece.to_string())]);
                    segments.push(seg);
                }
            }
            Part::Atom(_) => {
                if let Some(last) = segments.last_mut() {
                    last.push(part.clone());
                }
            }
        }
    }
    segments
}

/// The literal text of a symbol without atoms.
pub fn sym_literal(sym: &[Part]) -> Option<String> {
    let mut out = String::new();
    for part in sym {
        match part {
            Part::Lit(s) => out.push_str(s),
            Part::Atom(_) => return None,
        }
    }
    Some(out)
}

/// Three-valued equality as ARM's `equals` (strings case-sensitive, object keys not).
/// `None` when an unknown decides it.
pub fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (Kind::Unknown(x), Kind::Unknown(y)) => match (&x.sym, &y.sym) {
            (Some(p), Some(q)) if p == q => Some(true),
            _ => None,
        },
        (Kind::Unknown(_), _) | (_, Kind::Unknown(_)) => None,
        (Kind::Null, Kind::Null) => Some(true),
        (Kind::Bool(x), Kind::Bool(y)) => Some(x == y),
        (Kind::Int(x), Kind::Int(y)) => Some(x == y),
        (Kind::Float(x), Kind::Float(y)) => Some(x == y),
        (Kind::Int(x), Kind::Float(y)) | (Kind::Float(y), Kind::Int(x)) => Some(*x as f64 == *y),
        (Kind::Str(x), Kind::Str(y)) => Some(x == y),
        (Kind::Array(x), Kind::Array(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in x.iter().zip(y.iter()) {
                match equals(p, q) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            (!unknown).then_some(true)
        }
        (Kind::Object(x), Kind::Object(y)) => {
            if x.rest.is_some() || y.rest.is_some() {
                return None;
            }
            if x.members.len() != y.members.len() {
                return Some(false);
            }
            let mut unknown = false;
            for (k, v) in &x.members {
                match y.get(k).map(|w| equals(v, w)) {
                    None | Some(Some(false)) => return Some(false),
                    Some(None) => unknown = true,
                    Some(Some(true)) => {}
                }
            }
            (!unknown).then_some(true)
        }
        _ => Some(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn sp() -> Span {
        Span::new(FileId(1), 0, 0)
    }

    #[test]
    fn adjacent_literals_merge_and_empty_ones_drop() {
        let mut parts = Vec::new();
        push_parts(
            &mut parts,
            vec![
                Part::Lit("a".into()),
                Part::Lit(String::new()),
                Part::Lit("b".into()),
                Part::Atom("x".into()),
            ],
        );
        assert_eq!(parts, vec![Part::Lit("ab".into()), Part::Atom("x".into())]);
        assert_eq!(render_sym(&parts), "ab{x}");
    }

    #[test]
    fn split_ignores_separators_inside_atoms() {
        let sym = vec![Part::Atom("f('a/b')".into()), Part::Lit("/rule".into())];
        let segs = split_sym(&sym, '/');
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[1], vec![Part::Lit("rule".into())]);
    }

    #[test]
    fn equality_is_three_valued() {
        let a = Value::atom("r", sp(), "p");
        let b = Value::atom("r", sp(), "p");
        let c = Value::unknown("r", sp());
        assert_eq!(equals(&a, &b), Some(true));
        assert_eq!(equals(&a, &c), None);
        assert_eq!(
            equals(&Value::str("x", sp()), &Value::str("X", sp())),
            Some(false)
        );
        let arr = Value::array(vec![Value::int(1, sp()), c.clone()], sp());
        let arr2 = Value::array(vec![Value::int(2, sp()), c], sp());
        assert_eq!(equals(&arr, &arr2), Some(false));
    }

    #[test]
    fn canonical_text_quotes_strings() {
        let v = Value::array(vec![Value::str("it's", sp()), Value::int(3, sp())], sp());
        assert_eq!(v.canonical().unwrap(), "['it''s',3]");
    }
}

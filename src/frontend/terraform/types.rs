//! Variable type constraints, applied the way Terraform converts input values: primitive
//! conversions (`"10"` to a number), and `optional(...)` object attributes filled with `null`
//! or their default, so `each.value.description` reads as `null` rather than failing.
//! A value that does not fit is left as it is; nsgate is not a type checker.

use std::collections::BTreeMap;

use super::ast::{Expr, ExprKind, ObjKey};
use super::value::{Value, V};
use crate::source::Sources;

/// `sources` holds the text of tuples of literals the parser left there (a default's).
pub fn conform(sources: &Sources, value: Value, ty: &Expr) -> Value {
    if value.is_unknown() || value.is_null() {
        return value;
    }
    match &ty.kind {
        ExprKind::Var(name) => primitive(value, name),
        ExprKind::Call { name, args, .. } => {
            let inner = args.first();
            match (name.as_str(), inner) {
                ("list" | "set", Some(t)) => each_element(sources, value, t),
                ("map", Some(t)) => match &value.v {
                    V::Map(items) => {
                        let items = items
                            .iter()
                            .map(|(k, v)| (k.clone(), conform(sources, v.clone(), t)))
                            .collect();
                        Value::map(items, value.span).with_of(value.of.clone())
                    }
                    _ => value,
                },
                (
                    "object",
                    Some(Expr {
                        kind: ExprKind::Object(attrs),
                        ..
                    }),
                ) => object(sources, value, attrs),
                (
                    "tuple",
                    Some(Expr {
                        kind: ExprKind::Array(types),
                        ..
                    }),
                ) => match &value.v {
                    V::List(items) => {
                        let items = items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| match types.get(i) {
                                Some(t) => conform(sources, v.clone(), t),
                                None => v.clone(),
                            })
                            .collect();
                        Value::list(items, value.span).with_of(value.of.clone())
                    }
                    _ => value,
                },
                ("optional", Some(t)) => conform(sources, value, t),
                _ => value,
            }
        }
        _ => value,
    }
}

fn primitive(value: Value, name: &str) -> Value {
    let span = value.span;
    let of = value.of.clone();
    let converted = match (name, &value.v) {
        ("number", V::Str(s)) => s.trim().parse::<f64>().ok().map(|n| Value::num(n, span)),
        ("bool", V::Str(s)) if s == "true" || s == "false" => Some(Value::bool(s == "true", span)),
        ("string", V::Num(_) | V::Bool(_)) => value.to_text("").ok().map(|s| Value::str(s, span)),
        _ => None,
    };
    match converted {
        Some(v) => v.with_of(of),
        None => value,
    }
}

fn each_element(sources: &Sources, value: Value, t: &Expr) -> Value {
    match &value.v {
        V::List(items) => {
            let items = items
                .iter()
                .map(|v| conform(sources, v.clone(), t))
                .collect();
            Value::list(items, value.span).with_of(value.of.clone())
        }
        _ => value,
    }
}

fn object(sources: &Sources, value: Value, attrs: &[(ObjKey, Expr)]) -> Value {
    let V::Map(items) = &value.v else {
        return value;
    };
    let mut out: BTreeMap<String, Value> = items.as_ref().clone();
    for (key, ty) in attrs {
        let name = match key {
            ObjKey::Ident(n, _) => n.clone(),
            ObjKey::Expr(Expr {
                kind: ExprKind::Str(s),
                ..
            }) => s.clone(),
            ObjKey::Expr(Expr {
                kind: ExprKind::Var(s),
                ..
            }) => s.clone(),
            _ => continue,
        };
        match out.get(&name).cloned() {
            Some(v) if !v.is_null() => {
                out.insert(name, conform(sources, v, ty));
            }
            _ => {
                if let ExprKind::Call { name: f, args, .. } = &ty.kind {
                    if f == "optional" {
                        let default = match args.get(1) {
                            Some(d) => literal(sources, d),
                            None => Value::null(value.span),
                        };
                        out.insert(name, default);
                    }
                }
            }
        }
    }
    Value::map(out, value.span).with_of(value.of.clone())
}

/// A default inside `optional(type, default)`: literals only.
fn literal(sources: &Sources, e: &Expr) -> Value {
    match &e.kind {
        ExprKind::Bool(b) => Value::bool(*b, e.span),
        ExprKind::Num(n) => Value::num(*n, e.span),
        ExprKind::Str(s) => Value::str(s.clone(), e.span),
        ExprKind::Array(items) => {
            Value::list(items.iter().map(|i| literal(sources, i)).collect(), e.span)
        }
        ExprKind::Literals(_) => super::eval::literal_values(sources.slice(e.span), e.span),
        ExprKind::Object(members) => Value::map(
            members
                .iter()
                .filter_map(|(k, v)| match k {
                    ObjKey::Ident(n, _) => Some((n.clone(), literal(sources, v))),
                    ObjKey::Expr(Expr {
                        kind: ExprKind::Str(s),
                        ..
                    }) => Some((s.clone(), literal(sources, v))),
                    _ => None,
                })
                .collect(),
            e.span,
        ),
        _ => Value::null(e.span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::terraform::parse::parse_expr_at;
    use crate::source::{FileId, Span};

    fn ty(text: &str) -> Expr {
        parse_expr_at(FileId(1), text, 0, text.len()).unwrap()
    }

    #[test]
    fn optional_attributes_are_filled() {
        let sp = Span::new(FileId(1), 0, 0);
        let mut m = BTreeMap::new();
        m.insert("name".to_string(), Value::str("a", sp));
        m.insert("priority".to_string(), Value::str("100", sp));
        let v = Value::map(m, sp);
        let out = conform(
            &Sources::new(),
            v,
            &ty("object({name = string, priority = number, description = optional(string), access = optional(string, \"Allow\")})"),
        );
        let V::Map(m) = &out.v else { panic!() };
        assert_eq!(m["priority"].v, V::Num(100.0));
        assert!(m["description"].is_null());
        assert_eq!(m["access"].v, V::Str("Allow".into()));
    }
}

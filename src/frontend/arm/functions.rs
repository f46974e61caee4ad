//! ARM template functions that depend only on their arguments.
//!
//! Unknown arguments propagate: the result is an Unknown carrying the first unknown's reason
//! and a symbol `name(args…)`, except where a better answer exists (string building keeps the
//! known parts; `toLower` keeps the symbol because Azure names compare case-insensitively).
//! Functions whose value exists only at deployment (`uniqueString`, `utcNow`, `list*`, …) are
//! Unknown; the deterministic ones keep a symbol so equal calls still link.

use std::collections::HashSet;
use std::net::IpAddr;
use std::rc::Rc;

use ipnet::IpNet;

use super::eval::{sym_call, symbolic_string, Machine};
use super::value::{self, push_parts, Kind, Part, Unk, Value};
use crate::source::Span;

/// ARM's limit on `range()` items.
const MAX_RANGE: i64 = 10_000;
/// Longest string a function may build (padding, repeated concatenation).
const MAX_STRING: usize = 1 << 20;

/// Evaluate a pure function.
pub fn call(m: &Machine<'_>, name: &str, args: Vec<Value>, span: Span) -> Value {
    // Functions that walk their arguments (`string`, `json`, `equals`, `union`…) pay for every
    // node they may touch; the others for the top level.
    const SHALLOW: &[&str] = &[
        "createarray",
        "createobject",
        "array",
        "length",
        "first",
        "last",
        "skip",
        "take",
        "coalesce",
        "if",
        "empty",
        "concat",
        "range",
    ];
    let charged = if SHALLOW.contains(&name) {
        let units = args
            .iter()
            .map(|a| 1 + a.as_array().map_or(0, |i| i.len() as u64))
            .sum();
        m.charge_at(units, span, || format!("`{}()`", pretty(name)))
    } else {
        m.charge_walk(&args, span, || format!("`{}()`", pretty(name)))
    };
    if !charged {
        return m.exhausted_value(span);
    }
    match name {
        "concat" => concat(m, &args, span),
        "format" => format(&args, span),
        "createarray" => Value::array(args, span),
        "createobject" => create_object(&args, span),
        "array" => match args.as_slice() {
            [v] if matches!(v.kind, Kind::Array(_)) => v.clone(),
            [v] if v.is_unknown() => strict_unknown(name, &args, span).unwrap_or_else(|| v.clone()),
            [v] => Value::array(vec![v.clone()], span),
            _ => wrong_args(name, span),
        },
        "tolower" | "toupper" => match args.as_slice() {
            [v] => match &v.kind {
                Kind::Str(s) => Value::str(
                    if name == "tolower" {
                        s.to_lowercase()
                    } else {
                        s.to_uppercase()
                    },
                    span,
                ),
                // Azure names compare case-insensitively: keep the symbol so links still work.
                Kind::Unknown(_) => v.clone().with_span(span),
                _ => wrong_type(name, v, span),
            },
            _ => wrong_args(name, span),
        },
        "utcnow" | "newguid" => Value::unknown(
            format!("`{}()` changes with every deployment", pretty(name)),
            span,
        ),
        // A symbolic string with literal text (a resource id) is not empty.
        "empty" => match args.as_slice() {
            [v] if has_literal_text(v) => Value::bool(false, span),
            _ => strict_unknown(name, &args, span).unwrap_or_else(|| strict(m, name, &args, span)),
        },
        "equals" => match args.as_slice() {
            [a, b] => match value::equals(a, b) {
                Some(r) => Value::bool(r, span),
                None => unknown_from(&args, sym_call(name, &args), span),
            },
            _ => wrong_args(name, span),
        },
        _ => {
            if let Some(u) = strict_unknown(name, &args, span) {
                return u;
            }
            strict(m, name, &args, span)
        }
    }
}

fn has_literal_text(v: &Value) -> bool {
    v.as_unknown()
        .and_then(|u| u.sym.as_ref())
        .is_some_and(|s| s.iter().any(|p| matches!(p, Part::Lit(t) if !t.is_empty())))
}

/// When an argument is unknown, the Unknown result of a strict function.
fn strict_unknown(name: &str, args: &[Value], span: Span) -> Option<Value> {
    let u = args.iter().find_map(Value::as_unknown)?;
    Some(Value::derived(u, sym_call(name, args), span))
}

/// An Unknown from the first unknown found anywhere in `args`.
fn unknown_from(args: &[Value], sym: Option<value::Sym>, span: Span) -> Value {
    match args.iter().find_map(first_unknown) {
        Some(u) => Value::derived(&u, sym, span),
        None => Value::unknown("the value depends on an unknown", span),
    }
}

fn first_unknown(v: &Value) -> Option<Rc<Unk>> {
    match &v.kind {
        Kind::Unknown(u) => Some(u.clone()),
        Kind::Array(items) => items.iter().find_map(first_unknown),
        Kind::Object(o) => o
            .members
            .iter()
            .find_map(|(_, v)| first_unknown(v))
            .or_else(|| o.rest.clone()),
        _ => None,
    }
}

fn wrong_args(name: &str, span: Span) -> Value {
    Value::unknown(
        format!("`{name}` called with the wrong number or kind of arguments"),
        span,
    )
}

fn wrong_type(name: &str, v: &Value, span: Span) -> Value {
    Value::unknown(
        format!("`{name}` does not accept a {}", v.type_name()),
        span,
    )
}

/// The usual spelling of a function name (names are parsed lower-cased), for messages.
pub fn pretty(name: &str) -> &str {
    const NAMES: &[&str] = &[
        "uniqueString",
        "utcNow",
        "newGuid",
        "guid",
        "reference",
        "resourceInfo",
        "listKeys",
        "listSecrets",
        "listAccountSas",
        "pickZones",
        "resourceGroup",
        "subscription",
        "deployment",
        "environment",
        "tenant",
        "managementGroup",
        "base64",
        "base64ToString",
        "dataUri",
        "uri",
        "uriComponent",
        "dateTimeAdd",
        "copyIndex",
        "resourceId",
        "subscriptionResourceId",
        "extensionResourceId",
        "tenantResourceId",
        "createArray",
        "createObject",
        "toLower",
        "toUpper",
        "startsWith",
        "endsWith",
        "indexOf",
        "lastIndexOf",
        "padLeft",
        "cidrSubnet",
        "cidrHost",
        "parseCidr",
        "tryGet",
        "lambdaVariables",
        "toObject",
        "objectKeys",
        "shallowMerge",
        "greaterOrEquals",
        "lessOrEquals",
        "providers",
        "listKeyValue",
    ];
    NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(name))
        .copied()
        .unwrap_or(name)
}

fn runtime(name: &str, args: &[Value], span: Span) -> Value {
    let reason = format!(
        "`{}()` is computed by Azure at deployment time",
        pretty(name)
    );
    match sym_call(name, args) {
        Some(sym) => Value::new(
            Kind::Unknown(Rc::new(Unk {
                reason: reason.into(),
                span,
                sym: Some(sym),
                fresh: None,
            })),
            span,
        ),
        None => Value::unknown(reason, span),
    }
}

fn strict(m: &Machine<'_>, name: &str, args: &[Value], span: Span) -> Value {
    use Kind::*;
    let a = args.first().map(|v| &v.kind);
    let b = args.get(1).map(|v| &v.kind);
    let c = args.get(2).map(|v| &v.kind);
    let s = |t: String| Value::str(t, span);
    let n = |x: i64| Value::int(x, span);
    let bl = |x: bool| Value::bool(x, span);
    match (name, args.len()) {
        ("null", 0) => Value::null(span),
        ("true", 0) => bl(true),
        ("false", 0) => bl(false),
        ("string", 1) => match a {
            Some(Str(_)) => args
                .first()
                .cloned()
                .unwrap_or_else(|| wrong_args(name, span)),
            Some(Bool(x)) => s(if *x { "True".into() } else { "False".into() }),
            Some(Null) => s(String::new()),
            _ => match args.first().and_then(Value::to_json_text) {
                Some(t) if matches!(a, Some(Array(_) | Object(_))) => s(t),
                _ => s(args.first().map(Value::display_text).unwrap_or_default()),
            },
        },
        ("int", 1) => match a {
            Some(Int(x)) => n(*x),
            Some(Float(f)) => n(*f as i64),
            Some(Str(t)) => match t.trim().parse::<i64>() {
                Ok(x) => n(x),
                Err(_) => Value::unknown(format!("`int('{t}')`: not a number"), span),
            },
            _ => wrong_first(name, args, span),
        },
        ("bool", 1) => match a {
            Some(Bool(x)) => bl(*x),
            Some(Int(x)) => bl(*x != 0),
            Some(Str(t)) if t.eq_ignore_ascii_case("true") => bl(true),
            Some(Str(t)) if t.eq_ignore_ascii_case("false") => bl(false),
            _ => wrong_first(name, args, span),
        },
        ("length", 1) => match a {
            Some(Str(t)) => n(t.chars().count() as i64),
            Some(Array(x)) => n(x.len() as i64),
            Some(Object(o)) => n(o.members.len() as i64),
            _ => wrong_first(name, args, span),
        },
        ("empty", 1) => match a {
            Some(Null) => bl(true),
            Some(Str(t)) => bl(t.is_empty()),
            Some(Array(x)) => bl(x.is_empty()),
            Some(Object(o)) => bl(o.members.is_empty()),
            _ => wrong_first(name, args, span),
        },
        ("not", 1) => match a {
            Some(Bool(x)) => bl(!x),
            _ => wrong_first(name, args, span),
        },
        ("split", 2) => match (a, b) {
            (Some(Str(t)), Some(Str(d))) => split(t, &[d.to_string()], span),
            (Some(Str(t)), Some(Array(ds))) => {
                let ds: Option<Vec<String>> =
                    ds.iter().map(|d| d.as_str().map(str::to_string)).collect();
                match ds {
                    Some(ds) => split(t, &ds, span),
                    None => wrong_args(name, span),
                }
            }
            _ => wrong_args(name, span),
        },
        ("replace", 3) => match (a, b, c) {
            (Some(Str(t)), Some(Str(old)), Some(Str(new))) if !old.is_empty() => {
                let out = t.replace(old.as_ref(), new);
                if out.len() > MAX_STRING {
                    return too_long(span);
                }
                s(out)
            }
            _ => wrong_args(name, span),
        },
        ("trim", 1) => match a {
            Some(Str(t)) => s(t.trim().to_string()),
            _ => wrong_first(name, args, span),
        },
        ("substring", 2 | 3) => match (a, b) {
            (Some(Str(t)), Some(Int(start))) => {
                let chars: Vec<char> = t.chars().collect();
                let len = match c {
                    Some(Int(l)) => *l,
                    None => chars.len() as i64 - start,
                    _ => return wrong_args(name, span),
                };
                match usize::try_from(*start)
                    .ok()
                    .zip(usize::try_from(len).ok())
                    .and_then(|(st, l)| chars.get(st..st.checked_add(l)?))
                {
                    Some(sub) => s(sub.iter().collect()),
                    None => Value::unknown("`substring`: index out of range", span),
                }
            }
            _ => wrong_args(name, span),
        },
        ("startswith" | "endswith" | "indexof" | "lastindexof", 2) => match (a, b) {
            (Some(Str(t)), Some(Str(p))) => {
                let (t, p) = (t.to_lowercase(), p.to_lowercase());
                match name {
                    "startswith" => bl(t.starts_with(&p)),
                    "endswith" => bl(t.ends_with(&p)),
                    "indexof" => n(char_index(&t, t.find(&p))),
                    _ => n(char_index(&t, t.rfind(&p))),
                }
            }
            _ => wrong_args(name, span),
        },
        ("padleft", 2 | 3) => {
            let text = match a {
                Some(Str(t)) => t.to_string(),
                Some(Int(x)) => x.to_string(),
                _ => return wrong_args(name, span),
            };
            let pad = match c {
                Some(Str(p)) => p.chars().next().unwrap_or(' '),
                None => ' ',
                _ => return wrong_args(name, span),
            };
            match b {
                Some(Int(total)) if (0..=MAX_STRING as i64).contains(total) => {
                    let have = text.chars().count();
                    let want = *total as usize;
                    let mut out: String =
                        std::iter::repeat_n(pad, want.saturating_sub(have)).collect();
                    out.push_str(&text);
                    s(out)
                }
                _ => wrong_args(name, span),
            }
        }
        ("join", 2) => match (a, b) {
            (Some(Array(items)), Some(Str(d))) => {
                let parts: Option<Vec<String>> = items
                    .iter()
                    .map(|i| match &i.kind {
                        Str(t) => Some(t.to_string()),
                        Int(_) | Bool(_) => Some(i.display_text()),
                        _ => None,
                    })
                    .collect();
                match parts {
                    Some(p) => s(p.join(d)),
                    None => unknown_from(args, None, span),
                }
            }
            _ => wrong_args(name, span),
        },
        ("first" | "last", 1) => match a {
            Some(Array(items)) => {
                let item = if name == "first" {
                    items.first()
                } else {
                    items.last()
                };
                item.cloned().unwrap_or_else(|| Value::null(span))
            }
            Some(Str(t)) => {
                let ch = if name == "first" {
                    t.chars().next()
                } else {
                    t.chars().last()
                };
                s(ch.map(String::from).unwrap_or_default())
            }
            _ => wrong_first(name, args, span),
        },
        ("take" | "skip", 2) => {
            let Some(Int(k)) = b else {
                return wrong_args(name, span);
            };
            let k = usize::try_from((*k).max(0)).unwrap_or(usize::MAX);
            match a {
                Some(Array(items)) => {
                    let v: Vec<Value> = if name == "take" {
                        items.iter().take(k).cloned().collect()
                    } else {
                        items.iter().skip(k).cloned().collect()
                    };
                    Value::array(v, span)
                }
                Some(Str(t)) => s(if name == "take" {
                    t.chars().take(k).collect()
                } else {
                    t.chars().skip(k).collect()
                }),
                _ => wrong_args(name, span),
            }
        }
        ("contains", 2) => match (a, b) {
            (Some(Str(t)), Some(Str(p))) => bl(t.contains(p.as_ref())),
            (Some(Str(t)), Some(Int(x))) => bl(t.contains(&x.to_string())),
            (Some(Object(o)), Some(Str(k))) => match (o.get(k), &o.rest) {
                (Some(_), _) => bl(true),
                (None, Some(rest)) => Value::derived(rest, None, span),
                (None, None) => bl(false),
            },
            (Some(Array(items)), _) => {
                let mut unknown = false;
                let needle = args.get(1).cloned().unwrap_or_else(|| Value::null(span));
                for item in items.iter() {
                    match value::equals(item, &needle) {
                        Some(true) => return bl(true),
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    unknown_from(args, sym_call(name, args), span)
                } else {
                    bl(false)
                }
            }
            _ => wrong_args(name, span),
        },
        ("union" | "intersection", k) if k >= 1 => set_op(m, name, args, span),
        ("json", 1) => match a {
            // ARM's `json()` accepts comments (Bicep inlines `.jsonc` files it reads that way).
            Some(Str(t)) => match crate::frontend::json::parse(t, true) {
                Ok(node) => from_json(&node, span, 0),
                Err(e) => Value::unknown(format!("`json()`: {e}"), span),
            },
            _ => wrong_first(name, args, span),
        },
        ("range", 2) => match (a, b) {
            (Some(Int(start)), Some(Int(count))) if (0..=MAX_RANGE).contains(count) => {
                if !m.charge(*count as u64) {
                    return Value::unknown("template evaluation budget exhausted", span);
                }
                Value::array(
                    (0..*count).map(|i| n(start.saturating_add(i))).collect(),
                    span,
                )
            }
            _ => wrong_args(name, span),
        },
        ("min" | "max", k) if k >= 1 => {
            let nums: Vec<&Value> = match a {
                Some(Array(items)) if k == 1 => items.iter().collect(),
                _ => args.iter().collect(),
            };
            let ints: Option<Vec<i64>> = nums.iter().map(|v| v.as_int()).collect();
            match ints {
                Some(ints) if !ints.is_empty() => n(if name == "min" {
                    ints.iter().copied().min().unwrap_or(0)
                } else {
                    ints.iter().copied().max().unwrap_or(0)
                }),
                _ => unknown_from(args, None, span),
            }
        }
        ("add" | "sub" | "mul" | "div" | "mod", 2) => match (a, b) {
            (Some(Int(x)), Some(Int(y))) => {
                let r = match name {
                    "add" => x.checked_add(*y),
                    "sub" => x.checked_sub(*y),
                    "mul" => x.checked_mul(*y),
                    "div" => x.checked_div(*y),
                    _ => x.checked_rem(*y),
                };
                r.map(n)
                    .unwrap_or_else(|| Value::unknown(format!("`{name}`: arithmetic error"), span))
            }
            _ => wrong_args(name, span),
        },
        ("greater" | "less" | "greaterorequals" | "lessorequals", 2) => {
            let ord = match (a, b) {
                (Some(Int(x)), Some(Int(y))) => x.cmp(y),
                (Some(Str(x)), Some(Str(y))) => x.cmp(y),
                _ => return wrong_args(name, span),
            };
            use std::cmp::Ordering::*;
            bl(match name {
                "greater" => ord == Greater,
                "less" => ord == Less,
                "greaterorequals" => ord != Less,
                _ => ord != Greater,
            })
        }
        ("items", 1) => match a {
            Some(Object(o)) => {
                let mut members = o.members.clone();
                members.sort_by_key(|x| x.0.to_lowercase());
                Value::array(
                    members
                        .into_iter()
                        .map(|(k, v)| {
                            Value::object(
                                vec![("key".into(), Value::str(k, span)), ("value".into(), v)],
                                span,
                            )
                        })
                        .collect(),
                    span,
                )
            }
            _ => wrong_first(name, args, span),
        },
        ("objectkeys", 1) => match a {
            Some(Object(o)) => Value::array(
                o.members
                    .iter()
                    .map(|(k, _)| Value::str(k.as_str(), span))
                    .collect(),
                span,
            ),
            _ => wrong_first(name, args, span),
        },
        ("flatten", 1) => match a {
            Some(Array(items)) => {
                let mut out = Vec::new();
                for i in items.iter() {
                    match &i.kind {
                        Array(inner) => out.extend(inner.iter().cloned()),
                        Unknown(u) => return Value::derived(u, None, span),
                        _ => return wrong_args(name, span),
                    }
                }
                Value::array(out, span)
            }
            _ => wrong_first(name, args, span),
        },
        ("shallowmerge", 1) => match a {
            Some(Array(items)) => shallow_merge(items, span),
            _ => wrong_first(name, args, span),
        },
        ("cidrsubnet", 3) => match (a, b, c) {
            (Some(Str(net)), Some(Int(bits)), Some(Int(index))) => cidr_subnet(net, *bits, *index)
                .map_or_else(
                    || Value::unknown("`cidrSubnet`: invalid arguments", span),
                    &s,
                ),
            _ => wrong_args(name, span),
        },
        ("cidrhost", 2) => match (a, b) {
            (Some(Str(net)), Some(Int(index))) => cidr_host(net, *index)
                .map_or_else(|| Value::unknown("`cidrHost`: invalid arguments", span), &s),
            _ => wrong_args(name, span),
        },
        ("parsecidr", 1) => match a {
            Some(Str(net)) => match net.trim().parse::<IpNet>() {
                Ok(ipnet) => {
                    let hosts = ipnet.hosts();
                    let first = hosts.clone().next().map(|h| h.to_string());
                    let last = hosts.last().map(|h| h.to_string());
                    let mut members = vec![
                        ("network".into(), s(ipnet.network().to_string())),
                        ("netmask".into(), s(ipnet.netmask().to_string())),
                        ("cidr".into(), n(i64::from(ipnet.prefix_len()))),
                    ];
                    if let IpNet::V4(_) = ipnet {
                        members.push(("broadcast".into(), s(ipnet.broadcast().to_string())));
                    }
                    if let Some(f) = first {
                        members.push(("firstUsable".into(), s(f)));
                    }
                    if let Some(l) = last {
                        members.push(("lastUsable".into(), s(l)));
                    }
                    Value::object(members, span)
                }
                Err(_) => Value::unknown(format!("`parseCidr('{net}')`: not a CIDR"), span),
            },
            _ => wrong_first(name, args, span),
        },
        _ => runtime(name, args, span),
    }
}

fn wrong_first(name: &str, args: &[Value], span: Span) -> Value {
    match args.first() {
        Some(v) => wrong_type(name, v, span),
        None => wrong_args(name, span),
    }
}

/// A byte offset as a character index (-1 when not found).
fn char_index(text: &str, at: Option<usize>) -> i64 {
    at.and_then(|i| text.get(..i))
        .map_or(-1, |p| p.chars().count() as i64)
}

fn too_long(span: Span) -> Value {
    Value::unknown("string too long to evaluate", span)
}

fn split(text: &str, delims: &[String], span: Span) -> Value {
    let mut pieces = vec![text.to_string()];
    for d in delims.iter().filter(|d| !d.is_empty()) {
        pieces = pieces
            .iter()
            .flat_map(|p| p.split(d.as_str()).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    Value::array(
        pieces.into_iter().map(|p| Value::str(p, span)).collect(),
        span,
    )
}

fn concat(m: &Machine<'_>, args: &[Value], span: Span) -> Value {
    let array_mode = args.iter().any(|a| matches!(a.kind, Kind::Array(_)));
    if array_mode {
        let mut out = Vec::new();
        for a in args {
            match &a.kind {
                Kind::Array(items) => {
                    if !m.charge(items.len() as u64) {
                        return Value::unknown("template evaluation budget exhausted", span);
                    }
                    out.extend(items.iter().cloned());
                }
                Kind::Null => {}
                Kind::Unknown(u) => return Value::derived(u, None, span),
                _ => return wrong_args("concat", span),
            }
        }
        return Value::array(out, span);
    }
    let mut parts = Vec::new();
    let mut cause: Option<Rc<Unk>> = None;
    let mut len = 0usize;
    for a in args {
        match &a.kind {
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) | Kind::Null => {
                len += a.display_text().len();
                push_parts(&mut parts, vec![Part::Lit(a.display_text())]);
            }
            Kind::Unknown(u) => {
                cause = cause.or_else(|| Some(u.clone()));
                match &u.sym {
                    Some(sym) => push_parts(&mut parts, sym.as_ref().clone()),
                    None => return Value::derived(u, None, span),
                }
            }
            _ => return wrong_args("concat", span),
        }
        if len > MAX_STRING {
            return too_long(span);
        }
    }
    symbolic_string(parts, cause.as_deref(), span)
}

/// .NET composite formatting: `{index[,alignment][:format]}`, `{{` and `}}`.
fn format(args: &[Value], span: Span) -> Value {
    let Some((fmt, rest)) = args.split_first() else {
        return wrong_args("format", span);
    };
    let fmt = match &fmt.kind {
        Kind::Str(s) => s.clone(),
        Kind::Unknown(u) => return Value::derived(u, sym_call("format", args), span),
        _ => return wrong_args("format", span),
    };
    let mut parts = Vec::new();
    let mut cause: Option<Rc<Unk>> = None;
    let mut lit = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut spec = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    spec.push(c);
                }
                if !closed {
                    return Value::unknown("`format`: unclosed `{`", span);
                }
                let (index_part, format_part) = match spec.split_once(':') {
                    Some((i, f)) => (i, Some(f)),
                    None => (spec.as_str(), None),
                };
                let index_text = index_part.split(',').next().unwrap_or("").trim();
                let Some(arg) = index_text.parse::<usize>().ok().and_then(|i| rest.get(i)) else {
                    return Value::unknown(format!("`format`: no argument for `{{{spec}}}`"), span);
                };
                push_parts(&mut parts, vec![Part::Lit(std::mem::take(&mut lit))]);
                match &arg.kind {
                    Kind::Unknown(u) => {
                        cause = cause.or_else(|| Some(u.clone()));
                        match (&u.sym, format_part) {
                            (Some(sym), None) => push_parts(&mut parts, sym.as_ref().clone()),
                            _ => return Value::derived(u, None, span),
                        }
                    }
                    Kind::Bool(b) => push_parts(
                        &mut parts,
                        vec![Part::Lit(if *b { "True" } else { "False" }.into())],
                    ),
                    Kind::Int(n) => {
                        let text = match format_part.map(str::trim) {
                            Some(f) if f.starts_with(['D', 'd']) => {
                                let width: usize =
                                    f.get(1..).and_then(|w| w.parse().ok()).unwrap_or(0);
                                format!("{n:0width$}", width = width.min(64))
                            }
                            _ => n.to_string(),
                        };
                        push_parts(&mut parts, vec![Part::Lit(text)]);
                    }
                    Kind::Array(_) | Kind::Object(_) => {
                        return wrong_args("format", span);
                    }
                    _ => push_parts(&mut parts, vec![Part::Lit(arg.display_text())]),
                }
            }
            c => lit.push(c),
        }
        if lit.len() > MAX_STRING {
            return too_long(span);
        }
    }
    push_parts(&mut parts, vec![Part::Lit(lit)]);
    symbolic_string(parts, cause.as_deref(), span)
}

fn create_object(args: &[Value], span: Span) -> Value {
    if args.len() % 2 != 0 {
        return wrong_args("createObject", span);
    }
    let mut members = Vec::new();
    for pair in args.chunks(2) {
        let [k, v] = pair else {
            return wrong_args("createObject", span);
        };
        match &k.kind {
            Kind::Str(s) => members.push((s.to_string(), v.clone())),
            Kind::Unknown(u) => return Value::derived(u, None, span),
            _ => return wrong_args("createObject", span),
        }
    }
    Value::object(members, span)
}

/// `union` (objects merged, later wins, nested objects merged; arrays deduplicated) and
/// `intersection`.
/// `shallowMerge([o1, o2, …])`: top-level members, later objects winning (nested objects are
/// replaced, not merged); nulls contribute nothing. An unknown object (what Bicep's
/// `...(c ? {…} : {})` with an unknown `c` gives) may set any member, so the members before it
/// become the unknown part of a partial object; the members after it stay known.
fn shallow_merge(items: &[Value], span: Span) -> Value {
    let mut out: Vec<(String, Value)> = Vec::new();
    let mut rest: Option<Rc<Unk>> = None;
    for item in items {
        match &item.kind {
            Kind::Null => {}
            Kind::Object(o) => {
                if o.rest.is_some() {
                    out.clear();
                    rest.clone_from(&o.rest);
                }
                for (k, v) in &o.members {
                    match out.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(k)) {
                        Some(slot) => slot.1 = v.clone(),
                        None => out.push((k.clone(), v.clone())),
                    }
                }
            }
            Kind::Unknown(u) => {
                out.clear();
                rest = Some(Rc::clone(u));
            }
            _ => {
                return Value::unknown(
                    format!("`shallowMerge`: a {} is not an object", item.type_name()),
                    item.span,
                )
            }
        }
    }
    Value::new(
        Kind::Object(Rc::new(value::Obj { members: out, rest })),
        span,
    )
}

fn set_op(m: &Machine<'_>, name: &str, args: &[Value], span: Span) -> Value {
    // A null argument (an absent optional object) contributes nothing.
    let args: Vec<Value> = args.iter().filter(|a| !a.is_null()).cloned().collect();
    let args = args.as_slice();
    if args.is_empty() {
        return Value::null(span);
    }
    let all_objects = args.iter().all(|a| matches!(a.kind, Kind::Object(_)));
    let all_arrays = args.iter().all(|a| matches!(a.kind, Kind::Array(_)));
    if all_objects {
        let objs: Vec<&value::Obj> = args.iter().filter_map(Value::as_object).collect();
        if name == "union" {
            let mut out: Vec<(String, Value)> = Vec::new();
            for o in objs {
                for (k, v) in &o.members {
                    match out.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(k)) {
                        Some(slot) => {
                            slot.1 = match (&slot.1.kind, &v.kind) {
                                (Kind::Object(_), Kind::Object(_)) => {
                                    set_op(m, "union", &[slot.1.clone(), v.clone()], v.span)
                                }
                                _ => v.clone(),
                            }
                        }
                        None => out.push((k.clone(), v.clone())),
                    }
                }
            }
            return Value::object(out, span);
        }
        let Some((first, rest)) = objs.split_first() else {
            return wrong_args(name, span);
        };
        let members = first
            .members
            .iter()
            .filter(|(k, v)| {
                rest.iter()
                    .all(|o| o.get(k).is_some_and(|w| value::equals(v, w) == Some(true)))
            })
            .cloned()
            .collect();
        return Value::object(members, span);
    }
    if !all_arrays {
        return wrong_args(name, span);
    }
    let arrays: Vec<&[Value]> = args.iter().filter_map(Value::as_array).collect();
    let total: usize = arrays.iter().map(|a| a.len()).sum();
    if !m.charge(total as u64) {
        return Value::unknown("template evaluation budget exhausted", span);
    }
    // Deduplicate by canonical text; values without one (unknowns) are kept as they are.
    let key = |v: &Value| v.canonical();
    if name == "union" {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for v in arrays.iter().flat_map(|a| a.iter()) {
            match key(v) {
                Some(k) => {
                    if seen.insert(k) {
                        out.push(v.clone());
                    }
                }
                None => out.push(v.clone()),
            }
        }
        return Value::array(out, span);
    }
    let Some((first, rest)) = arrays.split_first() else {
        return wrong_args(name, span);
    };
    let others: Vec<HashSet<String>> = rest
        .iter()
        .map(|a| a.iter().filter_map(key).collect())
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for v in first.iter() {
        let Some(k) = key(v) else {
            return unknown_from(args, None, span);
        };
        if others.iter().all(|o| o.contains(&k)) && seen.insert(k) {
            out.push(v.clone());
        }
    }
    Value::array(out, span)
}

/// A JSON node from `json()` as a value (positions inside the string are not tracked).
fn from_json(node: &crate::frontend::json::Node, span: Span, depth: usize) -> Value {
    use crate::frontend::json::Json;
    if depth > 64 {
        return Value::unknown("`json()` value nested too deeply", span);
    }
    match &node.value {
        Json::Lazy(l) => from_json(l.node(), span, depth),
        Json::Null => Value::null(span),
        Json::Bool(b) => Value::bool(*b, span),
        Json::Number(t) => match t.parse::<i64>() {
            Ok(n) => Value::int(n, span),
            Err(_) => t
                .parse::<f64>()
                .map(|f| Value::new(Kind::Float(f), span))
                .unwrap_or_else(|_| Value::unknown("invalid number", span)),
        },
        Json::String(s) => Value::str(s.as_ref(), span),
        Json::Array(items) => Value::array(
            items
                .iter()
                .map(|i| from_json(i, span, depth + 1))
                .collect(),
            span,
        ),
        Json::Object(members) => Value::object(
            members
                .iter()
                .map(|m| (m.key.to_string(), from_json(&m.value, span, depth + 1)))
                .collect(),
            span,
        ),
    }
}

/// Bicep's `cidrSubnet(network, newPrefixLength, index)`.
fn cidr_subnet(net: &str, bits: i64, index: i64) -> Option<String> {
    let net: IpNet = net.trim().parse().ok()?;
    let bits = u8::try_from(bits).ok()?;
    let index = u128::try_from(index).ok()?;
    if bits < net.prefix_len() || bits > net.max_prefix_len() {
        return None;
    }
    let shift = u32::from(net.max_prefix_len() - bits);
    let count_bits = u32::from(bits - net.prefix_len());
    if count_bits < 128 && index >= (1u128 << count_bits) {
        return None;
    }
    let offset = index.checked_shl(shift)?;
    let sub = match net.network() {
        IpAddr::V4(a) => {
            let base = u128::from(u32::from(a));
            let addr = u32::try_from(base.checked_add(offset)?).ok()?;
            IpNet::new(IpAddr::V4(addr.into()), bits).ok()?
        }
        IpAddr::V6(a) => {
            let addr = u128::from(a).checked_add(offset)?;
            IpNet::new(IpAddr::V6(addr.into()), bits).ok()?
        }
    };
    Some(sub.to_string())
}

/// Bicep's `cidrHost(network, index)`: the index-th usable host (the network address + 1 + index).
fn cidr_host(net: &str, index: i64) -> Option<String> {
    let net: IpNet = net.trim().parse().ok()?;
    let index = u128::try_from(index).ok()?;
    match net.network() {
        IpAddr::V4(a) => {
            let addr = u128::from(u32::from(a)).checked_add(index + 1)?;
            let addr = u32::try_from(addr).ok()?;
            let ip = IpAddr::V4(addr.into());
            net.contains(&ip).then(|| ip.to_string())
        }
        IpAddr::V6(a) => {
            let ip = IpAddr::V6(u128::from(a).checked_add(index + 1)?.into());
            net.contains(&ip).then(|| ip.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn sp() -> Span {
        Span::new(FileId(1), 0, 0)
    }

    fn run(name: &str, args: Vec<Value>) -> Value {
        let m = Machine::new(FileId(1), "");
        call(&m, name, args, sp())
    }

    fn s(t: &str) -> Value {
        Value::str(t, sp())
    }

    #[test]
    fn format_follows_dotnet_composite_formatting() {
        let v = run(
            "format",
            vec![
                s("{0}-{1:D3} {{x}} {2}"),
                s("a"),
                Value::int(7, sp()),
                Value::bool(true, sp()),
            ],
        );
        assert_eq!(v.as_str(), Some("a-007 {x} True"));
    }

    #[test]
    fn concat_and_format_of_unknowns_share_a_symbol() {
        let p = Value::atom("no value", sp(), "parameters('p')");
        let a = run("concat", vec![p.clone(), s("-nsg")]);
        let b = run("format", vec![s("{0}-nsg"), p]);
        let (ua, ub) = (a.as_unknown().unwrap(), b.as_unknown().unwrap());
        assert_eq!(ua.sym, ub.sym);
        assert_eq!(ua.reason.as_ref(), "no value");
    }

    #[test]
    fn strict_functions_propagate_unknowns() {
        let u = Value::atom("r", sp(), "x");
        let v = run("length", vec![u]);
        assert_eq!(v.as_unknown().unwrap().reason.as_ref(), "r");
        let v = run("uniquestring", vec![s("a")]);
        assert!(v.as_unknown().unwrap().sym.is_some());
        assert!(run("utcnow", vec![]).as_unknown().unwrap().sym.is_none());
    }

    #[test]
    fn union_merges_objects_and_dedupes_arrays() {
        let o1 = Value::object(vec![("a".into(), s("1")), ("b".into(), s("2"))], sp());
        let o2 = Value::object(vec![("B".into(), s("3"))], sp());
        let u = run("union", vec![o1, o2]);
        assert_eq!(u.as_object().unwrap().get("b").unwrap().as_str(), Some("3"));
        let a1 = Value::array(vec![s("x"), s("y")], sp());
        let a2 = Value::array(vec![s("y"), s("z")], sp());
        assert_eq!(run("union", vec![a1, a2]).as_array().unwrap().len(), 3);
    }

    #[test]
    fn cidr_functions() {
        assert_eq!(
            run(
                "cidrsubnet",
                vec![s("10.1.0.0/16"), Value::int(24, sp()), Value::int(2, sp())]
            )
            .as_str(),
            Some("10.1.2.0/24")
        );
        assert!(run(
            "cidrsubnet",
            vec![
                s("10.1.0.0/16"),
                Value::int(24, sp()),
                Value::int(256, sp())
            ]
        )
        .is_unknown());
        assert_eq!(
            run("cidrhost", vec![s("10.144.3.0/24"), Value::int(3, sp())]).as_str(),
            Some("10.144.3.4")
        );
    }

    #[test]
    fn misc_functions() {
        assert_eq!(
            run("split", vec![s("a/b"), s("/")])
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            run("range", vec![Value::int(1, sp()), Value::int(3, sp())])
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert!(run(
            "range",
            vec![Value::int(1, sp()), Value::int(1_000_000, sp())]
        )
        .is_unknown());
        assert_eq!(
            run("json", vec![s("null")]).kind.type_name_for_test(),
            "null"
        );
        assert_eq!(
            run("string", vec![Value::array(vec![s("a")], sp())]).as_str(),
            Some("[\"a\"]")
        );
        assert_eq!(
            run("padleft", vec![s("7"), Value::int(3, sp()), s("0")]).as_str(),
            Some("007")
        );
        assert!(run("padleft", vec![s("7"), Value::int(i64::MAX, sp())]).is_unknown());
        assert_eq!(
            run("substring", vec![s("abc"), Value::int(1, sp())]).as_str(),
            Some("bc")
        );
        assert!(run("substring", vec![s("abc"), Value::int(5, sp())]).is_unknown());
        assert_eq!(
            run("contains", vec![Value::array(vec![s("a")], sp()), s("a")])
                .kind
                .type_name_for_test(),
            "true"
        );
    }

    impl Kind {
        fn type_name_for_test(&self) -> &'static str {
            match self {
                Kind::Null => "null",
                Kind::Bool(true) => "true",
                Kind::Bool(false) => "false",
                _ => "other",
            }
        }
    }
}

//! Terraform's built-in functions that network code uses. `try` and `can` live in the
//! evaluator (they need their arguments unevaluated). An argument that is Unknown makes the
//! result Unknown (with that argument's reason); a function nsgate does not implement yields
//! an Unknown that names it, never a guess.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::eval::MAX_VALUE_LEN;
use super::value::{num_text, Value, V};
use crate::source::Span;

type R = Result<Value, Value>;

fn too_large(span: Span) -> Value {
    Value::unknown("the value is too large for nsgate to evaluate", span)
}

pub fn call(name: &str, args: Vec<Value>, span: Span) -> Value {
    // Collection functions handle unknown elements themselves; a top-level Unknown argument
    // makes any result unknown.
    if let Some(u) = args.iter().find(|a| a.is_unknown()) {
        if name != "coalesce" {
            return u.clone();
        }
    }
    let f = Call { args, span };
    let result = match name {
        "length" => f.length(),
        "concat" => f.concat(),
        "flatten" => f.flatten(),
        "merge" => f.merge(),
        "lookup" => f.lookup(),
        "element" => f.element(),
        "keys" => f.keys(),
        "values" => f.values(),
        "zipmap" => f.zipmap(),
        "range" => f.range(),
        "tolist" => f.tolist(),
        "toset" => f.toset(),
        "tomap" => f.tomap(),
        "tostring" => f.tostring(),
        "tonumber" => f.tonumber(),
        "tobool" => f.tobool(),
        "format" => f.format(),
        "formatlist" => f.formatlist(),
        "join" => f.join(),
        "split" => f.split(),
        "replace" => f.replace(),
        "lower" => f.string_map(|s| s.to_lowercase()),
        "upper" => f.string_map(|s| s.to_uppercase()),
        "title" => f.string_map(title),
        "trimspace" => f.string_map(|s| s.trim().to_string()),
        "strrev" => f.string_map(|s| s.chars().rev().collect()),
        "trim" => f.trim(),
        "trimprefix" => f.trim_affix(true),
        "trimsuffix" => f.trim_affix(false),
        "substr" => f.substr(),
        "startswith" => f.string_test(|s, p| s.starts_with(p)),
        "endswith" => f.string_test(|s, p| s.ends_with(p)),
        "strcontains" => f.string_test(|s, p| s.contains(p)),
        "coalesce" => f.coalesce(),
        "coalescelist" => f.coalescelist(),
        "compact" => f.compact(),
        "distinct" => f.distinct(),
        "contains" => f.contains(),
        "index" => f.index(),
        "reverse" => f.reverse(),
        "sort" => f.sort(),
        "slice" => f.slice(),
        "one" => f.one(),
        "chunklist" => f.chunklist(),
        "setunion" => f.setunion(),
        "setintersection" => f.setintersection(),
        "setsubtract" => f.setsubtract(),
        "sum" => f.fold_num(|a, b| a + b, Some(0.0)),
        "max" => f.fold_num(f64::max, None),
        "min" => f.fold_num(f64::min, None),
        "abs" => f.num_map(f64::abs),
        "ceil" => f.num_map(f64::ceil),
        "floor" => f.num_map(f64::floor),
        "alltrue" => f.all_any(true),
        "anytrue" => f.all_any(false),
        "jsondecode" => f.jsondecode(),
        "jsonencode" => f.jsonencode(),
        "cidrsubnet" => f.cidrsubnet(),
        "cidrsubnets" => f.cidrsubnets(),
        "cidrhost" => f.cidrhost(),
        "cidrnetmask" => f.cidrnetmask(),
        _ => Err(Value::unknown(
            format!("function `{name}` is not evaluated by nsgate"),
            span,
        )),
    };
    match result {
        Ok(v) | Err(v) => v,
    }
}

struct Call {
    args: Vec<Value>,
    span: Span,
}

fn title(s: String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

impl Call {
    fn err(&self, msg: impl Into<String>) -> Value {
        Value::error(msg.into(), self.span)
    }

    fn arg(&self, i: usize) -> Result<&Value, Value> {
        self.args
            .get(i)
            .ok_or_else(|| self.err(format!("missing argument {}", i + 1)))
    }

    fn text(&self, i: usize) -> Result<String, Value> {
        self.arg(i)?.to_text("the argument")
    }

    fn num(&self, i: usize) -> Result<f64, Value> {
        self.arg(i)?.to_num("the argument")
    }

    fn list(&self, i: usize) -> Result<Vec<Value>, Value> {
        let v = self.arg(i)?;
        match &v.v {
            V::List(items) => Ok(items.as_ref().clone()),
            V::Null => Err(self.err("a list argument is null")),
            _ => Err(self.err(format!("expected a list, got a {}", v.type_name()))),
        }
    }

    fn map(&self, i: usize) -> Result<BTreeMap<String, Value>, Value> {
        let v = self.arg(i)?;
        match &v.v {
            V::Map(items) => Ok(items.as_ref().clone()),
            V::Null => Err(self.err("a map argument is null")),
            _ => Err(self.err(format!("expected a map, got a {}", v.type_name()))),
        }
    }

    fn ok_list(&self, items: Vec<Value>) -> R {
        Ok(Value::list(items, self.span))
    }

    fn length(&self) -> R {
        let v = self.arg(0)?;
        let n = match &v.v {
            V::List(items) => items.len(),
            V::Map(items) => items.len(),
            V::Str(s) => s.chars().count(),
            _ => return Err(self.err(format!("length() of a {}", v.type_name()))),
        };
        Ok(Value::num(n as f64, self.span))
    }

    fn concat(&self) -> R {
        let mut out = Vec::new();
        for i in 0..self.args.len() {
            out.extend(self.list(i)?);
        }
        self.ok_list(out)
    }

    fn flatten(&self) -> R {
        fn go(items: &[Value], out: &mut Vec<Value>) -> Result<(), Value> {
            for item in items {
                match &item.v {
                    V::List(inner) => go(inner, out)?,
                    V::Unknown(_) => return Err(item.clone()),
                    _ => out.push(item.clone()),
                }
            }
            Ok(())
        }
        let mut out = Vec::new();
        go(&self.list(0)?, &mut out)?;
        self.ok_list(out)
    }

    fn merge(&self) -> R {
        let mut out = BTreeMap::new();
        for (i, a) in self.args.iter().enumerate() {
            if a.is_null() {
                continue;
            }
            out.extend(self.map(i)?);
        }
        Ok(Value::map(out, self.span))
    }

    fn lookup(&self) -> R {
        let map = self.map(0)?;
        let key = self.text(1)?;
        match (map.get(&key), self.args.get(2)) {
            (Some(v), _) => Ok(v.clone()),
            (None, Some(default)) => Ok(default.clone()),
            (None, None) => Err(self.err(format!("lookup: the map has no key `{key}`"))),
        }
    }

    fn element(&self) -> R {
        let items = self.list(0)?;
        let i = self.num(1)?;
        if items.is_empty() {
            return Err(self.err("element() of an empty list"));
        }
        if i < 0.0 {
            return Err(self.err("element() with a negative index"));
        }
        let idx = (i as usize) % items.len();
        items
            .get(idx)
            .cloned()
            .ok_or_else(|| self.err("index out of range"))
    }

    fn keys(&self) -> R {
        let m = self.map(0)?;
        self.ok_list(m.keys().map(|k| Value::str(k.clone(), self.span)).collect())
    }

    fn values(&self) -> R {
        let m = self.map(0)?;
        self.ok_list(m.into_values().collect())
    }

    fn zipmap(&self) -> R {
        let keys = self.list(0)?;
        let values = self.list(1)?;
        if keys.len() != values.len() {
            return Err(self.err("zipmap: the lists differ in length"));
        }
        let mut out = BTreeMap::new();
        for (k, v) in keys.iter().zip(values) {
            out.insert(k.to_text("a key")?, v);
        }
        Ok(Value::map(out, self.span))
    }

    fn range(&self) -> R {
        let (start, end, step) = match self.args.len() {
            1 => (0.0, self.num(0)?, 1.0),
            2 => (self.num(0)?, self.num(1)?, 1.0),
            3 => (self.num(0)?, self.num(1)?, self.num(2)?),
            _ => return Err(self.err("range() takes 1 to 3 arguments")),
        };
        if step == 0.0 || (step > 0.0) != (end >= start) && start != end {
            return Err(self.err("range(): the step does not lead from start to end"));
        }
        let count = ((end - start) / step).ceil();
        if !(0.0..=100_000.0).contains(&count) {
            return Err(self.err("range() would produce too many elements"));
        }
        let items = (0..count as usize)
            .map(|i| Value::num(start + step * i as f64, self.span))
            .collect();
        self.ok_list(items)
    }

    fn tolist(&self) -> R {
        let v = self.arg(0)?;
        match &v.v {
            V::List(_) | V::Null => Ok(v.clone()),
            _ => Err(self.err(format!("tolist() of a {}", v.type_name()))),
        }
    }

    fn toset(&self) -> R {
        let items = match &self.arg(0)?.v {
            V::Null => return Ok(self.arg(0)?.clone()),
            _ => self.list(0)?,
        };
        Ok(Value::list(set_of(items), self.span))
    }

    fn tomap(&self) -> R {
        let v = self.arg(0)?;
        match &v.v {
            V::Map(_) | V::Null => Ok(v.clone()),
            _ => Err(self.err(format!("tomap() of a {}", v.type_name()))),
        }
    }

    fn tostring(&self) -> R {
        let v = self.arg(0)?;
        match &v.v {
            V::Null => Ok(v.clone()),
            V::Str(_) => Ok(v.clone()),
            V::Num(_) | V::Bool(_) => Ok(Value::str(v.to_text("")?, self.span)),
            _ => Err(self.err(format!("tostring() of a {}", v.type_name()))),
        }
    }

    fn tonumber(&self) -> R {
        let v = self.arg(0)?;
        match &v.v {
            V::Null | V::Num(_) => Ok(v.clone()),
            _ => Ok(Value::num(v.to_num("tonumber()")?, self.span)),
        }
    }

    fn tobool(&self) -> R {
        let v = self.arg(0)?;
        match &v.v {
            V::Null | V::Bool(_) => Ok(v.clone()),
            _ => Ok(Value::bool(v.to_bool("tobool()")?, self.span)),
        }
    }

    fn format(&self) -> R {
        let fmt = self.text(0)?;
        let rest = self.args.get(1..).unwrap_or(&[]);
        Ok(Value::str(format_str(&fmt, rest, self.span)?, self.span))
    }

    fn formatlist(&self) -> R {
        let fmt = self.text(0)?;
        let rest = self.args.get(1..).unwrap_or(&[]);
        let len = rest
            .iter()
            .filter_map(|a| match &a.v {
                V::List(items) => Some(items.len()),
                _ => None,
            })
            .max();
        let Some(len) = len else {
            return self.ok_list(vec![Value::str(
                format_str(&fmt, rest, self.span)?,
                self.span,
            )]);
        };
        let mut out = Vec::new();
        for i in 0..len {
            let row: Vec<Value> = rest
                .iter()
                .map(|a| match &a.v {
                    V::List(items) => items.get(i).cloned().unwrap_or_else(|| Value::null(a.span)),
                    _ => a.clone(),
                })
                .collect();
            out.push(Value::str(format_str(&fmt, &row, self.span)?, self.span));
        }
        self.ok_list(out)
    }

    fn join(&self) -> R {
        let sep = self.text(0)?;
        let mut parts = Vec::new();
        let mut total = 0usize;
        for i in 1..self.args.len() {
            for item in self.list(i)? {
                let t = item.to_text("a joined element")?;
                total += t.len() + sep.len();
                if total > MAX_VALUE_LEN {
                    return Err(too_large(self.span));
                }
                parts.push(t);
            }
        }
        Ok(Value::str(parts.join(&sep), self.span))
    }

    fn split(&self) -> R {
        let sep = self.text(0)?;
        let s = self.text(1)?;
        if sep.is_empty() {
            return Err(self.err("split() with an empty separator"));
        }
        self.ok_list(
            s.split(sep.as_str())
                .map(|p| Value::str(p, self.span))
                .collect(),
        )
    }

    fn replace(&self) -> R {
        let s = self.text(0)?;
        let from = self.text(1)?;
        let to = self.text(2)?;
        if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
            return Err(Value::unknown(
                "replace() with a regular expression is not evaluated by nsgate",
                self.span,
            ));
        }
        if from.is_empty() {
            return Ok(Value::str(s, self.span));
        }
        if s.matches(from.as_str()).count().saturating_mul(to.len()) > MAX_VALUE_LEN {
            return Err(too_large(self.span));
        }
        Ok(Value::str(s.replace(&from, &to), self.span))
    }

    fn string_map(&self, f: impl Fn(String) -> String) -> R {
        Ok(Value::str(f(self.text(0)?), self.span))
    }

    fn string_test(&self, f: impl Fn(&str, &str) -> bool) -> R {
        Ok(Value::bool(f(&self.text(0)?, &self.text(1)?), self.span))
    }

    fn trim(&self) -> R {
        let s = self.text(0)?;
        let chars: Vec<char> = self.text(1)?.chars().collect();
        Ok(Value::str(
            s.trim_matches(|c| chars.contains(&c)),
            self.span,
        ))
    }

    fn trim_affix(&self, prefix: bool) -> R {
        let s = self.text(0)?;
        let a = self.text(1)?;
        let out = if prefix {
            s.strip_prefix(a.as_str()).unwrap_or(&s)
        } else {
            s.strip_suffix(a.as_str()).unwrap_or(&s)
        };
        Ok(Value::str(out, self.span))
    }

    fn substr(&self) -> R {
        let s: Vec<char> = self.text(0)?.chars().collect();
        let offset = self.num(1)?;
        let length = self.num(2)?;
        let len = s.len() as f64;
        let start = if offset < 0.0 { len + offset } else { offset };
        if start < 0.0 || start > len {
            return Err(self.err("substr(): offset out of range"));
        }
        let end = if length < 0.0 {
            len
        } else {
            (start + length).min(len)
        };
        let out: String = s
            .get(start as usize..end as usize)
            .unwrap_or(&[])
            .iter()
            .collect();
        Ok(Value::str(out, self.span))
    }

    fn coalesce(&self) -> R {
        for a in &self.args {
            match &a.v {
                V::Unknown(_) => return Err(a.clone()),
                V::Null => continue,
                V::Str(s) if s.is_empty() => continue,
                _ => return Ok(a.clone()),
            }
        }
        Err(self.err("coalesce(): no non-null, non-empty argument"))
    }

    fn coalescelist(&self) -> R {
        for (i, a) in self.args.iter().enumerate() {
            if a.is_null() {
                continue;
            }
            if !self.list(i)?.is_empty() {
                return Ok(a.clone());
            }
        }
        self.ok_list(Vec::new())
    }

    fn compact(&self) -> R {
        let items = self.list(0)?;
        let mut out = Vec::new();
        for item in items {
            match &item.v {
                V::Null => {}
                V::Str(s) if s.is_empty() => {}
                V::Unknown(_) => return Err(item),
                _ => out.push(item),
            }
        }
        self.ok_list(out)
    }

    fn distinct(&self) -> R {
        let items = self.list(0)?;
        let mut out: Vec<Value> = Vec::new();
        for item in items {
            if item.first_unknown().is_some() {
                return Err(item.first_unknown().unwrap_or(item));
            }
            if !out.iter().any(|o| o.equals(&item) == Some(true)) {
                out.push(item);
            }
        }
        self.ok_list(out)
    }

    fn contains(&self) -> R {
        let items = self.list(0)?;
        let needle = self.arg(1)?;
        let mut unknown = None;
        for item in &items {
            match item.equals(needle) {
                Some(true) => return Ok(Value::bool(true, self.span)),
                None => unknown = unknown.or_else(|| item.first_unknown()),
                Some(false) => {}
            }
        }
        match unknown {
            Some(u) => Err(u),
            None => Ok(Value::bool(false, self.span)),
        }
    }

    fn index(&self) -> R {
        let items = self.list(0)?;
        let needle = self.arg(1)?;
        for (i, item) in items.iter().enumerate() {
            match item.equals(needle) {
                Some(true) => return Ok(Value::num(i as f64, self.span)),
                None => return Err(item.first_unknown().unwrap_or_else(|| item.clone())),
                Some(false) => {}
            }
        }
        Err(self.err("index(): the value is not in the list"))
    }

    fn reverse(&self) -> R {
        let mut items = self.list(0)?;
        items.reverse();
        self.ok_list(items)
    }

    fn sort(&self) -> R {
        let items = self.list(0)?;
        let mut texts = Vec::new();
        for item in &items {
            texts.push((item.to_text("a sorted element")?, item.clone()));
        }
        texts.sort_by(|a, b| a.0.cmp(&b.0));
        self.ok_list(
            texts
                .into_iter()
                .map(|(t, v)| Value::str(t, v.span))
                .collect(),
        )
    }

    fn slice(&self) -> R {
        let items = self.list(0)?;
        let (a, b) = (self.num(1)?, self.num(2)?);
        if a < 0.0 || b < a || b > items.len() as f64 {
            return Err(self.err("slice(): indices out of range"));
        }
        self.ok_list(items.get(a as usize..b as usize).unwrap_or(&[]).to_vec())
    }

    fn one(&self) -> R {
        let items = self.list(0)?;
        match items.as_slice() {
            [] => Ok(Value::null(self.span)),
            [x] => Ok(x.clone()),
            _ => Err(self.err("one(): the list has more than one element")),
        }
    }

    fn chunklist(&self) -> R {
        let items = self.list(0)?;
        let size = self.num(1)?;
        if size < 0.0 {
            return Err(self.err("chunklist(): negative size"));
        }
        if size == 0.0 {
            return self.ok_list(vec![Value::list(items, self.span)]);
        }
        let chunks = items
            .chunks(size as usize)
            .map(|c| Value::list(c.to_vec(), self.span))
            .collect();
        self.ok_list(chunks)
    }

    fn setunion(&self) -> R {
        let mut all = Vec::new();
        for i in 0..self.args.len() {
            all.extend(self.list(i)?);
        }
        Ok(Value::list(set_of(all), self.span))
    }

    fn setintersection(&self) -> R {
        let mut acc = set_of(self.list(0)?);
        for i in 1..self.args.len() {
            let other = self.list(i)?;
            acc.retain(|a| other.iter().any(|b| a.equals(b) == Some(true)));
        }
        self.ok_list(acc)
    }

    fn setsubtract(&self) -> R {
        let mut acc = set_of(self.list(0)?);
        let other = self.list(1)?;
        acc.retain(|a| !other.iter().any(|b| a.equals(b) == Some(true)));
        self.ok_list(acc)
    }

    fn fold_num(&self, f: impl Fn(f64, f64) -> f64, init: Option<f64>) -> R {
        // sum(list) takes one list; max/min take numbers (or an expanded list).
        let values: Vec<Value> = match self.args.as_slice() {
            [single] if matches!(single.v, V::List(_)) => self.list(0)?,
            _ => self.args.clone(),
        };
        let mut acc = init;
        for v in &values {
            let n = v.to_num("a number")?;
            acc = Some(match acc {
                None => n,
                Some(a) => f(a, n),
            });
        }
        acc.map(|n| Value::num(n, self.span))
            .ok_or_else(|| self.err("no numbers given"))
    }

    fn num_map(&self, f: impl Fn(f64) -> f64) -> R {
        Ok(Value::num(f(self.num(0)?), self.span))
    }

    fn all_any(&self, all: bool) -> R {
        let items = self.list(0)?;
        let mut unknown = None;
        for item in &items {
            match item.to_bool("an element") {
                Ok(b) if b != all => return Ok(Value::bool(!all, self.span)),
                Ok(_) => {}
                Err(u) => unknown = unknown.or(Some(u)),
            }
        }
        match unknown {
            Some(u) => Err(u),
            None => Ok(Value::bool(all, self.span)),
        }
    }

    fn jsondecode(&self) -> R {
        let s = self.text(0)?;
        match serde_json::from_str::<serde_json::Value>(&s) {
            Ok(j) => Ok(from_json(&j, self.span)),
            Err(e) => Err(self.err(format!("jsondecode(): {e}"))),
        }
    }

    fn jsonencode(&self) -> R {
        let v = self.arg(0)?;
        if let Some(u) = v.first_unknown() {
            return Err(u);
        }
        Ok(Value::str(to_json(v).to_string(), self.span))
    }

    fn prefix(&self, i: usize) -> Result<IpNet, Value> {
        let s = self.text(i)?;
        s.trim()
            .parse::<IpNet>()
            .map_err(|_| self.err(format!("`{s}` is not a CIDR prefix")))
    }

    fn cidrsubnet(&self) -> R {
        let net = self.prefix(0)?;
        let newbits = self.num(1)?;
        let netnum = self.num(2)?;
        let sub = subnet(net, newbits, netnum).map_err(|m| self.err(m))?;
        Ok(Value::str(sub.to_string(), self.span))
    }

    fn cidrsubnets(&self) -> R {
        let net = self.prefix(0)?;
        let (width, base) = bounds(net);
        let mut next = base;
        let mut out = Vec::new();
        for i in 1..self.args.len() {
            let newbits = self.num(i)?;
            let len = f64::from(net.prefix_len()) + newbits;
            if newbits < 1.0 || len > f64::from(width) {
                return Err(self.err("cidrsubnets(): invalid new bits"));
            }
            let size = 1u128 << (width - len as u8);
            let start = next.div_ceil(size) * size;
            let end = start + size;
            if end > base + (1u128 << (width - net.prefix_len())) {
                return Err(self.err("cidrsubnets(): not enough address space"));
            }
            out.push(Value::str(
                make_net(net, start, len as u8)?.to_string(),
                self.span,
            ));
            next = end;
        }
        self.ok_list(out)
    }

    fn cidrhost(&self) -> R {
        let net = self.prefix(0)?;
        let hostnum = self.num(1)?;
        let (width, base) = bounds(net);
        let host_bits = width - net.prefix_len();
        let size = if host_bits >= 128 {
            f64::MAX
        } else {
            (1u128 << host_bits) as f64
        };
        let n = if hostnum < 0.0 {
            size + hostnum
        } else {
            hostnum
        };
        if n < 0.0 || n >= size || n.fract() != 0.0 {
            return Err(self.err(format!(
                "cidrhost(): host number {hostnum} is outside {net}"
            )));
        }
        let addr = make_addr(net, base + n as u128);
        Ok(Value::str(addr.to_string(), self.span))
    }

    fn cidrnetmask(&self) -> R {
        match self.prefix(0)? {
            IpNet::V4(n) => Ok(Value::str(n.netmask().to_string(), self.span)),
            IpNet::V6(_) => Err(self.err("cidrnetmask() takes an IPv4 prefix")),
        }
    }
}

fn set_of(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.iter().any(|o| o.equals(&item) == Some(true)) {
            out.push(item);
        }
    }
    if out.iter().all(|v| matches!(v.v, V::Str(_))) {
        out.sort_by_key(|v| v.to_string());
    }
    out
}

fn bounds(net: IpNet) -> (u8, u128) {
    match net {
        IpNet::V4(n) => (32, u128::from(u32::from(n.network()))),
        IpNet::V6(n) => (128, u128::from(n.network())),
    }
}

fn make_addr(net: IpNet, n: u128) -> IpAddr {
    match net {
        IpNet::V4(_) => IpAddr::V4(Ipv4Addr::from(n as u32)),
        IpNet::V6(_) => IpAddr::V6(Ipv6Addr::from(n)),
    }
}

fn make_net(net: IpNet, start: u128, len: u8) -> Result<IpNet, Value> {
    IpNet::new(make_addr(net, start), len).map_err(|e| {
        Value::error(
            e.to_string(),
            crate::source::Span::new(crate::source::FileId(0), 0, 0),
        )
    })
}

fn subnet(net: IpNet, newbits: f64, netnum: f64) -> Result<IpNet, String> {
    let (width, base) = bounds(net);
    let len = f64::from(net.prefix_len()) + newbits;
    if newbits < 0.0 || newbits.fract() != 0.0 || len > f64::from(width) {
        return Err(format!(
            "cidrsubnet(): cannot extend {net} by {newbits} bits"
        ));
    }
    let count = 2f64.powf(newbits);
    if netnum < 0.0 || netnum >= count || netnum.fract() != 0.0 {
        return Err(format!(
            "cidrsubnet(): network number {netnum} does not fit in {newbits} bits"
        ));
    }
    let shift = width - len as u8;
    let start = base + ((netnum as u128).checked_shl(u32::from(shift)).unwrap_or(0));
    IpNet::new(make_addr(net, start), len as u8).map_err(|e| e.to_string())
}

/// Go-style `format` with the verbs Terraform supports most: %s %d %v %q %t %f %%.
fn format_str(fmt: &str, args: &[Value], span: Span) -> Result<String, Value> {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "-+ #0123456789.".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let Some(verb) = chars.next() else {
            return Err(Value::error("format(): the format ends with `%`", span));
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args
            .get(next)
            .ok_or_else(|| Value::error("format(): too few arguments", span))?;
        next += 1;
        let text = match verb {
            'd' => {
                let n = arg.to_num("a %d argument")?;
                num_text(n.trunc())
            }
            'f' => {
                let n = arg.to_num("a %f argument")?;
                let precision = flags
                    .split_once('.')
                    .and_then(|(_, p)| p.parse::<usize>().ok())
                    .unwrap_or(6)
                    .min(64);
                format!("{n:.precision$}")
            }
            'q' => format!("{:?}", arg.to_text("a %q argument")?),
            's' | 'v' | 't' => {
                if let Some(u) = arg.first_unknown() {
                    return Err(u);
                }
                match &arg.v {
                    V::Str(_) | V::Num(_) | V::Bool(_) => arg.to_text("an argument")?,
                    _ => to_json(arg).to_string(),
                }
            }
            other => {
                return Err(Value::unknown(
                    format!("format verb `%{other}` is not evaluated by nsgate"),
                    span,
                ))
            }
        };
        let width: usize = flags
            .split('.')
            .next()
            .map(|w| w.trim_start_matches(['-', '+', ' ', '#', '0']))
            .and_then(|w| w.parse().ok())
            .unwrap_or(0usize)
            .min(1024);
        let pad = width.saturating_sub(text.chars().count());
        if flags.starts_with('-') {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            let fill = if flags.starts_with('0') { '0' } else { ' ' };
            out.extend(std::iter::repeat_n(fill, pad));
            out.push_str(&text);
        }
    }
    Ok(out)
}

pub fn from_json(j: &serde_json::Value, span: Span) -> Value {
    match j {
        serde_json::Value::Null => Value::null(span),
        serde_json::Value::Bool(b) => Value::bool(*b, span),
        serde_json::Value::Number(n) => Value::num(n.as_f64().unwrap_or(0.0), span),
        serde_json::Value::String(s) => Value::str(s.clone(), span),
        serde_json::Value::Array(items) => {
            Value::list(items.iter().map(|i| from_json(i, span)).collect(), span)
        }
        serde_json::Value::Object(m) => Value::map(
            m.iter()
                .map(|(k, v)| (k.clone(), from_json(v, span)))
                .collect(),
            span,
        ),
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    match &v.v {
        V::Null | V::Unknown(_) => serde_json::Value::Null,
        V::Bool(b) => serde_json::Value::Bool(*b),
        V::Num(n) => serde_json::Number::from_f64(*n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        V::Str(s) => serde_json::Value::String(s.clone()),
        V::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        V::Map(m) => {
            serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
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
    fn s(t: &str) -> Value {
        Value::str(t, sp())
    }
    fn n(x: f64) -> Value {
        Value::num(x, sp())
    }
    fn l(items: Vec<Value>) -> Value {
        Value::list(items, sp())
    }
    fn text(v: Value) -> String {
        v.to_string()
    }
    fn c(name: &str, args: Vec<Value>) -> Value {
        call(name, args, sp())
    }

    #[test]
    fn cidr_functions_match_terraform() {
        assert_eq!(
            text(c("cidrsubnet", vec![s("10.1.0.0/16"), n(8.0), n(2.0)])),
            "10.1.2.0/24"
        );
        assert_eq!(
            text(c("cidrsubnet", vec![s("fd00::/56"), n(8.0), n(1.0)])),
            "fd00:0:0:1::/64"
        );
        assert_eq!(
            text(c("cidrhost", vec![s("10.1.0.0/24"), n(5.0)])),
            "10.1.0.5"
        );
        assert_eq!(
            text(c("cidrhost", vec![s("10.1.0.0/24"), n(-2.0)])),
            "10.1.0.254"
        );
        assert_eq!(
            text(c("cidrnetmask", vec![s("10.1.0.0/20")])),
            "255.255.240.0"
        );
        assert_eq!(
            text(c(
                "cidrsubnets",
                vec![s("10.1.0.0/16"), n(4.0), n(8.0), n(4.0)]
            )),
            "[10.1.0.0/20, 10.1.16.0/24, 10.1.32.0/20]"
        );
        assert!(c("cidrsubnet", vec![s("10.1.0.0/16"), n(8.0), n(256.0)]).is_error());
    }

    #[test]
    fn collection_functions() {
        assert_eq!(
            text(c("concat", vec![l(vec![s("a")]), l(vec![s("b")])])),
            "[a, b]"
        );
        assert_eq!(
            text(c("flatten", vec![l(vec![l(vec![s("a")]), s("b")])])),
            "[a, b]"
        );
        assert_eq!(text(c("distinct", vec![l(vec![s("a"), s("a")])])), "[a]");
        assert_eq!(
            text(c("toset", vec![l(vec![s("b"), s("a"), s("b")])])),
            "[a, b]"
        );
        assert_eq!(
            text(c("element", vec![l(vec![s("a"), s("b")]), n(3.0)])),
            "b"
        );
        assert_eq!(text(c("range", vec![n(3.0)])), "[0, 1, 2]");
        assert_eq!(
            text(c("zipmap", vec![l(vec![s("k")]), l(vec![n(1.0)])])),
            "{k = 1}"
        );
        assert_eq!(text(c("contains", vec![l(vec![s("a")]), s("a")])), "true");
        assert_eq!(text(c("length", vec![s("héllo")])), "5");
    }

    #[test]
    fn string_functions() {
        assert_eq!(
            text(c("format", vec![s("%s-%03d"), s("nsg"), n(7.0)])),
            "nsg-007"
        );
        assert_eq!(
            text(c("join", vec![s(","), l(vec![s("a"), n(1.0)])])),
            "a,1"
        );
        assert_eq!(text(c("split", vec![s(","), s("80,443")])), "[80, 443]");
        assert_eq!(
            text(c("replace", vec![s("*"), s("*"), s("0-65535")])),
            "0-65535"
        );
        assert_eq!(text(c("title", vec![s("tcp")])), "Tcp");
        assert_eq!(text(c("trim", vec![s("--a--"), s("-")])), "a");
        assert_eq!(
            text(c("coalesce", vec![Value::null(sp()), s(""), s("x")])),
            "x"
        );
    }

    #[test]
    fn unknowns_propagate_and_unsupported_functions_are_unknown() {
        let u = Value::unknown("variable `x` has no value", sp());
        let r = c("join", vec![s(","), u.clone()]);
        assert_eq!(r.unk().unwrap().reason, "variable `x` has no value");
        let r = c("join", vec![s(","), l(vec![s("a"), u.clone()])]);
        assert_eq!(r.unk().unwrap().reason, "variable `x` has no value");
        assert_eq!(text(c("length", vec![l(vec![u.clone()])])), "1");
        let r = c("coalesce", vec![u, s("default")]);
        assert!(r.is_unknown(), "an unknown never becomes the default");
        let r = c("templatefile", vec![s("x")]);
        assert!(r.unk().unwrap().reason.contains("templatefile"));
    }
}

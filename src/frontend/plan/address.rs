//! Terraform resource addresses and configuration references (nsg-semantics §5.5).
//!
//! `module.a["x"].module.b[0].azurerm_subnet.this["k"]`, `data.azurerm_subnet.s`, and in
//! `configuration` expressions `azurerm_subnet.s[0].id`, `module.net.subnet_id`, `var.x`,
//! `count.index`. Instance keys may contain dots, quotes and spaces, so addresses are read with
//! a tokenizer, never split on dots. [`Address::canonical`] renders one spelling per instance
//! (strings in double quotes with JSON-style escapes, numbers bare) for `tf:` link keys.

use std::fmt::{self, Write};

/// An instance key: `[0]` (count) or `["web"]` (for_each).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Str(String),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Int(n) => write!(f, "[{n}]"),
            Key::Str(s) => {
                f.write_str("[\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c => f.write_char(c)?,
                    }
                }
                f.write_str("\"]")
            }
        }
    }
}

/// One step of a traversal: `.name` or `[key]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Name(String),
    Index(Key),
}

/// Split a traversal into steps. `None` when it is not one (unbalanced quotes, a bad key).
pub fn steps(text: &str) -> Option<Vec<Step>> {
    let mut chars = text.trim().chars().peekable();
    let mut out = Vec::new();
    let mut expect_name = true;
    while let Some(&c) = chars.peek() {
        match c {
            '.' if !expect_name => {
                chars.next();
                expect_name = true;
            }
            '[' => {
                chars.next();
                let key = match chars.peek() {
                    Some('"') => {
                        chars.next();
                        let mut s = String::new();
                        loop {
                            match chars.next()? {
                                '"' => break,
                                '\\' => match chars.next()? {
                                    'n' => s.push('\n'),
                                    'r' => s.push('\r'),
                                    't' => s.push('\t'),
                                    other => s.push(other),
                                },
                                other => s.push(other),
                            }
                        }
                        Key::Str(s)
                    }
                    _ => {
                        let mut digits = String::new();
                        while let Some(&d) = chars.peek() {
                            if d == ']' {
                                break;
                            }
                            digits.push(d);
                            chars.next();
                        }
                        Key::Int(digits.trim().parse().ok()?)
                    }
                };
                if chars.next()? != ']' {
                    return None;
                }
                out.push(Step::Index(key));
                expect_name = false;
            }
            _ if expect_name => {
                let mut name = String::new();
                while let Some(&d) = chars.peek() {
                    if d == '.' || d == '[' {
                        break;
                    }
                    name.push(d);
                    chars.next();
                }
                if name.is_empty() || name.contains(char::is_whitespace) {
                    return None;
                }
                out.push(Step::Name(name));
                expect_name = false;
            }
            _ => return None,
        }
    }
    if expect_name && !out.is_empty() {
        return None;
    }
    Some(out)
}

/// `managed` or `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Managed,
    Data,
}

/// A module instance step: `module.name[key]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModuleStep {
    pub name: String,
    pub key: Option<Key>,
}

/// A resource instance address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    pub module: Vec<ModuleStep>,
    pub mode: Mode,
    pub rtype: String,
    pub name: String,
    pub key: Option<Key>,
}

impl Address {
    /// Parse a plan `address`. Anything after the resource name and key is an error.
    pub fn parse(text: &str) -> Option<Address> {
        let steps = steps(text)?;
        let (module, rest) = module_prefix(&steps);
        let (addr, used) = resource_at(module, rest)?;
        if used != rest.len() {
            return None;
        }
        Some(addr)
    }

    /// The module instance path rendered (`module.a["x"].module.b`), "" for the root.
    pub fn module_path(&self) -> String {
        render_module(&self.module)
    }

    /// One spelling per instance, as Terraform writes it.
    pub fn canonical(&self) -> String {
        let mut s = render_module(&self.module);
        if !s.is_empty() {
            s.push('.');
        }
        if self.mode == Mode::Data {
            s.push_str("data.");
        }
        s.push_str(&self.rtype);
        s.push('.');
        s.push_str(&self.name);
        if let Some(k) = &self.key {
            let _ = write!(s, "{k}");
        }
        s
    }

    /// The module call names from the root (instance keys dropped): where its configuration is.
    pub fn config_path(&self) -> Vec<String> {
        self.module.iter().map(|m| m.name.clone()).collect()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

pub fn render_module(module: &[ModuleStep]) -> String {
    let mut s = String::new();
    for (i, m) in module.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        s.push_str("module.");
        s.push_str(&m.name);
        if let Some(k) = &m.key {
            let _ = write!(s, "{k}");
        }
    }
    s
}

/// Leading `module.name[key]` steps, and the steps after them.
pub fn module_prefix(steps: &[Step]) -> (Vec<ModuleStep>, &[Step]) {
    let mut module = Vec::new();
    let mut rest = steps;
    while let [Step::Name(m), Step::Name(name), tail @ ..] = rest {
        if m != "module" {
            break;
        }
        let (key, tail) = match tail {
            [Step::Index(k), tail @ ..] => (Some(k.clone()), tail),
            _ => (None, tail),
        };
        module.push(ModuleStep {
            name: name.clone(),
            key,
        });
        rest = tail;
    }
    (module, rest)
}

/// A resource (`type.name[key]` or `data.type.name[key]`) at the start of `steps`; returns it
/// and how many steps it used.
pub fn resource_at(module: Vec<ModuleStep>, steps: &[Step]) -> Option<(Address, usize)> {
    let (mode, rest, used) = match steps {
        [Step::Name(d), rest @ ..] if d == "data" => (Mode::Data, rest, 1),
        rest => (Mode::Managed, rest, 0),
    };
    match rest {
        [Step::Name(t), Step::Name(n), tail @ ..] => {
            let (key, extra) = match tail {
                [Step::Index(k), ..] => (Some(k.clone()), 1),
                _ => (None, 0),
            };
            Some((
                Address {
                    module,
                    mode,
                    rtype: t.clone(),
                    name: n.clone(),
                    key,
                },
                used + 2 + extra,
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_with_module_and_instance_keys() {
        for text in [
            "azurerm_subnet.roles",
            "azurerm_subnet.roles[0]",
            "azurerm_subnet.roles[\"web\"]",
            "module.net.azurerm_subnet.this",
            "module.net[0].azurerm_subnet.this[\"a\"]",
            "module.a[\"x\"].module.b.azurerm_network_security_group.y",
            "data.azurerm_subnet.x",
            "module.m.data.azurerm_subnet.x[2]",
        ] {
            let a = Address::parse(text).unwrap();
            assert_eq!(a.canonical(), text);
        }
    }

    #[test]
    fn keys_may_hold_dots_quotes_brackets_and_spaces() {
        let a = Address::parse(r#"module.m["a.b c"].azurerm_subnet.s["x\"]y.z"]"#).unwrap();
        assert_eq!(a.module[0].key, Some(Key::Str("a.b c".into())));
        assert_eq!(a.key, Some(Key::Str("x\"]y.z".into())));
        assert_eq!(a.rtype, "azurerm_subnet");
        assert_eq!(Address::parse(&a.canonical()).unwrap(), a);
        assert_eq!(a.config_path(), vec!["m".to_string()]);
        assert_eq!(a.module_path(), r#"module.m["a.b c"]"#);
    }

    #[test]
    fn bad_addresses_are_rejected_not_guessed() {
        for text in [
            "",
            "azurerm_subnet",
            "azurerm_subnet.s.id",
            "azurerm_subnet.s[",
            "azurerm_subnet.s[\"x]",
            "azurerm_subnet.s[x]",
            "module.m",
            "a..b",
            "a.b.",
        ] {
            assert!(Address::parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn references_tokenize_into_steps() {
        assert_eq!(
            steps("azurerm_subnet.s[0].id").unwrap(),
            vec![
                Step::Name("azurerm_subnet".into()),
                Step::Name("s".into()),
                Step::Index(Key::Int(0)),
                Step::Name("id".into()),
            ]
        );
        let s = steps("module.net[\"a\"].subnet_ids").unwrap();
        let (m, rest) = module_prefix(&s);
        assert_eq!(m[0].key, Some(Key::Str("a".into())));
        assert_eq!(rest, &[Step::Name("subnet_ids".into())]);
    }
}

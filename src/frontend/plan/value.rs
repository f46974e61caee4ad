//! A view of one attribute of a planned object together with its `after_unknown` twin
//! (nsg-semantics §5.3): unknown leaves are `true` in `after_unknown` and absent or null in
//! `after`. Every value read through a [`View`] keeps its span, and an unknown one becomes an
//! Unknown with the attribute path (`known after apply: security_rule[1].source_address_prefix`).

use crate::frontend::json::{Json, Node};
use crate::model::values::{Raw, RawField, RawList, RawListField};
use crate::model::{Spanned, Unknown, Val};
use crate::source::{FileId, Span};

/// An attribute of a planned object: its value (if present), its `after_unknown` marker (if
/// any), the span to use when it is absent, and its parent (the path is rendered only when an
/// Unknown needs it, so reading 200,000 rules allocates no path strings).
#[derive(Debug, Clone, Copy)]
pub struct View<'a, 'p> {
    pub file: FileId,
    pub node: Option<&'a Node>,
    pub unknown: Option<&'a Node>,
    /// Span of the closest enclosing object that exists, for absent attributes.
    pub fallback: Span,
    parent: Option<&'p View<'a, 'p>>,
    seg: Seg<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    Root(&'a str),
    Key(&'a str),
    Index(usize),
}

impl<'a, 'p> View<'a, 'p> {
    /// The whole object of a resource instance; `root_path` prefixes every path ("" for
    /// attributes of the resource itself).
    pub fn root(
        file: FileId,
        node: Option<&'a Node>,
        unknown: Option<&'a Node>,
        fallback: Span,
        root_path: &'a str,
    ) -> View<'a, 'p> {
        let fallback = node.map(|n| span_of(file, n)).unwrap_or(fallback);
        View {
            file,
            node,
            unknown,
            fallback,
            parent: None,
            seg: Seg::Root(root_path),
        }
    }

    pub fn span(&self) -> Span {
        self.node
            .map(|n| span_of(self.file, n))
            .unwrap_or(self.fallback)
    }

    /// The attribute path from the resource: `security_rule[1].source_address_prefix`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        self.write_path(&mut out);
        out
    }

    fn write_path(&self, out: &mut String) {
        if let Some(p) = self.parent {
            p.write_path(out);
        }
        match self.seg {
            Seg::Root(r) => out.push_str(r),
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }

    /// True when `after_unknown` marks this whole value as unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self.unknown.map(|u| &u.value), Some(Json::Bool(true)))
    }

    /// Known and null or absent.
    pub fn is_unset(&self) -> bool {
        !self.is_unknown() && self.node.is_none_or(Node::is_null)
    }

    /// The unknown this value is, with its path as the reason.
    pub fn unknown_here(&self) -> Unknown {
        Unknown {
            reason: format!("known after apply: {}", self.path()),
            span: self.span(),
        }
    }

    /// Member `key` of an object value.
    pub fn get<'s>(&'s self, key: &'a str) -> View<'a, 's> {
        View {
            file: self.file,
            node: self.node.and_then(|n| n.get(key)),
            // Everything inside a wholly unknown value is unknown too.
            unknown: if self.is_unknown() {
                self.unknown
            } else {
                self.unknown.and_then(|n| n.get(key))
            },
            fallback: self.span(),
            parent: Some(self),
            seg: Seg::Key(key),
        }
    }

    /// Items of a list/set value, each with its `after_unknown` twin.
    pub fn items<'s>(&'s self) -> Vec<View<'a, 's>> {
        let Some(node) = self.node else {
            return Vec::new();
        };
        let unknown_items = self.unknown.map(Node::items).unwrap_or(&[]);
        node.items()
            .iter()
            .enumerate()
            .map(|(i, item)| View {
                file: self.file,
                node: Some(item),
                unknown: unknown_items.get(i),
                fallback: self.span(),
                parent: Some(self),
                seg: Seg::Index(i),
            })
            .collect()
    }

    /// A known string (empty strings included).
    pub fn str(&self) -> Option<&'a str> {
        if self.is_unknown() {
            return None;
        }
        self.node.and_then(Node::as_str)
    }

    /// A known, non-empty string.
    pub fn text(&self) -> Option<&'a str> {
        self.str().filter(|s| !s.is_empty())
    }

    /// A scalar as written, for [`RawRule`](crate::model::values::RawRule): `None` when unset
    /// (null or absent and not unknown).
    pub fn raw(&self) -> Option<RawField> {
        if self.is_unknown() {
            return Some(Spanned::new(Val::Unknown(self.unknown_here()), self.span()));
        }
        let node = self.node?;
        let span = span_of(self.file, node);
        let raw = match &node.value {
            Json::Null => return None,
            Json::String(s) => Raw::Str(s.to_string()),
            Json::Number(_) => Raw::Num(node.as_f64().unwrap_or(f64::NAN)),
            Json::Bool(b) => Raw::Bool(*b),
            Json::Array(_) | Json::Object(_) => {
                return Some(Spanned::new(
                    Val::unknown(
                        format!("{} is not a single value in the plan", self.path()),
                        span,
                    ),
                    span,
                ))
            }
        };
        Some(Spanned::new(Val::Known(raw), span))
    }

    /// A list of scalars: `None` when unset; the whole list or any item may be unknown.
    pub fn raw_list(&self) -> Option<RawListField> {
        if self.is_unknown() {
            return Some(Spanned::new(
                RawList::Unknown(self.unknown_here()),
                self.span(),
            ));
        }
        let node = self.node?;
        let span = span_of(self.file, node);
        match &node.value {
            Json::Null => None,
            Json::Array(_) => {
                let items = self
                    .items()
                    .iter()
                    .map(|item| {
                        item.raw().unwrap_or_else(|| {
                            Spanned::new(
                                Val::unknown(format!("{} is null", item.path()), item.span()),
                                item.span(),
                            )
                        })
                    })
                    .collect();
                Some(Spanned::new(RawList::Items(items), span))
            }
            // A single value where a list was expected: treat it as a one-item list.
            _ => self
                .raw()
                .map(|one| Spanned::new(RawList::Items(vec![one]), span)),
        }
    }
}

pub fn span_of(file: FileId, node: &Node) -> Span {
    Span::new(file, node.start as usize, node.end as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::json::parse;

    #[test]
    fn unknown_leaves_carry_their_path_and_span() {
        let after = parse(
            r#"{"security_rule":[{"name":"a","source_address_prefix":null,"source_address_prefixes":[]}]}"#,
            false,
        )
        .unwrap();
        let unknown = parse(
            r#"{"id":true,"security_rule":[{"source_address_prefix":true}]}"#,
            false,
        )
        .unwrap();
        let file = FileId(1);
        let root = View::root(
            file,
            Some(&after),
            Some(&unknown),
            Span::new(file, 0, 0),
            "",
        );
        assert!(root.get("id").is_unknown());
        let set = root.get("security_rule");
        let rules = set.items();
        let prefix = rules[0].get("source_address_prefix").raw().unwrap();
        match prefix.value {
            Val::Unknown(u) => {
                assert_eq!(
                    u.reason,
                    "known after apply: security_rule[0].source_address_prefix"
                );
            }
            other => panic!("{other:?}"),
        }
        let plural = rules[0].get("source_address_prefixes").raw_list();
        assert!(matches!(plural.unwrap().value, RawList::Items(v) if v.is_empty()));
        assert!(rules[0].get("description").is_unset());
        assert_eq!(rules[0].get("name").text(), Some("a"));
        // A wholly unknown element: its attributes are unknown too.
        let after = parse(r#"{"security_rule":[null]}"#, false).unwrap();
        let unknown = parse(r#"{"security_rule":[true]}"#, false).unwrap();
        let root = View::root(
            file,
            Some(&after),
            Some(&unknown),
            Span::new(file, 0, 0),
            "",
        );
        let set = root.get("security_rule");
        let rules = set.items();
        let name = rules[0].get("name");
        assert!(name.is_unknown());
        assert_eq!(
            name.unknown_here().reason,
            "known after apply: security_rule[0].name"
        );
    }
}

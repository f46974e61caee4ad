//! A view of one attribute of a planned object together with its `after_unknown` twin
//! (nsg-semantics §5.3): unknown leaves are `true` in `after_unknown` and absent or null in
//! `after`. Every value read through a [`View`] keeps its span, and an unknown one becomes an
//! Unknown with the attribute path (`known after apply: security_rule[1].source_address_prefix`).
//!
//! Views read the validated plan text in place ([`Doc`]): no tree is built for the hundreds of
//! thousands of rule objects a large plan holds; an object's members are found once, when the
//! first attribute is read from it.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::ops::Range;

use crate::frontend::json::{JsonError, Node};
use crate::frontend::plan::skim::{last_member, Doc, SkimMember};
use crate::model::values::{Raw, RawField, RawList, RawListField};
use crate::model::{Spanned, Unknown, Val};
use crate::source::{FileId, Span};

/// An attribute of a planned object: its value (if present), its `after_unknown` marker (if
/// any), the span to use when it is absent, and its parent (the path is rendered only when an
/// Unknown needs it).
#[derive(Debug)]
pub struct View<'a, 'p> {
    doc: &'a Doc<'a>,
    pub file: FileId,
    value: Option<Range<usize>>,
    unknown: Option<Range<usize>>,
    /// Span of the closest enclosing object that exists, for absent attributes.
    fallback: Span,
    parent: Option<&'p View<'a, 'p>>,
    seg: Seg<'a>,
    members: OnceCell<Vec<SkimMember<'a>>>,
    unknown_members: OnceCell<Vec<SkimMember<'a>>>,
}

#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    Root(&'a str),
    Key(&'a str),
    Index(usize),
}

impl<'a, 'p> View<'a, 'p> {
    /// The whole object of a resource instance (`value` and `unknown` are ranges of `doc`);
    /// `root_path` prefixes every path ("" for attributes of the resource itself).
    pub fn root(
        doc: &'a Doc<'a>,
        file: FileId,
        value: Option<Range<usize>>,
        unknown: Option<Range<usize>>,
        fallback: Span,
        root_path: &'a str,
    ) -> View<'a, 'p> {
        let fallback = value
            .as_ref()
            .map(|r| Span::new(file, r.start, r.end))
            .unwrap_or(fallback);
        View {
            doc,
            file,
            value,
            unknown,
            fallback,
            parent: None,
            seg: Seg::Root(root_path),
            members: OnceCell::new(),
            unknown_members: OnceCell::new(),
        }
    }

    fn child<'s>(
        &'s self,
        value: Option<Range<usize>>,
        unknown: Option<Range<usize>>,
        seg: Seg<'a>,
    ) -> View<'a, 's> {
        View {
            doc: self.doc,
            file: self.file,
            value,
            unknown,
            fallback: self.span(),
            parent: Some(self),
            seg,
            members: OnceCell::new(),
            unknown_members: OnceCell::new(),
        }
    }

    fn raw_text(&self) -> Option<&'a str> {
        self.value.clone().map(|r| self.doc.raw(r))
    }

    pub fn span(&self) -> Span {
        match &self.value {
            Some(r) => Span::new(self.file, r.start, r.end),
            None => self.fallback,
        }
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
        self.unknown.clone().map(|r| self.doc.raw(r)) == Some("true")
    }

    /// Known and null or absent.
    pub fn is_unset(&self) -> bool {
        !self.is_unknown() && self.raw_text().is_none_or_null()
    }

    /// The unknown this value is, with its path as the reason.
    pub fn unknown_here(&self) -> Unknown {
        Unknown {
            reason: format!("known after apply: {}", self.path()),
            span: self.span(),
            origin: None,
        }
    }

    /// Member `key` of an object value.
    pub fn get<'s>(&'s self, key: &'a str) -> View<'a, 's> {
        let value = self.value.as_ref().and_then(|r| {
            let members = self.members.get_or_init(|| self.doc.members(r.clone()));
            last_member(members, key)
        });
        // Everything inside a wholly unknown value is unknown too.
        let unknown = if self.is_unknown() {
            self.unknown.clone()
        } else {
            self.unknown.as_ref().and_then(|r| {
                let members = self
                    .unknown_members
                    .get_or_init(|| self.doc.members(r.clone()));
                last_member(members, key)
            })
        };
        self.child(value, unknown, Seg::Key(key))
    }

    /// Items of a list/set value, each with its `after_unknown` twin.
    pub fn items<'s>(&'s self) -> Vec<View<'a, 's>> {
        let Some(range) = self.value.clone() else {
            return Vec::new();
        };
        let unknown_items = match &self.unknown {
            Some(u) => self.doc.items(u.clone()),
            None => Vec::new(),
        };
        self.doc
            .items(range)
            .into_iter()
            .enumerate()
            .map(|(i, item)| self.child(Some(item), unknown_items.get(i).cloned(), Seg::Index(i)))
            .collect()
    }

    /// How many items a list value has (0 for anything else).
    pub fn item_count(&self) -> usize {
        match &self.value {
            Some(r) => self.doc.items(r.clone()).len(),
            None => 0,
        }
    }

    /// The value and its `after_unknown` twin as spanned trees (positions in the plan file):
    /// `None` for an absent value; an error when the plan's text there is not JSON.
    pub fn trees(&self) -> Result<(Option<Node>, Option<Node>), JsonError> {
        let value = self.value.clone().map(|r| self.doc.parse(r)).transpose()?;
        let unknown = self
            .unknown
            .clone()
            .map(|r| self.doc.parse(r))
            .transpose()?;
        Ok((value, unknown))
    }

    /// Whether the value is a string (known).
    pub fn is_string(&self) -> bool {
        !self.is_unknown() && self.raw_text().is_some_and(|t| t.starts_with('"'))
    }

    /// A known string (empty strings included).
    pub fn str(&self) -> Option<Cow<'a, str>> {
        if self.is_unknown() {
            return None;
        }
        self.value.clone().and_then(|r| self.doc.string(r))
    }

    /// A known, non-empty string.
    pub fn text(&self) -> Option<Cow<'a, str>> {
        self.str().filter(|s| !s.is_empty())
    }

    /// A scalar as written, for [`RawRule`](crate::model::values::RawRule): `None` when unset
    /// (null or absent and not unknown).
    pub fn raw(&self) -> Option<RawField> {
        if self.is_unknown() {
            return Some(Spanned::new(
                Val::Unknown(Box::new(self.unknown_here())),
                self.span(),
            ));
        }
        let range = self.value.clone()?;
        let span = self.span();
        let text = self.doc.raw(range.clone());
        let raw = match text.as_bytes().first() {
            Some(b'n') => return None,
            Some(b'"') => Raw::Str(self.doc.string(range).unwrap_or_default().into_owned()),
            Some(b't') => Raw::Bool(true),
            Some(b'f') => Raw::Bool(false),
            Some(b'{' | b'[') | None => {
                return Some(Spanned::new(
                    Val::unknown(
                        format!("{} is not a single value in the plan", self.path()),
                        span,
                    ),
                    span,
                ))
            }
            Some(_) => Raw::Num(text.parse().unwrap_or(f64::NAN)),
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
        let text = self.raw_text()?;
        let span = self.span();
        match text.as_bytes().first() {
            Some(b'n') | None => None,
            Some(b'[') => {
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

trait NullText {
    fn is_none_or_null(&self) -> bool;
}

impl NullText for Option<&str> {
    fn is_none_or_null(&self) -> bool {
        matches!(self, None | Some("null"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::plan::skim::validate;

    fn member(doc: &Doc<'_>, key: &str) -> Option<Range<usize>> {
        doc.member(doc.root.clone(), key)
    }

    #[test]
    fn unknown_leaves_carry_their_path_and_span() {
        let text = r#"{"after": {"security_rule":[{"name":"a","source_address_prefix":null,"source_address_prefixes":[],"priority":100,"description":"x\u0026y"}]},
            "unknown": {"id":true,"security_rule":[{"source_address_prefix":true}]}}"#;
        let doc = validate(text).unwrap();
        let file = FileId(1);
        let root = View::root(
            &doc,
            file,
            member(&doc, "after"),
            member(&doc, "unknown"),
            Span::new(file, 0, 0),
            "",
        );
        assert!(root.get("id").is_unknown());
        let set = root.get("security_rule");
        assert_eq!(set.item_count(), 1);
        let rules = set.items();
        let prefix = rules[0].get("source_address_prefix").raw().unwrap();
        match prefix.value {
            Val::Unknown(u) => {
                assert_eq!(
                    u.reason,
                    "known after apply: security_rule[0].source_address_prefix"
                );
                assert_eq!(&text[u.span.start as usize..u.span.end as usize], "null");
            }
            other => panic!("{other:?}"),
        }
        let plural = rules[0].get("source_address_prefixes").raw_list();
        assert!(matches!(plural.unwrap().value, RawList::Items(v) if v.is_empty()));
        assert!(rules[0].get("absent").is_unset());
        assert_eq!(rules[0].get("name").text().as_deref(), Some("a"));
        assert_eq!(rules[0].get("description").text().as_deref(), Some("x&y"));
        assert_eq!(
            rules[0].get("priority").raw().unwrap().value,
            Val::Known(Raw::Num(100.0))
        );
    }

    #[test]
    fn attributes_inside_a_wholly_unknown_object_are_unknown() {
        let text = r#"{"after": {"security_rule":[null]}, "unknown": {"security_rule":[true]}}"#;
        let doc = validate(text).unwrap();
        let file = FileId(1);
        let root = View::root(
            &doc,
            file,
            member(&doc, "after"),
            member(&doc, "unknown"),
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

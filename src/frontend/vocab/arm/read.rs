//! Reading scalar, list, prefix and reference properties through a [`Tree`], reporting values
//! of the wrong shape where they were written.

use std::net::IpAddr;

use ipnet::IpNet;

use super::{IdKey, Lowering, Prop, Tree};
use crate::model::values::{Raw, RawField, RawList, RawListField};
use crate::model::{AsgId, Field, Link, Problem, ProblemKind, Severity, Spanned, Unknown, Val};

/// Display text of a name: the string, its label when symbolic, else `<unknown>`.
pub fn display<T: Tree>(t: &T, node: &T::Node) -> String {
    match t.read(node) {
        Prop::Str(s) => s,
        Prop::Num(n) => Raw::Num(n).text(),
        Prop::Bool(b) => b.to_string(),
        _ => t.label(node).unwrap_or_else(|| "<unknown>".to_string()),
    }
}

impl Lowering {
    /// Member `key` of `node` as a scalar field; `None` when absent.
    pub(super) fn scalar_at<T: Tree>(
        &mut self,
        t: &T,
        node: &T::Node,
        key: &str,
    ) -> Option<RawField> {
        let v = t.member(node, key)?;
        self.scalar(t, &v, key)
    }

    pub(super) fn scalar<T: Tree>(&mut self, t: &T, v: &T::Node, key: &str) -> Option<RawField> {
        let span = t.span(v);
        let val = match t.read(v) {
            Prop::Null => return None,
            Prop::Str(s) => Val::Known(Raw::Str(s)),
            Prop::Num(n) => Val::Known(Raw::Num(n)),
            Prop::Bool(b) => Val::Known(Raw::Bool(b)),
            Prop::Unknown(u) => Val::Unknown(Box::new(u)),
            other @ (Prop::List(_) | Prop::Object) => {
                let ty = other.type_name();
                self.problem(Problem::invalid(
                    format!("`{key}` must be a single value, not an {ty}"),
                    span,
                ));
                Val::unknown(format!("`{key}` is an {ty}"), span)
            }
        };
        Some(Spanned::new(val, span))
    }

    pub(super) fn list_at<T: Tree>(
        &mut self,
        t: &T,
        node: &T::Node,
        key: &str,
    ) -> Option<RawListField> {
        let v = t.member(node, key)?;
        let span = t.span(&v);
        let list = match t.read(&v) {
            Prop::Null => return None,
            Prop::List(items) => {
                let mut out = Vec::new();
                for item in &items {
                    match self.scalar(t, item, key) {
                        Some(f) => out.push(f),
                        None => {
                            let at = t.span(item);
                            self.problem(Problem::invalid(
                                format!("`{key}` holds a null item"),
                                at,
                            ));
                            out.push(Spanned::new(Val::unknown("null item", at), at));
                        }
                    }
                }
                RawList::Items(out)
            }
            Prop::Unknown(u) => RawList::Unknown(u),
            other => {
                self.problem(Problem::invalid(
                    format!("`{key}` must be an array, not a {}", other.type_name()),
                    span,
                ));
                RawList::Items(self.scalar(t, &v, key).into_iter().collect())
            }
        };
        Some(Spanned::new(list, span))
    }

    /// An array of `{ "id": … }` references to application security groups.
    pub(super) fn asgs_at<T: Tree>(
        &mut self,
        t: &T,
        node: &T::Node,
        key: &str,
    ) -> Option<Spanned<Vec<Link<AsgId>>>> {
        self.refs_at(t, node, key)
    }

    /// An array of `{ "id": … }` references.
    pub(super) fn refs_at<T: Tree, Id>(
        &mut self,
        t: &T,
        node: &T::Node,
        key: &str,
    ) -> Option<Spanned<Vec<Link<Id>>>> {
        let v = t.member(node, key)?;
        let span = t.span(&v);
        let links = match t.read(&v) {
            Prop::Null => return None,
            Prop::List(items) => items.iter().map(|i| self.ref_value_link(t, i)).collect(),
            Prop::Unknown(u) => vec![Link::Unknown(Box::new(u))],
            _ => {
                self.problem(Problem::invalid(
                    format!("`{key}` must be an array of `{{\"id\": …}}` objects"),
                    span,
                ));
                vec![self.ref_value_link(t, &v)]
            }
        };
        Some(Spanned::new(links, span))
    }

    /// A `{ "id": … }` reference value.
    fn ref_value_link<T: Tree, Id>(&mut self, t: &T, v: &T::Node) -> Link<Id> {
        match t.read(v) {
            Prop::Object | Prop::Unknown(_) => match t.member(v, "id") {
                Some(id) => self.id_link(t, &id),
                None => {
                    let span = t.span(v);
                    self.problem(Problem::invalid(
                        "a resource reference must be an object `{\"id\": …}`",
                        span,
                    ));
                    Link::Unknown(Box::new(Unknown {
                        reason: "the reference has no `id`".into(),
                        span,
                        origin: None,
                    }))
                }
            },
            _ => {
                self.problem(Problem::invalid(
                    "a resource reference must be an object `{\"id\": …}`",
                    t.span(v),
                ));
                self.id_link(t, v)
            }
        }
    }

    /// Member `key` holding `{ "id": … }`, as a link; `None` when absent.
    pub(super) fn ref_at<T: Tree, Id>(
        &mut self,
        t: &T,
        node: &T::Node,
        key: &str,
    ) -> Option<Link<Id>> {
        let r = t.member(node, key)?;
        let id = t.member(&r, "id")?;
        Some(self.id_link(t, &id))
    }

    pub(super) fn id_link<T: Tree, Id>(&mut self, t: &T, v: &T::Node) -> Link<Id> {
        let span = t.span(v);
        match t.id_key(v) {
            IdKey::Key(k) => Link::Key(Spanned::new(k, span)),
            IdKey::Unknown(u) => Link::Unknown(Box::new(u)),
            IdKey::Invalid(text) => {
                let reason = format!("`{text}` is not a resource id");
                self.problem(Problem::invalid(reason.clone(), span));
                Link::Unknown(Box::new(Unknown {
                    reason,
                    span,
                    origin: None,
                }))
            }
        }
    }

    /// A list that could not be read: its items are not evaluated, and the user is told.
    pub(super) fn unresolved_list<T: Tree>(&mut self, t: &T, v: &T::Node, what: &str) {
        let message = match t.read(v) {
            Prop::Unknown(u) => format!(
                "{what} could not be resolved ({}); they are not evaluated",
                u.reason
            ),
            other => format!("{what} must be an array, not a {}", other.type_name()),
        };
        self.problem(Problem::new(
            ProblemKind::Unresolved,
            Severity::Warning,
            message,
            t.span(v),
        ));
    }

    pub(super) fn prefix_list<T: Tree>(
        &mut self,
        t: &T,
        list: &T::Node,
        key: &str,
    ) -> Vec<Field<IpNet>> {
        let span = t.span(list);
        match t.read(list) {
            Prop::List(items) => items.iter().map(|i| self.prefix(t, i)).collect(),
            Prop::Unknown(u) => vec![Spanned::new(Val::Unknown(Box::new(u)), span)],
            Prop::Null => Vec::new(),
            other => {
                self.problem(Problem::invalid(
                    format!("`{key}` must be an array, not a {}", other.type_name()),
                    span,
                ));
                vec![self.prefix(t, list)]
            }
        }
    }

    pub(super) fn prefix<T: Tree>(&mut self, t: &T, v: &T::Node) -> Field<IpNet> {
        let span = t.span(v);
        let val = match t.read(v) {
            Prop::Unknown(u) => Val::Unknown(Box::new(u)),
            Prop::Str(s) => match s.trim().parse::<IpNet>() {
                Ok(net) if net.trunc() == net => Val::Known(net),
                Ok(net) => {
                    self.problem(Problem::invalid(
                        format!("address prefix `{s}` has host bits set; Azure rejects it (InvalidCIDRNotation); evaluated as {}", net.trunc()),
                        span,
                    ));
                    Val::Known(net.trunc())
                }
                Err(_) => {
                    self.problem(Problem::invalid(
                        format!("`{s}` is not a CIDR prefix"),
                        span,
                    ));
                    Val::unknown(format!("invalid prefix `{s}`"), span)
                }
            },
            other => {
                self.problem(Problem::invalid(
                    format!(
                        "an address prefix must be a string, not a {}",
                        other.type_name()
                    ),
                    span,
                ));
                Val::unknown("invalid prefix", span)
            }
        };
        Spanned::new(val, span)
    }

    pub(super) fn ip_address<T: Tree>(&mut self, t: &T, v: &T::Node) -> Field<IpAddr> {
        let span = t.span(v);
        let val = match t.read(v) {
            Prop::Unknown(u) => Val::Unknown(Box::new(u)),
            Prop::Str(s) => match s.trim().parse::<IpAddr>() {
                Ok(a) => Val::Known(a),
                Err(_) => {
                    self.problem(Problem::invalid(
                        format!("`{s}` is not an IP address"),
                        span,
                    ));
                    Val::unknown(format!("invalid IP address `{s}`"), span)
                }
            },
            _ => {
                self.problem(Problem::invalid("an IP address must be a string", span));
                Val::unknown("invalid IP address", span)
            }
        };
        Spanned::new(val, span)
    }
}

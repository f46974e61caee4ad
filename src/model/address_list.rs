//! A rule side's address items, stored compactly (issue 16 item 3).
//!
//! A rule may list 4,000 prefixes, and a known prefix is nearly every item of a large input:
//! as a `Field<AddressItem>` each takes 48 bytes, about three times the text that wrote it.
//! Here every prefix, `*` and fixed service tag is one 16-byte entry with its span (an IPv6
//! prefix two); the rare items that hold a string or a box (other service tags, ASGs,
//! unknowns) are kept as written beside the entries. The entries keep the source order, so
//! iteration gives back exactly the items and spans that were built.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::{AddressItem, Field, ServiceTag, Spanned, Val};
use crate::source::{FileId, Span};

/// Source or destination of a rule: the union of its items. Empty means the side was not set
/// (a validation finding), and matches nothing.
#[derive(Clone, PartialEq)]
pub struct AddressSpec {
    /// Every item in source order; an [`Entry::Other`] stands for the next of `others`.
    entries: Box<[Entry]>,
    /// Items that are not a prefix, `*` or a fixed tag (other tags, ASGs, unknowns).
    others: Box<[Field<AddressItem>]>,
    pub span: Span,
}

/// One item with its span's offsets; the span's file is the spec's unless an [`Entry::File`]
/// came before. 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Entry {
    V4 {
        addr: [u8; 4],
        len: u8,
        start: u32,
        end: u32,
    },
    /// An IPv6 prefix: its first four address bytes here, the other twelve in the
    /// [`Entry::V6Tail`] that follows.
    V6 {
        head: [u8; 4],
        len: u8,
        start: u32,
        end: u32,
    },
    V6Tail([u8; 12]),
    Any {
        start: u32,
        end: u32,
    },
    Tag {
        tag: FixedTag,
        start: u32,
        end: u32,
    },
    /// The next item of `others`.
    Other,
    /// The file of the spans of the entries that follow.
    File(FileId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FixedTag {
    VirtualNetwork,
    AzureLoadBalancer,
    Internet,
}

impl AddressSpec {
    /// The side of `items`, in their order.
    pub fn from_items(items: impl IntoIterator<Item = Field<AddressItem>>, span: Span) -> Self {
        let mut entries = Vec::new();
        let mut others = Vec::new();
        let mut file = span.file;
        for item in items {
            let Span {
                file: item_file,
                start,
                end,
            } = item.span;
            let packed: Option<(Entry, Option<Entry>)> = match &item.value {
                Val::Known(AddressItem::Prefix(IpNet::V4(net))) => {
                    let addr = net.addr().octets();
                    let len = net.prefix_len();
                    Some((
                        Entry::V4 {
                            addr,
                            len,
                            start,
                            end,
                        },
                        None,
                    ))
                }
                Val::Known(AddressItem::Prefix(IpNet::V6(net))) => {
                    let [a, b, c, d, tail @ ..] = net.addr().octets();
                    let len = net.prefix_len();
                    let head = [a, b, c, d];
                    Some((
                        Entry::V6 {
                            head,
                            len,
                            start,
                            end,
                        },
                        Some(Entry::V6Tail(tail)),
                    ))
                }
                Val::Known(AddressItem::Any) => Some((Entry::Any { start, end }, None)),
                Val::Known(AddressItem::Tag(tag)) => {
                    FixedTag::of(tag).map(|tag| (Entry::Tag { tag, start, end }, None))
                }
                _ => None,
            };
            match packed {
                Some((entry, tail)) => {
                    if item_file != file {
                        entries.push(Entry::File(item_file));
                        file = item_file;
                    }
                    entries.push(entry);
                    entries.extend(tail);
                }
                None => {
                    entries.push(Entry::Other);
                    others.push(item);
                }
            }
        }
        AddressSpec {
            entries: entries.into_boxed_slice(),
            others: others.into_boxed_slice(),
            span,
        }
    }

    pub fn len(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| !matches!(e, Entry::V6Tail(_) | Entry::File(_)))
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every item with its span, in source order. Packed items are rebuilt (no allocation);
    /// the others are borrowed.
    pub fn iter(&self) -> Items<'_> {
        Items {
            entries: self.entries.iter(),
            others: self.others.iter(),
            file: self.span.file,
            prefixes: true,
        }
    }

    /// The items that are not known prefixes, in source order (the prefixes are read with
    /// [`AddressSpec::prefixes`]).
    pub fn non_prefixes(&self) -> Items<'_> {
        Items {
            prefixes: false,
            ..self.iter()
        }
    }

    /// Every item, unpacked, in source order.
    pub fn to_vec(&self) -> Vec<Field<AddressItem>> {
        self.iter().map(Cow::into_owned).collect()
    }

    /// The `index`th item in source order.
    pub fn get(&self, index: usize) -> Option<Cow<'_, Field<AddressItem>>> {
        self.iter().nth(index)
    }

    /// Every known prefix, in source order, without its span (for set computations).
    pub fn prefixes(&self) -> impl Iterator<Item = IpNet> + '_ {
        let mut entries = self.entries.iter();
        std::iter::from_fn(move || loop {
            match entries.next()? {
                Entry::V4 { addr, len, .. } => return Some(v4(*addr, *len)),
                Entry::V6 { head, len, .. } => {
                    if let Some(Entry::V6Tail(tail)) = entries.next() {
                        return Some(v6(*head, *tail, *len));
                    }
                }
                _ => {}
            }
        })
    }

    /// The items that are not packed (other service tags, ASGs, unknowns), in source order:
    /// every unknown and every ASG is here.
    pub fn others(&self) -> &[Field<AddressItem>] {
        &self.others
    }

    /// The items that are not packed, for the linker to resolve ASG links in place.
    pub fn others_mut(&mut self) -> &mut [Field<AddressItem>] {
        &mut self.others
    }
}

impl FixedTag {
    fn of(tag: &ServiceTag) -> Option<FixedTag> {
        match tag {
            ServiceTag::VirtualNetwork => Some(FixedTag::VirtualNetwork),
            ServiceTag::AzureLoadBalancer => Some(FixedTag::AzureLoadBalancer),
            ServiceTag::Internet => Some(FixedTag::Internet),
            ServiceTag::Other(_) => None,
        }
    }

    fn tag(self) -> ServiceTag {
        match self {
            FixedTag::VirtualNetwork => ServiceTag::VirtualNetwork,
            FixedTag::AzureLoadBalancer => ServiceTag::AzureLoadBalancer,
            FixedTag::Internet => ServiceTag::Internet,
        }
    }
}

// The lengths came from valid prefixes (≤ 32, ≤ 128), so `new` cannot fail.
fn v4(addr: [u8; 4], len: u8) -> IpNet {
    IpNet::V4(Ipv4Net::new(Ipv4Addr::from(addr), len).unwrap_or_default())
}

fn v6(head: [u8; 4], tail: [u8; 12], len: u8) -> IpNet {
    let mut octets = [0u8; 16];
    for (o, b) in octets.iter_mut().zip(head.iter().chain(tail.iter())) {
        *o = *b;
    }
    IpNet::V6(Ipv6Net::new(Ipv6Addr::from(octets), len).unwrap_or_default())
}

/// The items of an [`AddressSpec`] in source order.
pub struct Items<'a> {
    entries: std::slice::Iter<'a, Entry>,
    others: std::slice::Iter<'a, Field<AddressItem>>,
    file: FileId,
    /// Whether to give the prefixes too.
    prefixes: bool,
}

impl<'a> Iterator for Items<'a> {
    type Item = Cow<'a, Field<AddressItem>>;

    fn next(&mut self) -> Option<Self::Item> {
        let known = |item: AddressItem, file: FileId, start: u32, end: u32| {
            let span = Span { file, start, end };
            Some(Cow::Owned(Spanned::new(Val::Known(item), span)))
        };
        loop {
            match *self.entries.next()? {
                Entry::V4 {
                    addr,
                    len,
                    start,
                    end,
                } if self.prefixes => {
                    return known(AddressItem::Prefix(v4(addr, len)), self.file, start, end)
                }
                Entry::V6 {
                    head,
                    len,
                    start,
                    end,
                } => {
                    if let (true, Some(Entry::V6Tail(tail))) = (self.prefixes, self.entries.next())
                    {
                        let net = v6(head, *tail, len);
                        return known(AddressItem::Prefix(net), self.file, start, end);
                    }
                }
                Entry::V4 { .. } | Entry::V6Tail(_) => {}
                Entry::Any { start, end } => return known(AddressItem::Any, self.file, start, end),
                Entry::Tag { tag, start, end } => {
                    return known(AddressItem::Tag(tag.tag()), self.file, start, end)
                }
                Entry::Other => return self.others.next().map(Cow::Borrowed),
                Entry::File(file) => self.file = file,
            }
        }
    }
}

/// Shown as the item list it stands for, as before it was packed.
impl fmt::Debug for AddressSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<_> = self.iter().collect();
        f.debug_struct("AddressSpec")
            .field("items", &items)
            .field("span", &self.span)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ServiceTag, Unknown};

    fn at(file: u32, start: usize) -> Span {
        Span::new(FileId(file), start, start + 3)
    }

    fn prefix(text: &str, span: Span) -> Field<AddressItem> {
        Spanned::new(Val::Known(AddressItem::Prefix(text.parse().unwrap())), span)
    }

    #[test]
    fn gives_back_every_item_with_its_span_in_source_order() {
        let items = vec![
            prefix("10.0.0.0/8", at(1, 0)),
            prefix("2001:db8::/32", at(1, 10)),
            Spanned::new(
                Val::Known(AddressItem::Tag(ServiceTag::Internet)),
                at(1, 20),
            ),
            prefix("10.1.2.3/32", at(2, 30)),
            prefix("192.168.0.0/16", at(2, 40)),
            Spanned::new(Val::from(Unknown::new("var.x", at(3, 5))), at(1, 50)),
            prefix("10.0.0.1/8", at(1, 60)),
            prefix("::/0", at(1, 70)),
            Spanned::new(Val::Known(AddressItem::Any), at(1, 80)),
        ];
        let spec = AddressSpec::from_items(items.clone(), at(1, 0));
        let back: Vec<_> = spec.iter().map(Cow::into_owned).collect();
        assert_eq!(back, items);
        assert_eq!(spec.len(), items.len());
        assert_eq!(spec.get(3).as_deref(), Some(&items[3]));
        assert_eq!(spec.get(9), None);
        assert_eq!(spec.others().len(), 1);
        let rest: Vec<_> = spec.non_prefixes().map(Cow::into_owned).collect();
        assert_eq!(rest, [items[2].clone(), items[5].clone(), items[8].clone()]);
        let mut nets: Vec<String> = spec.prefixes().map(|n| n.to_string()).collect();
        nets.sort();
        assert_eq!(
            nets,
            [
                "10.0.0.0/8",
                "10.0.0.1/8",
                "10.1.2.3/32",
                "192.168.0.0/16",
                "2001:db8::/32",
                "::/0",
            ]
        );
    }

    #[test]
    fn an_empty_side_is_empty() {
        let spec = AddressSpec::from_items(Vec::new(), at(1, 0));
        assert!(spec.is_empty());
        assert_eq!(spec.len(), 0);
        assert_eq!(spec.iter().count(), 0);
    }

    #[test]
    fn a_prefix_takes_one_entry_and_no_item() {
        let items: Vec<_> = (0..1000u32)
            .map(|i| {
                prefix(
                    &format!("10.{}.{}.0/24", i / 256, i % 256),
                    at(1, i as usize * 16),
                )
            })
            .collect();
        let spec = AddressSpec::from_items(items.clone(), at(1, 0));
        assert_eq!(spec.entries.len(), 1000);
        assert!(spec.others.is_empty());
        assert_eq!(spec.to_vec(), items);
    }

    #[test]
    fn an_entry_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 16);
    }
}

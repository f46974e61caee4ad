//! Counting what a linked network could not resolve, for the coverage every report carries.

use crate::model::{AddressSpec, Field, Link, Network, PortSpec, SecurityRule, Val};

/// How many values of the network are Unknown: fields, address and port items, and links.
pub fn unknown_values(net: &Network) -> usize {
    let vnets: usize = net
        .vnets
        .iter()
        .map(|v| fields(&v.address_space) + links(v.peerings.iter()))
        .sum();
    let subnets: usize = net
        .subnets
        .iter()
        .map(|s| fields(&s.prefixes) + links(std::iter::once(&s.vnet)) + links(s.nsg.iter()))
        .sum();
    let rules: usize = net.nsgs.iter().flat_map(|n| &n.rules).map(rule).sum();
    let nics: usize = net
        .nics
        .iter()
        .map(|n| {
            links(n.nsg.iter())
                + n.ip_configs
                    .iter()
                    .map(|ip| {
                        links(ip.subnet.iter())
                            + links(ip.asgs.iter())
                            + usize::from(ip.private_ip.as_ref().is_some_and(is_unknown))
                    })
                    .sum::<usize>()
        })
        .sum();
    vnets + subnets + rules + nics
}

fn rule(r: &SecurityRule) -> usize {
    usize::from(is_unknown(&r.priority))
        + usize::from(is_unknown(&r.direction))
        + usize::from(is_unknown(&r.access))
        + usize::from(is_unknown(&r.protocol))
        + addresses(&r.source)
        + addresses(&r.destination)
        + ports(&r.source_ports)
        + ports(&r.destination_ports)
}

/// Known prefixes are never unknown: only the other items are counted.
fn addresses(a: &AddressSpec) -> usize {
    fields(a.others())
        + a.others()
            .iter()
            .filter(|i| {
                matches!(
                    &i.value,
                    Val::Known(crate::model::AddressItem::Asg(l)) if matches!(**l, Link::Unknown(_))
                )
            })
            .count()
}

fn ports(p: &PortSpec) -> usize {
    fields(&p.items)
}

fn is_unknown<T>(f: &Field<T>) -> bool {
    matches!(f.value, Val::Unknown(_))
}

fn fields<T>(list: &[Field<T>]) -> usize {
    list.iter().filter(|f| is_unknown(f)).count()
}

fn links<'a, Id: 'a>(list: impl Iterator<Item = &'a Link<Id>>) -> usize {
    list.filter(|l| matches!(l, Link::Unknown(_))).count()
}

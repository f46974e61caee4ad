//! Linking: resolve [`Link::Key`]s to resources, attach standalone rules to their NSGs, and
//! apply association resources (nsg-semantics.md §3.10).
//!
//! Keys are compared case-insensitively (Azure ids are case-insensitive). Front ends give every
//! resource all the keys it can be known by — its Azure id when known, a front-end address such
//! as `tf:azurerm_subnet.roles`, a name pair such as `nsg-name:rg/nsg-roles` — and write links
//! with any of them. A key that names nothing becomes an Unknown (the evaluator is then
//! conservative); a key that names several resources is ambiguous, reported, and Unknown too.

use std::collections::HashMap;

use crate::model::tenant::{Host, LbPoolId, LbProbeId};
use crate::model::{
    AddressItem, IpVersion, Link, Network, NsgId, Problem, ProblemKind, Resource, RuleOrigin,
    Severity, Spanned, Unknown, Val,
};

/// Append `other` to `network`. Front ends write only `Key` links, so nothing needs shifting;
/// a `Resolved` link from a fragment would point into the wrong list, so it is demoted to its
/// key-less Unknown rather than silently mislinked.
pub fn merge_into(network: &mut Network, other: Network) {
    let Network {
        vnets,
        subnets,
        nsgs,
        nics,
        asgs,
        standalone_rules,
        subnet_nsg_associations,
        nic_nsg_associations,
        nic_asg_associations,
        tenants,
        lb_pools,
        lb_probes,
        lb_rules,
        lb_members,
        admin_groups,
        admin_members,
        admin_configs,
        admin_deployments,
        admin_collections,
        admin_rules,
        admin_policies,
        problems,
        floating_associations,
        index: _,
    } = other;
    let first_fragment = network.vnets.is_empty()
        && network.subnets.is_empty()
        && network.nsgs.is_empty()
        && network.nics.is_empty()
        && network.asgs.is_empty();
    let mut fragment = Network {
        vnets,
        subnets,
        nsgs,
        nics,
        asgs,
        standalone_rules,
        subnet_nsg_associations,
        nic_nsg_associations,
        nic_asg_associations,
        tenants,
        lb_pools,
        lb_probes,
        lb_rules,
        lb_members,
        admin_groups,
        admin_members,
        admin_configs,
        admin_deployments,
        admin_collections,
        admin_rules,
        admin_policies,
        problems,
        floating_associations,
        index: Default::default(),
    };
    if !first_fragment {
        demote_resolved(&mut fragment);
    }
    network.vnets.append(&mut fragment.vnets);
    network.subnets.append(&mut fragment.subnets);
    network.nsgs.append(&mut fragment.nsgs);
    network.nics.append(&mut fragment.nics);
    network.asgs.append(&mut fragment.asgs);
    network
        .standalone_rules
        .append(&mut fragment.standalone_rules);
    network
        .subnet_nsg_associations
        .append(&mut fragment.subnet_nsg_associations);
    network
        .nic_nsg_associations
        .append(&mut fragment.nic_nsg_associations);
    network
        .nic_asg_associations
        .append(&mut fragment.nic_asg_associations);
    network.tenants.append(&mut fragment.tenants);
    network.lb_pools.append(&mut fragment.lb_pools);
    network.lb_probes.append(&mut fragment.lb_probes);
    network.lb_rules.append(&mut fragment.lb_rules);
    network.lb_members.append(&mut fragment.lb_members);
    network.admin_groups.append(&mut fragment.admin_groups);
    network.admin_members.append(&mut fragment.admin_members);
    network.admin_configs.append(&mut fragment.admin_configs);
    network
        .admin_deployments
        .append(&mut fragment.admin_deployments);
    network
        .admin_collections
        .append(&mut fragment.admin_collections);
    network.admin_rules.append(&mut fragment.admin_rules);
    network.admin_policies.append(&mut fragment.admin_policies);
    network.problems.append(&mut fragment.problems);
    network
        .floating_associations
        .append(&mut fragment.floating_associations);
}

fn demote<Id>(link: &mut Link<Id>) {
    if let Link::Resolved(s) = link {
        *link = Link::Unknown(Box::new(Unknown {
            reason: "link resolved inside a fragment before merging".into(),
            span: s.span,
            origin: None,
        }));
    }
}

fn demote_resolved(n: &mut Network) {
    n.vnets
        .iter_mut()
        .flat_map(|v| v.peerings.iter_mut())
        .for_each(demote);
    for s in &mut n.subnets {
        demote(&mut s.vnet);
        s.nsg.iter_mut().for_each(demote);
    }
    for nic in &mut n.nics {
        nic.nsg.iter_mut().for_each(demote);
        for ip in &mut nic.ip_configs {
            ip.subnet.iter_mut().for_each(demote);
            ip.asgs.iter_mut().for_each(demote);
        }
    }
    for rule in n
        .nsgs
        .iter_mut()
        .flat_map(|g| g.rules.iter_mut())
        .chain(n.standalone_rules.iter_mut().map(|s| &mut s.rule))
    {
        for item in rule
            .source
            .others_mut()
            .iter_mut()
            .chain(rule.destination.others_mut().iter_mut())
        {
            if let Val::Known(AddressItem::Asg(link)) = &mut item.value {
                demote(&mut **link);
            }
        }
    }
    n.standalone_rules
        .iter_mut()
        .for_each(|s| demote(&mut s.nsg));
    for a in &mut n.subnet_nsg_associations {
        demote(&mut a.from);
        demote(&mut a.to);
    }
    for a in &mut n.nic_nsg_associations {
        demote(&mut a.from);
        demote(&mut a.to);
    }
    for a in &mut n.nic_asg_associations {
        demote(&mut a.from);
        demote(&mut a.to);
    }
    for host in n
        .tenants
        .iter_mut()
        .map(|t| &mut t.host)
        .chain(n.lb_members.iter_mut().map(|m| &mut m.host))
    {
        demote_host(host);
    }
    for m in &mut n.lb_members {
        demote(&mut m.pool);
    }
    for r in &mut n.lb_rules {
        r.pools.iter_mut().for_each(demote);
        r.probe.iter_mut().for_each(demote);
    }
    demote_admin(n);
}

fn demote_admin(n: &mut Network) {
    for m in &mut n.admin_members {
        demote(&mut m.group);
        demote(&mut m.vnet);
    }
    for d in &mut n.admin_deployments {
        if let Val::Known(links) = &mut d.configs {
            links.iter_mut().for_each(demote);
        }
    }
    for c in &mut n.admin_collections {
        demote(&mut c.config);
        c.groups.iter_mut().for_each(demote);
    }
    for r in &mut n.admin_rules {
        demote(&mut r.collection);
    }
    for p in &mut n.admin_policies {
        demote(&mut p.group);
    }
}

fn demote_host(host: &mut Host) {
    match host {
        Host::Subnet(link) => demote(link),
        Host::Nic { nic, .. } => demote(nic),
    }
}

/// Lower-cased keys of one kind of resource → positions.
struct KeyIndex {
    kind: &'static str,
    map: HashMap<String, Vec<usize>>,
}

impl KeyIndex {
    fn new<'a>(kind: &'static str, resources: impl Iterator<Item = &'a Resource>) -> KeyIndex {
        let mut map: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in resources.enumerate() {
            for key in &r.keys {
                let entry = map.entry(key.to_ascii_lowercase()).or_default();
                if !entry.contains(&i) {
                    entry.push(i);
                }
            }
        }
        KeyIndex { kind, map }
    }

    fn resolve<Id: Copy>(
        &self,
        link: &mut Link<Id>,
        make: fn(usize) -> Id,
        problems: &mut Vec<Problem>,
    ) {
        let Link::Key(key) = link else { return };
        let span = key.span;
        match self
            .map
            .get(&key.value.to_ascii_lowercase())
            .map(Vec::as_slice)
        {
            Some([one]) => *link = Link::Resolved(Spanned::new(make(*one), span)),
            Some(many) if many.len() > 1 => {
                problems.push(Problem::new(
                    ProblemKind::Ambiguous,
                    Severity::Warning,
                    format!(
                        "`{}` matches {} {}s; the link is treated as unknown",
                        key.value,
                        many.len(),
                        self.kind
                    ),
                    span,
                ));
                *link = Link::Unknown(Box::new(Unknown {
                    reason: format!("`{}` names several {}s", key.value, self.kind),
                    span,
                    origin: None,
                }));
            }
            _ => {
                *link = Link::Unknown(Box::new(Unknown {
                    reason: format!("{} `{}` is not defined in the input", self.kind, key.value),
                    span,
                    origin: None,
                }))
            }
        }
    }
}

/// Resolve every key, attach standalone rules and apply associations. Idempotent.
pub fn link(mut n: Network) -> Network {
    let vnets = KeyIndex::new("virtual network", n.vnets.iter().map(|v| &v.resource));
    let subnets = KeyIndex::new("subnet", n.subnets.iter().map(|v| &v.resource));
    let nsgs = KeyIndex::new("network security group", n.nsgs.iter().map(|v| &v.resource));
    let nics = KeyIndex::new("network interface", n.nics.iter().map(|v| &v.resource));
    let asgs = KeyIndex::new(
        "application security group",
        n.asgs.iter().map(|v| &v.resource),
    );
    let mut problems = Vec::new();
    let p = &mut problems;

    for v in &mut n.vnets {
        for peer in &mut v.peerings {
            vnets.resolve(peer, super::VnetId, p);
        }
    }
    for s in &mut n.subnets {
        vnets.resolve(&mut s.vnet, super::VnetId, p);
        if let Some(link) = &mut s.nsg {
            nsgs.resolve(link, super::NsgId, p);
        }
    }
    for nic in &mut n.nics {
        if let Some(link) = &mut nic.nsg {
            nsgs.resolve(link, super::NsgId, p);
        }
        for ip in &mut nic.ip_configs {
            if let Some(link) = &mut ip.subnet {
                subnets.resolve(link, super::SubnetId, p);
            }
            for a in &mut ip.asgs {
                asgs.resolve(a, super::AsgId, p);
            }
        }
    }
    for rule in n
        .nsgs
        .iter_mut()
        .flat_map(|g| g.rules.iter_mut())
        .chain(n.standalone_rules.iter_mut().map(|s| &mut s.rule))
    {
        for item in rule
            .source
            .others_mut()
            .iter_mut()
            .chain(rule.destination.others_mut().iter_mut())
        {
            if let Val::Known(AddressItem::Asg(link)) = &mut item.value {
                asgs.resolve(&mut **link, super::AsgId, p);
            }
        }
    }

    let pools = KeyIndex::new(
        "load-balancer backend pool",
        n.lb_pools.iter().map(|v| &v.resource),
    );
    let probes = KeyIndex::new(
        "load-balancer probe",
        n.lb_probes.iter().map(|v| &v.resource),
    );
    for host in n
        .tenants
        .iter_mut()
        .map(|t| &mut t.host)
        .chain(n.lb_members.iter_mut().map(|m| &mut m.host))
    {
        match host {
            Host::Subnet(link) => subnets.resolve(link, super::SubnetId, p),
            Host::Nic { nic, .. } => nics.resolve(nic, super::NicId, p),
        }
    }
    for m in &mut n.lb_members {
        pools.resolve(&mut m.pool, LbPoolId, p);
    }
    for r in &mut n.lb_rules {
        for pool in &mut r.pools {
            pools.resolve(pool, LbPoolId, p);
        }
        if let Some(probe) = &mut r.probe {
            probes.resolve(probe, LbProbeId, p);
        }
    }

    link_admin(&mut n, &vnets, p);
    attach_standalone_rules(&mut n, &nsgs, p);
    apply_subnet_associations(&mut n, &subnets, &nsgs, p);
    apply_nic_associations(&mut n, &nics, &nsgs, &asgs, p);
    n.problems.append(&mut problems);
    n.reindex();
    n
}

/// Resolve the admin-rule pieces and settle which configurations are deployed.
fn link_admin(n: &mut Network, vnets: &KeyIndex, p: &mut Vec<Problem>) {
    use crate::model::admin::{AdminCollectionId, AdminConfigId, AdminGroupId};
    let groups = KeyIndex::new("network group", n.admin_groups.iter().map(|g| &g.resource));
    let configs = KeyIndex::new(
        "security admin configuration",
        n.admin_configs.iter().map(|c| &c.resource),
    );
    let collections = KeyIndex::new(
        "admin rule collection",
        n.admin_collections.iter().map(|c| &c.resource),
    );
    // A member naming a VNet by a key that matches nothing is a VNet outside the input: no
    // verdict here depends on it. One whose reference could not be evaluated may be any VNet.
    n.admin_members.retain_mut(|m| {
        groups.resolve(&mut m.group, AdminGroupId, p);
        let named = matches!(m.vnet, Link::Key(_));
        vnets.resolve(&mut m.vnet, super::VnetId, p);
        !(named && matches!(m.vnet, Link::Unknown(_)))
    });
    for d in &mut n.admin_deployments {
        if let Val::Known(links) = &mut d.configs {
            for l in links {
                configs.resolve(l, AdminConfigId, p);
            }
        }
    }
    for c in &mut n.admin_collections {
        configs.resolve(&mut c.config, AdminConfigId, p);
        for g in &mut c.groups {
            groups.resolve(g, AdminGroupId, p);
        }
    }
    for r in &mut n.admin_rules {
        collections.resolve(&mut r.collection, AdminCollectionId, p);
    }
    for policy in &mut n.admin_policies {
        groups.resolve(&mut policy.group, AdminGroupId, p);
    }
    crate::model::admin::settle(n, p);
}

fn attach_standalone_rules(n: &mut Network, nsgs: &KeyIndex, p: &mut Vec<Problem>) {
    let mut has_standalone = vec![false; n.nsgs.len()];
    for mut s in std::mem::take(&mut n.standalone_rules) {
        nsgs.resolve(&mut s.nsg, super::NsgId, p);
        match &s.nsg {
            Link::Resolved(id) => {
                if let Some(nsg) = n.nsgs.get_mut(id.value.0) {
                    if let Some(flag) = has_standalone.get_mut(id.value.0) {
                        *flag = true;
                    }
                    nsg.rules.push(s.rule);
                }
            }
            Link::Unknown(u) => {
                let address = match &s.rule.origin {
                    RuleOrigin::Standalone { address } => address.clone(),
                    _ => s.rule.name.value.clone(),
                };
                p.push(
                    Problem::new(
                        ProblemKind::Unresolved,
                        Severity::Error,
                        format!(
                            "security rule `{}` belongs to a network security group that could not be resolved ({}); the rule is not evaluated",
                            s.rule.name.value, u.reason
                        ),
                        s.rule.span,
                    )
                    .with_resource(address),
                );
            }
            Link::Key(_) => {}
        }
    }
    for (nsg, standalone) in n.nsgs.iter().zip(has_standalone) {
        let inline = nsg.rules.iter().find(|r| r.origin == RuleOrigin::Inline);
        let separate = nsg
            .rules
            .iter()
            .find(|r| matches!(r.origin, RuleOrigin::Standalone { .. }));
        if let (true, Some(inline), Some(separate)) = (standalone, inline, separate) {
            p.push(
                Problem::new(
                    ProblemKind::Ambiguous,
                    Severity::Warning,
                    format!(
                        "network security group `{}` has inline rules and separate rule resources; they overwrite each other on apply, so the effective rule set is ambiguous (both are evaluated)",
                        nsg.resource.name.value
                    ),
                    nsg.resource.name.span,
                )
                .with_related(inline.span, "inline rule")
                .with_related(separate.span, "separate rule resource")
                .with_resource(nsg.resource.address.clone()),
            );
        }
    }
}

fn apply_subnet_associations(
    n: &mut Network,
    subnets: &KeyIndex,
    nsgs: &KeyIndex,
    p: &mut Vec<Problem>,
) {
    for mut a in std::mem::take(&mut n.subnet_nsg_associations) {
        let named = matches!(a.from, Link::Key(_));
        subnets.resolve(&mut a.from, super::SubnetId, p);
        nsgs.resolve(&mut a.to, super::NsgId, p);
        let Link::Resolved(subnet_id) = &a.from else {
            let problem = unapplied(&a.address, "subnet", &a.from, a.span, named);
            float(&mut n.floating_associations, &problem);
            p.push(problem);
            continue;
        };
        let Some(subnet) = n.subnets.get_mut(subnet_id.value.0) else {
            continue;
        };
        let name = format!("subnet `{}`", subnet.resource.name.value);
        associate(&mut subnet.nsg, a.to, &name, &a.address, a.span, p);
    }
}

fn apply_nic_associations(
    n: &mut Network,
    nics: &KeyIndex,
    nsgs: &KeyIndex,
    asgs: &KeyIndex,
    p: &mut Vec<Problem>,
) {
    for mut a in std::mem::take(&mut n.nic_nsg_associations) {
        let named = matches!(a.from, Link::Key(_));
        nics.resolve(&mut a.from, super::NicId, p);
        nsgs.resolve(&mut a.to, super::NsgId, p);
        let Link::Resolved(nic_id) = &a.from else {
            let problem = unapplied(&a.address, "network interface", &a.from, a.span, named);
            float(&mut n.floating_associations, &problem);
            p.push(problem);
            continue;
        };
        let Some(nic) = n.nics.get_mut(nic_id.value.0) else {
            continue;
        };
        let name = format!("network interface `{}`", nic.resource.name.value);
        associate(&mut nic.nsg, a.to, &name, &a.address, a.span, p);
    }
    for mut a in std::mem::take(&mut n.nic_asg_associations) {
        let named = matches!(a.from, Link::Key(_));
        nics.resolve(&mut a.from, super::NicId, p);
        asgs.resolve(&mut a.to, super::AsgId, p);
        let Link::Resolved(nic_id) = &a.from else {
            p.push(unapplied(
                &a.address,
                "network interface",
                &a.from,
                a.span,
                named,
            ));
            continue;
        };
        let Some(nic) = n.nics.get_mut(nic_id.value.0) else {
            continue;
        };
        let to = relabel(a.to, a.span);
        for ip in nic
            .ip_configs
            .iter_mut()
            .filter(|ip| ip.version == IpVersion::V4)
        {
            ip.asgs.push(to.clone());
        }
    }
}

/// Set the NSG an association gives a subnet or NIC, reporting a second, different one.
fn associate(
    slot: &mut Option<Link<NsgId>>,
    to: Link<NsgId>,
    name: &str,
    address: &str,
    span: crate::source::Span,
    p: &mut Vec<Problem>,
) {
    // The association's span is where the user wrote the link.
    let to = relabel(to, span);
    if let Some(existing) = slot.as_ref() {
        if !same_target(existing, &to) {
            p.push(
                Problem::new(
                    ProblemKind::Ambiguous,
                    Severity::Warning,
                    format!("{name} has two network security group associations; the later one (`{address}`) is evaluated"),
                    span,
                )
                .with_related(existing.span(), "earlier association"),
            );
        }
    }
    *slot = Some(to);
}

fn relabel<Id>(link: Link<Id>, span: crate::source::Span) -> Link<Id> {
    match link {
        Link::Resolved(s) => Link::Resolved(Spanned::new(s.value, span)),
        other => other,
    }
}

fn same_target<Id: PartialEq + Copy>(a: &Link<Id>, b: &Link<Id>) -> bool {
    matches!((a.resolved(), b.resolved()), (Some(x), Some(y)) if x == y)
}

/// Record an association that may apply to anything (an error, not a note) as floating.
fn float(list: &mut Vec<Unknown>, problem: &Problem) {
    if problem.severity == Severity::Error {
        list.push(Unknown {
            reason: problem.message.clone(),
            span: problem.span,
            origin: None,
        });
    }
}

/// An association that could not be applied. When it names its subject by a key that matches
/// nothing, the subject is outside the input and no verdict here depends on it (a note). When
/// the reference itself could not be evaluated, it may apply to any subnet or NIC in the input,
/// so verdicts may change: an error, reported under NSG030.
fn unapplied<Id>(
    address: &str,
    kind: &str,
    link: &Link<Id>,
    span: crate::source::Span,
    named: bool,
) -> Problem {
    let why = match link {
        Link::Unknown(u) => u.reason.clone(),
        _ => "unresolved".into(),
    };
    let (severity, consequence) = if named {
        (
            Severity::Note,
            format!(
                "it applies to a {kind} outside the input, so nothing checked here depends on it"
            ),
        )
    } else {
        (Severity::Error, format!("it may apply to any {kind} in the input, so verdicts that depend on their NSGs are uncertain"))
    };
    Problem::new(
        ProblemKind::Unresolved,
        severity,
        format!("association `{address}`: its {kind} could not be resolved ({why}); {consequence}"),
        span,
    )
    .with_resource(address.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::*;
    use crate::model::{Association, NsgId, StandaloneRule, SubnetId};

    #[test]
    fn keys_resolve_case_insensitively() {
        let mut n = Network::default();
        n.nsgs
            .push(nsg("nsg-a", &["ID:/SUBSCRIPTIONS/X/NSG-A"], vec![]));
        let mut s = subnet("roles", &["10.1.0.0/24"]);
        s.nsg = Some(key("id:/subscriptions/x/nsg-a"));
        n.subnets.push(s);
        let n = link(n);
        assert_eq!(
            n.subnets[0].nsg.as_ref().unwrap().resolved(),
            Some(NsgId(0))
        );
    }

    #[test]
    fn unknown_keys_become_unknown_links_not_guesses() {
        let mut n = Network::default();
        let mut s = subnet("roles", &["10.1.0.0/24"]);
        s.nsg = Some(key("tf:azurerm_network_security_group.missing"));
        n.subnets.push(s);
        let n = link(n);
        match n.subnets[0].nsg.as_ref().unwrap() {
            Link::Unknown(u) => assert!(u.reason.contains("not defined in the input")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ambiguous_keys_are_reported_and_unknown() {
        let mut n = Network::default();
        n.nsgs.push(nsg("a", &["dup"], vec![]));
        n.nsgs.push(nsg("b", &["dup"], vec![]));
        let mut s = subnet("roles", &["10.1.0.0/24"]);
        s.nsg = Some(key("dup"));
        n.subnets.push(s);
        let n = link(n);
        assert!(matches!(n.subnets[0].nsg, Some(Link::Unknown(_))));
        assert!(n.problems.iter().any(|p| p.kind == ProblemKind::Ambiguous));
    }

    #[test]
    fn associations_and_standalone_rules_are_applied() {
        let mut n = Network::default();
        n.nsgs.push(nsg("a", &["nsg-a"], vec![rule("Inline", 300)]));
        n.subnets.push(subnet("roles", &["10.1.0.0/24"]));
        n.subnets[0].resource.keys.push("subnet-roles".into());
        n.subnet_nsg_associations.push(Association {
            from: key("subnet-roles"),
            to: key("nsg-a"),
            address: "assoc".into(),
            span: span(),
        });
        let mut separate = rule("Separate", 350);
        separate.origin = RuleOrigin::Standalone {
            address: "rule.separate".into(),
        };
        n.standalone_rules.push(StandaloneRule {
            nsg: key("nsg-a"),
            rule: separate,
        });
        let n = link(n);
        assert_eq!(
            n.subnets[0].nsg.as_ref().unwrap().resolved(),
            Some(NsgId(0))
        );
        assert_eq!(n.nsgs[0].rules.len(), 2);
        assert!(n.problems.iter().any(|p| p
            .message
            .contains("inline rules and separate rule resources")));
        assert!(n.subnet_nsg_associations.is_empty());
        let _ = SubnetId(0);
    }

    #[test]
    fn a_rule_whose_nsg_is_missing_is_reported_not_dropped_silently() {
        let mut n = Network::default();
        let mut separate = rule("Orphan", 350);
        separate.origin = RuleOrigin::Standalone {
            address: "rule.orphan".into(),
        };
        n.standalone_rules.push(StandaloneRule {
            nsg: key("nope"),
            rule: separate,
        });
        let n = link(n);
        assert_eq!(n.problems.len(), 1);
        assert_eq!(n.problems[0].kind, ProblemKind::Unresolved);
        assert_eq!(n.problems[0].severity, Severity::Error);
    }
}

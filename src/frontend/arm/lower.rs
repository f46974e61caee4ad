//! Lowering expanded resources into the network model (nsg-semantics §4.1): NSGs with inline
//! `securityRules`, child rule resources, virtual networks with inline subnets and peerings,
//! child subnets and peerings, network interfaces and application security groups.
//!
//! Properties are read through [`Lazy`] views, so only what the model needs is evaluated.
//! Links are written as keys ([`super::resource_id`]) for the model linker.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use super::eval::{CtxId, Env, Lazy, Machine};
use super::resource_id::{self, ResourceRef};
use super::template::{display, nested_ctx, Inst};
use super::value::{self, Kind, Part, Value};
use crate::model::values::{build_rule, Dialect, Raw, RawField, RawList, RawListField, RawRule};
use crate::model::{
    Asg, AsgId, Field, IpConfig, IpVersion, Link, Network, Nic, Nsg, Problem, ProblemKind,
    Resource, RuleOrigin, SecurityRule, Severity, Spanned, StandaloneRule, Subnet, Unknown, Val,
    Vnet, VnetId,
};
use crate::source::Span;

const NSG: &str = "microsoft.network/networksecuritygroups";
const RULE: &str = "microsoft.network/networksecuritygroups/securityrules";
const VNET: &str = "microsoft.network/virtualnetworks";
const SUBNET: &str = "microsoft.network/virtualnetworks/subnets";
const PEERING: &str = "microsoft.network/virtualnetworks/virtualnetworkpeerings";
const NIC: &str = "microsoft.network/networkinterfaces";
const ASG: &str = "microsoft.network/applicationsecuritygroups";
const DEPLOYMENT: &str = "microsoft.resources/deployments";

pub struct Lowerer<'m, 'a> {
    m: &'m Machine<'a>,
    pub net: Network,
    /// Child peering resources: (VNet link key, remote VNet), attached at the end.
    peerings: Vec<(String, Link<VnetId>, Span)>,
}

impl<'m, 'a> Lowerer<'m, 'a> {
    pub fn new(m: &'m Machine<'a>) -> Lowerer<'m, 'a> {
        Lowerer {
            m,
            net: Network::default(),
            peerings: Vec::new(),
        }
    }

    /// Lower every resource of a deployment (and of the deployments nested in it).
    pub fn lower_ctx(&mut self, ctx: CtxId) {
        let Some(c) = self.m.ctx(ctx) else { return };
        let Some(table) = self.m.table(ctx) else {
            return;
        };
        for inst in table.insts.iter() {
            self.lower_inst(&c.path, inst);
        }
    }

    /// Attach child peerings and collect the problems found.
    pub fn finish(mut self) -> Network {
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (i, v) in self.net.vnets.iter().enumerate() {
            for k in &v.resource.keys {
                by_key.entry(k.to_ascii_lowercase()).or_insert(i);
            }
        }
        for (key, link, span) in std::mem::take(&mut self.peerings) {
            match by_key
                .get(&key.to_ascii_lowercase())
                .and_then(|i| self.net.vnets.get_mut(*i))
            {
                Some(v) => v.peerings.push(link),
                None => self.net.problems.push(Problem::new(
                    ProblemKind::Note,
                    Severity::Note,
                    "this peering belongs to a virtual network not defined in this template; it is not evaluated",
                    span,
                )),
            }
        }
        self.net.problems.extend(self.m.take_problems());
        dedupe(&mut self.net.problems);
        self.net
    }

    fn problem(&mut self, p: Problem) {
        self.net.problems.push(p);
    }

    fn lower_inst(&mut self, path: &str, inst: &Inst<'a>) {
        let ty = inst.ty.to_ascii_lowercase();
        let relevant = matches!(
            ty.as_str(),
            NSG | RULE | VNET | SUBNET | PEERING | NIC | ASG | DEPLOYMENT
        );
        if !relevant || inst.existing {
            return;
        }
        if let Some(cond) = &inst.condition {
            match &cond.kind {
                Kind::Bool(false) => return,
                Kind::Bool(true) => {}
                Kind::Unknown(u) => self.problem(
                    Problem::new(
                        ProblemKind::Unresolved,
                        Severity::Note,
                        format!(
                            "`{}` is deployed only when its condition holds, which could not be evaluated ({}); it is evaluated as deployed",
                            inst.address, u.reason
                        ),
                        cond.span,
                    )
                    .with_resource(inst.address.clone()),
                ),
                _ => self.problem(Problem::invalid(
                    format!("the condition of `{}` is a {}, not a bool", inst.address, cond.type_name()),
                    cond.span,
                )),
            }
        }
        match ty.as_str() {
            NSG => self.nsg(path, inst),
            RULE => self.rule_resource(inst),
            VNET => self.vnet(path, inst),
            SUBNET => self.subnet_resource(path, inst),
            PEERING => self.peering_resource(inst),
            NIC => self.nic(path, inst),
            ASG => {
                let resource = self.resource(path, inst, display(&inst.name));
                self.net.asgs.push(Asg { resource });
            }
            _ => {
                if let Some(child) = nested_ctx(self.m, inst) {
                    self.lower_ctx(child);
                }
            }
        }
    }

    fn resource(&self, path: &str, inst: &Inst<'a>, name: String) -> Resource {
        Resource {
            name: Spanned::new(name, inst.name.span),
            address: inst.address.clone(),
            keys: inst.keys(path),
            span: self.m.span(inst.node),
        }
    }

    fn props(&self, inst: &Inst<'a>) -> Option<Lazy<'a>> {
        self.m.get(&Lazy::Node(inst.node), "properties", &inst.env)
    }

    // ---- NSGs and rules -----------------------------------------------------------------

    fn nsg(&mut self, path: &str, inst: &Inst<'a>) {
        let resource = self.resource(path, inst, display(&inst.name));
        let env = &inst.env;
        let mut rules = Vec::new();
        let list = self
            .props(inst)
            .and_then(|p| self.m.get(&p, "securityRules", env));
        if let Some(list) = list {
            match self.m.items(&list, env) {
                Ok(items) => {
                    for item in &items {
                        rules.push(self.rule(item, env, RuleOrigin::Inline, None));
                    }
                }
                Err(v) => match v.as_unknown() {
                    Some(u) => {
                        let u = to_unknown(u);
                        rules.push(self.unknown_rule(
                            u,
                            v.span,
                            RuleOrigin::Inline,
                            "the rule list could not be resolved",
                        ));
                    }
                    None => self.problem(Problem::invalid(
                        format!("`securityRules` is a {}, not an array", v.type_name()),
                        v.span,
                    )),
                },
            }
        }
        self.net.nsgs.push(Nsg { resource, rules });
    }

    /// A rule whose contents are unknown: every field unknown, so evaluation stays
    /// conservative instead of treating the NSG as holding only its default rules.
    fn unknown_rule(
        &mut self,
        u: Unknown,
        span: Span,
        origin: RuleOrigin,
        what: &str,
    ) -> SecurityRule {
        let field = || -> Option<RawField> { Some(Spanned::new(Val::Unknown(u.clone()), span)) };
        let mut raw = RawRule::new(span, origin);
        raw.name = Some(Spanned::new(
            Val::Unknown(Unknown {
                reason: format!("{what}: {}", u.reason),
                span: u.span,
            }),
            span,
        ));
        raw.priority = field();
        raw.direction = field();
        raw.access = field();
        raw.protocol = field();
        raw.source_port_range = field();
        raw.destination_port_range = field();
        raw.source_address_prefix = field();
        raw.destination_address_prefix = field();
        build_rule(raw, Dialect::Arm, &mut self.net.problems)
    }

    fn rule(
        &mut self,
        item: &Lazy<'a>,
        env: &Env,
        origin: RuleOrigin,
        name: Option<RawField>,
    ) -> SecurityRule {
        let m = self.m;
        let span = m.lazy_span(item);
        if let Lazy::Val(v) = item {
            if let Some(u) = v.as_unknown() {
                return self.unknown_rule(
                    to_unknown(u),
                    span,
                    origin,
                    "the rule could not be resolved",
                );
            }
        }
        let mut raw = RawRule::new(span, origin.clone());
        raw.name = name.or_else(|| {
            let v = m.get(item, "name", env)?;
            let v = m.force(&v, env);
            name_field(&v).or_else(|| self.scalar(&v, "name"))
        });
        let Some(props) = m.get(item, "properties", env) else {
            self.problem(Problem::invalid("security rule has no `properties`", span));
            return build_rule(raw, Dialect::Arm, &mut self.net.problems);
        };
        if let Lazy::Val(v) = &props {
            if let Some(u) = v.as_unknown() {
                return self.unknown_rule(
                    to_unknown(u),
                    span,
                    origin,
                    "the rule's properties could not be resolved",
                );
            }
        }
        raw.description = self.scalar_at(&props, "description", env);
        raw.priority = self.scalar_at(&props, "priority", env);
        raw.direction = self.scalar_at(&props, "direction", env);
        raw.access = self.scalar_at(&props, "access", env);
        raw.protocol = self.scalar_at(&props, "protocol", env);
        raw.source_port_range = self.scalar_at(&props, "sourcePortRange", env);
        raw.source_port_ranges = self.list_at(&props, "sourcePortRanges", env);
        raw.destination_port_range = self.scalar_at(&props, "destinationPortRange", env);
        raw.destination_port_ranges = self.list_at(&props, "destinationPortRanges", env);
        raw.source_address_prefix = self.scalar_at(&props, "sourceAddressPrefix", env);
        raw.source_address_prefixes = self.list_at(&props, "sourceAddressPrefixes", env);
        raw.destination_address_prefix = self.scalar_at(&props, "destinationAddressPrefix", env);
        raw.destination_address_prefixes = self.list_at(&props, "destinationAddressPrefixes", env);
        raw.source_asgs = self.asgs_at(&props, "sourceApplicationSecurityGroups", env);
        raw.destination_asgs = self.asgs_at(&props, "destinationApplicationSecurityGroups", env);
        build_rule(raw, Dialect::Arm, &mut self.net.problems)
    }

    fn rule_resource(&mut self, inst: &Inst<'a>) {
        let segments = name_segments(&inst.name);
        let (nsg, rule_name) = match segments.as_slice() {
            [nsg, rule] => (nsg.clone(), rule.clone()),
            _ => {
                let why = match inst.name.as_unknown() {
                    Some(u) => u.reason.to_string(),
                    None => format!("`{}` is not of the form `nsg/rule`", display(&inst.name)),
                };
                self.problem(Problem::invalid(
                    format!("security rule resource name: {why}"),
                    inst.name.span,
                ));
                (Vec::new(), Vec::new())
            }
        };
        let nsg_link = self.sibling_link(inst, NSG, vec![nsg]);
        let name = if rule_name.is_empty() {
            None
        } else {
            Some(sym_field(&rule_name, &inst.name))
        };
        let origin = RuleOrigin::Standalone {
            address: inst.address.clone(),
        };
        let rule = self.rule(&Lazy::Node(inst.node), &inst.env, origin, name);
        self.net.standalone_rules.push(StandaloneRule {
            nsg: nsg_link,
            rule,
        });
    }

    /// A link to another resource of the instance's deployment scope: `ty` with `names`.
    fn sibling_link<Id>(&self, inst: &Inst<'a>, ty: &str, names: Vec<Vec<Part>>) -> Link<Id> {
        let span = inst.name.span;
        let built = inst
            .id
            .as_ref()
            .and_then(|id| resource_id::build(id.sub.clone(), id.rg.clone(), ty, names))
            .and_then(|p| resource_id::parse(&p));
        match built {
            Some(r) => Link::Key(Spanned::new(r.link_key(), span)),
            None => Link::Unknown(match inst.name.as_unknown() {
                Some(u) => to_unknown(u),
                None => Unknown {
                    reason: format!("the parent of `{}` could not be determined", inst.address),
                    span,
                },
            }),
        }
    }

    // ---- scalar, list and link fields ---------------------------------------------------

    fn scalar_at(&mut self, l: &Lazy<'a>, key: &str, env: &Env) -> Option<RawField> {
        let v = self.m.get(l, key, env)?;
        let v = self.m.force(&v, env);
        self.scalar(&v, key)
    }

    fn scalar(&mut self, v: &Value, key: &str) -> Option<RawField> {
        let val = match &v.kind {
            Kind::Null => return None,
            Kind::Str(s) => Val::Known(Raw::Str(s.to_string())),
            Kind::Int(n) => Val::Known(Raw::Num(*n as f64)),
            Kind::Float(f) => Val::Known(Raw::Num(*f)),
            Kind::Bool(b) => Val::Known(Raw::Bool(*b)),
            Kind::Unknown(u) => Val::Unknown(to_unknown(u)),
            Kind::Array(_) | Kind::Object(_) => {
                self.problem(Problem::invalid(
                    format!("`{key}` must be a single value, not an {}", v.type_name()),
                    v.span,
                ));
                Val::unknown(format!("`{key}` is an {}", v.type_name()), v.span)
            }
        };
        Some(Spanned::new(val, v.span))
    }

    fn list_at(&mut self, l: &Lazy<'a>, key: &str, env: &Env) -> Option<RawListField> {
        let v = self.m.get(l, key, env)?;
        let v = self.m.force(&v, env);
        let list = match &v.kind {
            Kind::Null => return None,
            Kind::Array(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    match self.scalar(item, key) {
                        Some(f) => out.push(f),
                        None => {
                            self.problem(Problem::invalid(
                                format!("`{key}` holds a null item"),
                                item.span,
                            ));
                            out.push(Spanned::new(
                                Val::unknown("null item", item.span),
                                item.span,
                            ));
                        }
                    }
                }
                RawList::Items(out)
            }
            Kind::Unknown(u) => RawList::Unknown(to_unknown(u)),
            _ => {
                self.problem(Problem::invalid(
                    format!("`{key}` must be an array, not a {}", v.type_name()),
                    v.span,
                ));
                RawList::Items(self.scalar(&v, key).into_iter().collect())
            }
        };
        Some(Spanned::new(list, v.span))
    }

    fn asgs_at(&mut self, l: &Lazy<'a>, key: &str, env: &Env) -> Option<Spanned<Vec<Link<AsgId>>>> {
        let v = self.m.get(l, key, env)?;
        let v = self.m.force(&v, env);
        let links = match &v.kind {
            Kind::Null => return None,
            Kind::Array(items) => items.iter().map(|i| self.ref_value_link(i)).collect(),
            Kind::Unknown(u) => vec![Link::Unknown(to_unknown(u))],
            _ => {
                self.problem(Problem::invalid(
                    format!("`{key}` must be an array of `{{\"id\": …}}` objects"),
                    v.span,
                ));
                vec![self.ref_value_link(&v)]
            }
        };
        Some(Spanned::new(links, v.span))
    }

    /// A `{ "id": … }` reference value.
    fn ref_value_link<Id>(&mut self, v: &Value) -> Link<Id> {
        match &v.kind {
            Kind::Object(_) | Kind::Unknown(_) => {
                let id = super::eval::member(v, "id", v.span);
                self.id_link(&id)
            }
            _ => {
                self.problem(Problem::invalid(
                    "a resource reference must be an object `{\"id\": …}`",
                    v.span,
                ));
                self.id_link(v)
            }
        }
    }

    /// Member `key` holding `{ "id": … }`, as a link; `None` when absent.
    fn ref_at<Id>(&mut self, l: &Lazy<'a>, key: &str, env: &Env) -> Option<Link<Id>> {
        let r = self.m.get(l, key, env)?;
        let id = self.m.get(&r, "id", env)?;
        let id = self.m.force(&id, env);
        Some(self.id_link(&id))
    }

    fn id_link<Id>(&mut self, v: &Value) -> Link<Id> {
        let unknown = |u: &value::Unk| Link::Unknown(to_unknown(u));
        if let Some(parts) = v.to_sym() {
            if let Some(r) = resource_id::parse(&parts) {
                return Link::Key(Spanned::new(r.link_key(), v.span));
            }
        }
        match v.as_unknown() {
            Some(u) => unknown(u),
            None => {
                let text = display(v);
                self.problem(Problem::invalid(
                    format!("`{text}` is not a resource id"),
                    v.span,
                ));
                Link::Unknown(Unknown {
                    reason: format!("`{text}` is not a resource id"),
                    span: v.span,
                })
            }
        }
    }

    // ---- virtual networks and subnets ---------------------------------------------------

    fn vnet(&mut self, path: &str, inst: &Inst<'a>) {
        let m = self.m;
        let env = &inst.env;
        let resource = self.resource(path, inst, display(&inst.name));
        let props = self.props(inst);
        let mut address_space = Vec::new();
        let space = props.as_ref().and_then(|p| m.get(p, "addressSpace", env));
        if let Some(list) = space
            .as_ref()
            .and_then(|a| m.get(a, "addressPrefixes", env))
        {
            address_space = self.prefix_list(&list, env, "addressPrefixes");
        }
        if address_space.is_empty() {
            let at = space
                .as_ref()
                .map_or(self.m.span(inst.node), |s| m.lazy_span(s));
            let ipam = space
                .as_ref()
                .and_then(|a| m.get(a, "ipamPoolPrefixAllocations", env))
                .is_some();
            let reason = if ipam {
                "the address space is allocated from an IPAM pool at deployment time"
            } else {
                self.problem(Problem::invalid(
                    format!(
                        "virtual network `{}` has no address space",
                        resource.name.value
                    ),
                    at,
                ));
                "the virtual network has no address space"
            };
            address_space.push(Spanned::new(Val::unknown(reason, at), at));
        }
        let mut peerings = Vec::new();
        if let Some(props) = &props {
            if let Some(list) = m.get(props, "virtualNetworkPeerings", env) {
                match m.items(&list, env) {
                    Ok(items) => {
                        for item in &items {
                            if let Some(link) = m
                                .get(item, "properties", env)
                                .and_then(|p| self.ref_at(&p, "remoteVirtualNetwork", env))
                            {
                                peerings.push(link);
                            }
                        }
                    }
                    Err(v) => self.unresolved_list(&v, "the peerings of this virtual network"),
                }
            }
            if let Some(list) = m.get(props, "subnets", env) {
                match m.items(&list, env) {
                    Ok(items) => {
                        for item in &items {
                            self.inline_subnet(inst, item);
                        }
                    }
                    Err(v) => self.unresolved_list(&v, "the subnets of this virtual network"),
                }
            }
        }
        self.net.vnets.push(Vnet {
            resource,
            address_space,
            peerings,
        });
    }

    fn unresolved_list(&mut self, v: &Value, what: &str) {
        let message = match v.as_unknown() {
            Some(u) => format!(
                "{what} could not be resolved ({}); they are not evaluated",
                u.reason
            ),
            None => format!("{what} must be an array, not a {}", v.type_name()),
        };
        self.problem(Problem::new(
            ProblemKind::Unresolved,
            Severity::Warning,
            message,
            v.span,
        ));
    }

    fn inline_subnet(&mut self, vnet: &Inst<'a>, item: &Lazy<'a>) {
        let env = &vnet.env;
        let span = self.m.lazy_span(item);
        if let Lazy::Val(v) = item {
            if v.is_unknown() {
                self.unresolved_list(v, "a subnet of this virtual network");
                return;
            }
        }
        let name = self
            .m
            .get(item, "name", env)
            .map(|n| self.m.force(&n, env))
            .unwrap_or_else(|| Value::unknown("subnet has no `name`", span));
        let ids = vnet.id.as_ref().and_then(|id| {
            let mut names = id.names.clone();
            names.push(name.to_sym()?);
            let parts = resource_id::build(
                id.sub.clone(),
                id.rg.clone(),
                "Microsoft.Network/virtualNetworks/subnets",
                names,
            )?;
            resource_id::parse(&parts)
        });
        let resource = Resource {
            name: Spanned::new(display(&name), name.span),
            address: format!("{}/subnets/{}", vnet.address, display(&name)),
            keys: ids.as_ref().map(ResourceRef::keys).unwrap_or_default(),
            span,
        };
        let vnet_link = self.own_link(vnet);
        let props = self.m.get(item, "properties", env);
        self.push_subnet(resource, vnet_link, props, env, span);
    }

    fn own_link<Id>(&self, inst: &Inst<'a>) -> Link<Id> {
        match &inst.id {
            Some(id) => Link::Key(Spanned::new(id.link_key(), inst.name.span)),
            None => Link::Unknown(match inst.name.as_unknown() {
                Some(u) => to_unknown(u),
                None => Unknown {
                    reason: format!("the id of `{}` could not be computed", inst.address),
                    span: inst.name.span,
                },
            }),
        }
    }

    fn subnet_resource(&mut self, path: &str, inst: &Inst<'a>) {
        let segments = name_segments(&inst.name);
        let (vnet_link, name) = match segments.as_slice() {
            [vnet, subnet] => (
                self.sibling_link(inst, VNET, vec![vnet.clone()]),
                value::render_sym(subnet),
            ),
            _ => {
                self.problem(Problem::invalid(
                    format!(
                        "subnet resource name `{}` is not of the form `vnet/subnet`",
                        display(&inst.name)
                    ),
                    inst.name.span,
                ));
                (self.own_link(inst), display(&inst.name))
            }
        };
        let resource = self.resource(path, inst, name);
        let props = self.props(inst);
        let span = self.m.span(inst.node);
        self.push_subnet(resource, vnet_link, props, &inst.env, span);
    }

    fn push_subnet(
        &mut self,
        resource: Resource,
        vnet: Link<VnetId>,
        props: Option<Lazy<'a>>,
        env: &Env,
        span: Span,
    ) {
        let m = self.m;
        let mut prefixes = Vec::new();
        let mut nsg = None;
        if let Some(props) = &props {
            if let Some(p) = m.get(props, "addressPrefix", env) {
                let v = m.force(&p, env);
                if !v.is_null() {
                    prefixes.push(self.prefix(&v));
                }
            }
            if let Some(list) = m.get(props, "addressPrefixes", env) {
                for p in self.prefix_list(&list, env, "addressPrefixes") {
                    let dup = prefixes.iter().any(|q: &Field<IpNet>| {
                        matches!((&q.value, &p.value), (Val::Known(a), Val::Known(b)) if a == b)
                    });
                    if !dup {
                        prefixes.push(p);
                    }
                }
            }
            nsg = self.ref_at(props, "networkSecurityGroup", env);
            if prefixes.is_empty() {
                if let Some(ipam) = m.get(props, "ipamPoolPrefixAllocations", env) {
                    let at = m.lazy_span(&ipam);
                    prefixes.push(Spanned::new(
                        Val::unknown(
                            "the prefix is allocated from an IPAM pool at deployment time",
                            at,
                        ),
                        at,
                    ));
                }
            }
        }
        if prefixes.is_empty() {
            self.problem(Problem::invalid(
                format!("subnet `{}` has no address prefix", resource.name.value),
                span,
            ));
            prefixes.push(Spanned::new(
                Val::unknown("the subnet has no address prefix", span),
                span,
            ));
        }
        self.net.subnets.push(Subnet {
            resource,
            vnet,
            prefixes,
            nsg,
        });
    }

    fn prefix_list(&mut self, list: &Lazy<'a>, env: &Env, key: &str) -> Vec<Field<IpNet>> {
        match self.m.items(list, env) {
            Ok(items) => items
                .iter()
                .map(|i| {
                    let v = self.m.force(i, env);
                    self.prefix(&v)
                })
                .collect(),
            Err(v) => match v.as_unknown() {
                Some(u) => vec![Spanned::new(Val::Unknown(to_unknown(u)), v.span)],
                None if v.is_null() => Vec::new(),
                None => {
                    self.problem(Problem::invalid(
                        format!("`{key}` must be an array, not a {}", v.type_name()),
                        v.span,
                    ));
                    vec![self.prefix(&v)]
                }
            },
        }
    }

    fn prefix(&mut self, v: &Value) -> Field<IpNet> {
        let val = match &v.kind {
            Kind::Unknown(u) => Val::Unknown(to_unknown(u)),
            Kind::Str(s) => match s.trim().parse::<IpNet>() {
                Ok(net) if net.trunc() == net => Val::Known(net),
                Ok(net) => {
                    self.problem(Problem::invalid(
                        format!("address prefix `{s}` has host bits set; Azure rejects it (InvalidCIDRNotation); evaluated as {}", net.trunc()),
                        v.span,
                    ));
                    Val::Known(net.trunc())
                }
                Err(_) => {
                    self.problem(Problem::invalid(
                        format!("`{s}` is not a CIDR prefix"),
                        v.span,
                    ));
                    Val::unknown(format!("invalid prefix `{s}`"), v.span)
                }
            },
            _ => {
                self.problem(Problem::invalid(
                    format!(
                        "an address prefix must be a string, not a {}",
                        v.type_name()
                    ),
                    v.span,
                ));
                Val::unknown("invalid prefix", v.span)
            }
        };
        Spanned::new(val, v.span)
    }

    fn peering_resource(&mut self, inst: &Inst<'a>) {
        let segments = name_segments(&inst.name);
        let Some(vnet) = segments.first().filter(|_| segments.len() == 2) else {
            self.problem(Problem::invalid(
                format!(
                    "peering resource name `{}` is not of the form `vnet/peering`",
                    display(&inst.name)
                ),
                inst.name.span,
            ));
            return;
        };
        let vnet_link: Link<VnetId> = self.sibling_link(inst, VNET, vec![vnet.clone()]);
        let Link::Key(key) = vnet_link else { return };
        let remote = self
            .props(inst)
            .and_then(|p| self.ref_at(&p, "remoteVirtualNetwork", &inst.env));
        if let Some(remote) = remote {
            self.peerings
                .push((key.value, remote, self.m.span(inst.node)));
        }
    }

    // ---- network interfaces -------------------------------------------------------------

    fn nic(&mut self, path: &str, inst: &Inst<'a>) {
        let m = self.m;
        let env = &inst.env;
        let resource = self.resource(path, inst, display(&inst.name));
        let props = self.props(inst);
        let nsg = props
            .as_ref()
            .and_then(|p| self.ref_at(p, "networkSecurityGroup", env));
        let mut ip_configs = Vec::new();
        let list = props
            .as_ref()
            .and_then(|p| m.get(p, "ipConfigurations", env));
        match list.map(|l| m.items(&l, env)) {
            Some(Ok(items)) => {
                for item in &items {
                    if let Some(ip) = self.ip_config(item, env) {
                        ip_configs.push(ip);
                    }
                }
            }
            Some(Err(v)) => {
                self.unresolved_list(&v, "the IP configurations of this network interface")
            }
            None => {}
        }
        self.net.nics.push(Nic {
            resource,
            nsg,
            ip_configs,
        });
    }

    fn ip_config(&mut self, item: &Lazy<'a>, env: &Env) -> Option<IpConfig> {
        let m = self.m;
        let span = m.lazy_span(item);
        if let Lazy::Val(v) = item {
            if v.is_unknown() {
                self.unresolved_list(v, "an IP configuration of this network interface");
                return None;
            }
        }
        let name = m
            .get(item, "name", env)
            .map(|n| m.force(&n, env))
            .unwrap_or_else(|| Value::unknown("IP configuration has no `name`", span));
        let props = m.get(item, "properties", env);
        let get = |key: &str| {
            props
                .as_ref()
                .and_then(|p| m.get(p, key, env))
                .map(|v| m.force(&v, env))
        };
        let subnet = props.as_ref().and_then(|p| self.ref_at(p, "subnet", env));
        let method = get("privateIPAllocationMethod");
        let dynamic = method
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("Dynamic"));
        let private_ip = match get("privateIPAddress") {
            Some(v) if !dynamic && !v.is_null() => Some(self.ip_address(&v)),
            _ => None,
        };
        let version = match get("privateIPAddressVersion") {
            Some(v) => match &v.kind {
                Kind::Str(s) if s.eq_ignore_ascii_case("IPv6") => IpVersion::V6,
                Kind::Str(s) if s.eq_ignore_ascii_case("IPv4") => IpVersion::V4,
                _ => {
                    self.problem(Problem::new(
                        ProblemKind::Unresolved,
                        Severity::Warning,
                        format!("IP version `{}` is not IPv4 or IPv6 or could not be resolved; evaluated as IPv4", display(&v)),
                        v.span,
                    ));
                    IpVersion::V4
                }
            },
            None => IpVersion::V4,
        };
        let asgs = props
            .as_ref()
            .and_then(|p| self.asgs_at(p, "applicationSecurityGroups", env))
            .map(|s| s.value)
            .unwrap_or_default();
        Some(IpConfig {
            name: Spanned::new(display(&name), name.span),
            subnet,
            private_ip,
            version,
            asgs,
            span,
        })
    }

    fn ip_address(&mut self, v: &Value) -> Field<IpAddr> {
        let val = match &v.kind {
            Kind::Unknown(u) => Val::Unknown(to_unknown(u)),
            Kind::Str(s) => match s.trim().parse::<IpAddr>() {
                Ok(a) => Val::Known(a),
                Err(_) => {
                    self.problem(Problem::invalid(
                        format!("`{s}` is not an IP address"),
                        v.span,
                    ));
                    Val::unknown(format!("invalid IP address `{s}`"), v.span)
                }
            },
            _ => {
                self.problem(Problem::invalid("an IP address must be a string", v.span));
                Val::unknown("invalid IP address", v.span)
            }
        };
        Spanned::new(val, v.span)
    }
}

fn to_unknown(u: &value::Unk) -> Unknown {
    Unknown {
        reason: u.reason.to_string(),
        span: u.span,
    }
}

/// The `/`-separated segments of a (possibly symbolic) name.
fn name_segments(v: &Value) -> Vec<Vec<Part>> {
    v.to_sym()
        .map(|s| value::split_sym(&s, '/'))
        .unwrap_or_default()
}

/// A name segment as a rule-name field: a symbolic name is shown as written (`{parameters('x')}`).
fn sym_field(seg: &[Part], whole: &Value) -> RawField {
    let text = value::sym_literal(seg).unwrap_or_else(|| value::render_sym(seg));
    Spanned::new(Val::Known(Raw::Str(text)), whole.span)
}

/// A name that is unknown but symbolic is displayed by its symbol; names only label things.
fn name_field(v: &Value) -> Option<RawField> {
    let u = v.as_unknown()?;
    let sym = u.sym.as_ref()?;
    Some(Spanned::new(
        Val::Known(Raw::Str(value::render_sym(sym))),
        v.span,
    ))
}

/// Drop repeated problems (a copy loop repeats the same expression), keeping the first.
fn dedupe(problems: &mut Vec<Problem>) {
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.span, p.message.clone())));
}

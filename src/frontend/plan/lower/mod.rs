//! Lowering of planned azurerm objects into the network model, one resource type per file.
//!
//! Each resource gets every key it can be known by: `tf:<canonical address>`, `id:<azure id>`
//! when its id is known (no-op, update, data sources), and its name pair. Links use a known id
//! first; an id that is unknown until apply is linked through the `configuration` expression's
//! references ([`Config::resolve`]); what neither can establish becomes a `Link::Unknown` with
//! the reason.

mod azapi;
mod mirror;
mod network;
mod nic;
mod rules;

use crate::frontend::json::{Json, Node};
use crate::frontend::plan::address::{Address, Mode};
use crate::frontend::plan::config::{Config, ResourceConfig, Scope, Want};
use crate::frontend::plan::value::View;
use crate::frontend::vocab::azurerm::{self as vocab, association, tenant as tenants};
use ipnet::IpNet;

use crate::model::values::{RawField, RawListField};
use crate::model::{
    Asg, AsgId, Association, Field, Link, Network, NicId, NsgId, Problem, ProblemKind, Resource,
    Severity, Spanned, SubnetId, Unknown, Val,
};
use crate::source::{FileId, Span};

pub const NSG: Want = Want {
    types: &["azurerm_network_security_group"],
    data: true,
};
pub const SUBNET: Want = Want {
    types: &["azurerm_subnet"],
    data: true,
};
pub const VNET: Want = Want {
    types: &["azurerm_virtual_network"],
    data: true,
};
pub const NIC: Want = Want {
    types: &["azurerm_network_interface"],
    data: true,
};
pub const ASG: Want = Want {
    types: &["azurerm_application_security_group"],
    data: true,
};
pub const LB: Want = Want {
    types: &["azurerm_lb"],
    data: true,
};
pub const LB_POOL: Want = Want {
    types: &["azurerm_lb_backend_address_pool"],
    data: true,
};
pub const LB_PROBE: Want = Want {
    types: &["azurerm_lb_probe"],
    data: false,
};
/// Nothing links to a load-balancing rule.
pub const LB_RULE: Want = Want {
    types: &["azurerm_lb_rule"],
    data: false,
};
pub const NETWORK_GROUP: Want = Want {
    types: &["azurerm_network_manager_network_group"],
    data: true,
};
pub const ADMIN_CONFIG: Want = Want {
    types: &["azurerm_network_manager_security_admin_configuration"],
    data: true,
};
pub const ADMIN_COLLECTION: Want = Want {
    types: &["azurerm_network_manager_admin_rule_collection"],
    data: true,
};

/// Whether nsgate reads resources of this mode and type.
pub fn is_network_type(mode: Mode, rtype: &str) -> bool {
    match mode {
        Mode::Managed => {
            vocab::is_managed_type(rtype)
                || matches!(rtype, azapi::RESOURCE | azapi::UPDATE | azapi::ACTION)
        }
        Mode::Data => vocab::is_data_type(rtype),
    }
}

/// One resource instance of the post-apply world.
#[derive(Debug)]
pub struct Instance<'c> {
    pub addr: Address,
    /// Canonical address: what `tf:` keys name, and what a later step can map back to the
    /// `.tf` block it came from.
    pub address: String,
    pub config: Option<ResourceConfig<'c>>,
    pub scope: Scope,
    /// The planned object (`after` or `values`), or the whole entry when it is missing.
    pub span: Span,
}

impl Instance<'_> {
    /// The configuration expression of a top-level attribute.
    pub fn expression(&self, attr: &str) -> Option<&Node> {
        self.config
            .and_then(|c| c.expressions)
            .and_then(|e| e.get(attr))
    }
}

/// An instance lowered by [`Lowerer::lower_apart`], to be added by [`Lowerer::lowered`].
#[derive(Debug)]
pub enum Lowered {
    Nsg(rules::LoweredNsg),
    Standalone(Box<rules::LoweredRule>),
    Subnet(network::LoweredSubnet),
    Asg(Asg),
    SubnetNsg(Association<SubnetId, NsgId>),
    NicNsg(Association<NicId, NsgId>),
    NicAsg(Association<NicId, AsgId>),
}

/// A peering resource, applied to its local VNet once every VNet of the plan is known.
#[derive(Debug)]
struct Peering {
    local: Link<crate::model::VnetId>,
    remote: Link<crate::model::VnetId>,
    address: String,
    span: Span,
}

/// Builds the unlinked network fragment of one plan.
pub struct Lowerer<'c> {
    pub file: FileId,
    pub config: &'c Config<'c>,
    pub net: Network,
    peerings: Vec<Peering>,
    mirrors: mirror::Mirrors,
    lbs: tenants::LbNames,
}

impl<'c> Lowerer<'c> {
    pub fn new(file: FileId, config: &'c Config<'c>) -> Lowerer<'c> {
        Lowerer {
            file,
            config,
            net: Network::default(),
            peerings: Vec::new(),
            mirrors: mirror::Mirrors::default(),
            lbs: tenants::LbNames::default(),
        }
    }

    /// Lower one instance whose planned object is `view`.
    pub fn instance(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        if let Some(lowered) = self.lower_apart(inst, view) {
            self.lowered(inst, lowered);
            return;
        }
        let before = self.net.problems.len();
        match (inst.addr.mode, inst.addr.rtype.as_str()) {
            (_, "azurerm_virtual_network") => self.vnet(inst, view),
            (_, "azurerm_network_interface") => self.nic(inst, view),
            (Mode::Managed, "azurerm_virtual_network_peering") => self.peering(inst, view),
            (Mode::Managed, azapi::RESOURCE | azapi::UPDATE) => self.azapi(inst, view),
            (Mode::Managed, azapi::ACTION) => self.azapi_action(inst, view),
            (Mode::Managed, rtype) if tenants::is_tenant_type(rtype) => {
                let mut lbs = std::mem::take(&mut self.lbs);
                let mut net = std::mem::take(&mut self.net);
                tenants::lower(rtype, &mut self.planned(inst, view), &mut net, &mut lbs);
                self.net = net;
                self.lbs = lbs;
            }
            (Mode::Managed, t) if vocab::admin::is_admin_type(t) => {
                let mut part = Network::default();
                vocab::admin::lower(t, &mut self.planned(inst, view), &mut part);
                self.net.merge(part);
            }
            _ => {}
        }
        self.attribute_problems(before, inst);
    }

    /// The instance lowered without changing the lowerer, for the resource types whose
    /// lowering reads only the instance and the configuration (nearly every instance of a
    /// large plan: NSGs with their inline rules, rules, subnets, associations), so they are
    /// lowered on several threads; `None` for the others, which [`Lowerer::instance`] lowers
    /// in order.
    pub fn lower_apart(&self, inst: &Instance<'_>, view: &View<'_, '_>) -> Option<Lowered> {
        let planned = &mut self.planned(inst, view);
        let lowered = match (inst.addr.mode, inst.addr.rtype.as_str()) {
            (_, "azurerm_network_security_group") => self.lower_nsg(inst, view),
            (Mode::Managed, "azurerm_network_security_rule") => self.lower_standalone(inst, view),
            (_, "azurerm_subnet") => self.lower_subnet(inst, view),
            (_, "azurerm_application_security_group") => Lowered::Asg(association::asg(planned)),
            (Mode::Managed, "azurerm_subnet_network_security_group_association") => {
                Lowered::SubnetNsg(association::subnet_nsg(planned))
            }
            (Mode::Managed, "azurerm_network_interface_security_group_association") => {
                Lowered::NicNsg(association::nic_nsg(planned))
            }
            (Mode::Managed, "azurerm_network_interface_application_security_group_association") => {
                Lowered::NicAsg(association::nic_asg(planned))
            }
            _ => return None,
        };
        Some(lowered)
    }

    /// Add an instance from [`Lowerer::lower_apart`] (what [`Lowerer::instance`] does).
    pub fn lowered(&mut self, inst: &Instance<'_>, lowered: Lowered) {
        let before = self.net.problems.len();
        match lowered {
            Lowered::Nsg(nsg) => self.push_nsg(nsg),
            Lowered::Standalone(rule) => self.push_standalone(*rule),
            Lowered::Subnet(subnet) => self.push_subnet(subnet),
            Lowered::Asg(asg) => self.net.asgs.push(asg),
            Lowered::SubnetNsg(a) => self.net.subnet_nsg_associations.push(a),
            Lowered::NicNsg(a) => self.net.nic_nsg_associations.push(a),
            Lowered::NicAsg(a) => self.net.nic_asg_associations.push(a),
        }
        self.attribute_problems(before, inst);
    }

    /// Problems found since `before` that name no resource are about `inst`.
    fn attribute_problems(&mut self, before: usize, inst: &Instance<'_>) {
        for p in self.net.problems.iter_mut().skip(before) {
            if p.resource.is_none() {
                p.resource = Some(inst.address.clone());
            }
        }
    }

    /// Apply peerings, drop mirrored copies of separately managed rules and subnets, and
    /// return the fragment.
    pub fn finish(mut self) -> Network {
        self.apply_peerings();
        self.drop_mirrored();
        std::mem::take(&mut self.lbs).apply(&mut self.net);
        self.net
    }

    /// The instance as the azurerm vocabulary reads it.
    pub fn planned<'l, 'i, 'v, 'a, 'p>(
        &'l self,
        inst: &'i Instance<'i>,
        view: &'v View<'a, 'p>,
    ) -> Planned<'l, 'c, 'i, 'v, 'a, 'p> {
        Planned {
            lowerer: self,
            inst,
            view,
            block: None,
        }
    }

    pub fn problem(&mut self, problem: Problem) {
        self.net.problems.push(problem);
    }

    /// The resource record: display name, address and every key it can be known by.
    /// `name_key` is the name-pair key when its parts are known.
    pub fn resource(
        &self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        name_key: Option<String>,
    ) -> Resource {
        let name = view.get("name");
        let display = match name.text() {
            Some(n) => Spanned::new(n.to_string(), name.span()),
            None => Spanned::new(inst.address.clone(), name.span()),
        };
        let mut keys = vec![format!("tf:{}", inst.address)];
        if let Some(id) = view.get("id").text() {
            keys.push(id_key(&id));
        }
        keys.extend(name_key);
        Resource {
            name: display,
            address: inst.address.clone(),
            keys,
            span: inst.span,
        }
    }

    /// A link written as an Azure id (`subnet_id`, `network_security_group_id`): the id when
    /// known, else the configuration's references. `None` when the attribute is unset.
    pub fn id_link<Id>(
        &self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        expr: Option<&Node>,
        want: Want,
    ) -> Option<Link<Id>> {
        if let Some(id) = view.text() {
            return Some(Link::Key(Spanned::new(id_key(&id), view.span())));
        }
        if view.is_unknown() {
            return Some(self.reference_link(inst, view, expr, want));
        }
        None
    }

    /// A link whose value is unknown until apply, through the configuration's references.
    pub fn reference_link<Id>(
        &self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        expr: Option<&Node>,
        want: Want,
    ) -> Link<Id> {
        let span = view.span();
        let path = view.path();
        match self.references(inst, expr, want) {
            Ok(targets) => match targets.as_slice() {
                [one] => Link::Key(Spanned::new(format!("tf:{one}"), span)),
                many => Link::Unknown(Box::new(Unknown {
                    reason: format!(
                        "known after apply: {path}; the configuration refers to {} candidates ({})",
                        many.len(),
                        many.join(", ")
                    ),
                    span,
                    origin: None,
                })),
            },
            Err(why) => Link::Unknown(Box::new(Unknown {
                reason: format!("known after apply: {path}; {why}"),
                span,
                origin: None,
            })),
        }
    }

    /// Every instance an expression refers to.
    pub fn references(
        &self,
        inst: &Instance<'_>,
        expr: Option<&Node>,
        want: Want,
    ) -> Result<Vec<String>, String> {
        let Some(expr) = expr else {
            return Err(if !self.config.present() {
                "the plan has no configuration to link it through".to_string()
            } else {
                "the configuration has no expression for it (set in a `dynamic` block, or part of a list written as one expression)".to_string()
            });
        };
        self.config
            .resolve(&inst.scope, expr, want)
            .map_err(|e| format!("cannot link it through the configuration: {e}"))
    }

    /// A link written as a name pair (`network_security_group_name` + `resource_group_name`):
    /// the name key when both are known, else the name attribute's references.
    pub fn name_link<Id>(
        &self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        kind: &str,
        name_attr: &'static str,
        want: Want,
    ) -> Option<Link<Id>> {
        let rg = view.get("resource_group_name");
        let name = view.get(name_attr);
        if let (Some(rg), Some(n)) = (rg.text(), name.text()) {
            return Some(Link::Key(Spanned::new(
                format!("name:{kind}:{rg}/{n}"),
                name.span(),
            )));
        }
        if name.is_unknown() || rg.is_unknown() {
            let link_view = if name.is_unknown() { name } else { rg };
            return Some(self.reference_link(inst, &link_view, inst.expression(name_attr), want));
        }
        None
    }

    /// A required link that is not set at all.
    pub fn missing<Id>(&self, view: &View<'_, '_>, attr: &str) -> Link<Id> {
        Link::Unknown(Box::new(Unknown {
            reason: format!("`{attr}` is not set"),
            span: view.span(),
            origin: None,
        }))
    }

    fn note(&mut self, inst: &Instance<'_>, span: Span, message: String) {
        self.problem(note(inst, span, message));
    }
}

/// A note about `inst`.
fn note(inst: &Instance<'_>, span: Span, message: String) -> Problem {
    Problem::new(ProblemKind::Note, Severity::Note, message, span)
        .with_resource(inst.address.clone())
}

/// The link key of an Azure resource id (ids compare case-insensitively).
pub fn id_key(id: &str) -> String {
    format!("id:{}", id.trim().to_ascii_lowercase())
}

/// The element of a nested block's expressions (`ip_configuration`, `security_rule`, `subnet`
/// written as blocks) that configures the element named `name`: the block whose `name` is that
/// constant, or the only block. Attribute-syntax values (one expression for the whole list)
/// have no per-element expressions.
pub fn block_expression<'n>(expr: Option<&'n Node>, name: Option<&str>) -> Option<&'n Node> {
    let blocks = match &expr?.value {
        Json::Array(items) => items,
        _ => return None,
    };
    if let Some(name) = name {
        let named = blocks.iter().find(|b| {
            b.get("name")
                .and_then(|n| n.get("constant_value"))
                .and_then(Node::as_str)
                == Some(name)
        });
        if named.is_some() {
            return named;
        }
    }
    // The only block, unless it names another element (then ours came from a `dynamic` block,
    // whose expressions the plan does not include).
    match blocks.as_slice() {
        [one]
            if one
                .get("name")
                .and_then(|n| n.get("constant_value"))
                .is_none() =>
        {
            Some(one)
        }
        _ => None,
    }
}

/// A planned resource instance or nested block, as the azurerm vocabulary reads it.
pub struct Planned<'l, 'c, 'i, 'v, 'a, 'p> {
    pub lowerer: &'l Lowerer<'c>,
    pub inst: &'i Instance<'i>,
    pub view: &'v View<'a, 'p>,
    /// Set for a nested block (an inline subnet) of `inst`.
    pub block: Option<Block<'i>>,
}

/// A nested block: its configuration expressions, and the known resource group and name of
/// the resource it is in.
pub struct Block<'i> {
    pub expr: Option<&'i Node>,
    pub rg: Option<String>,
    pub parent: Option<String>,
}

impl Planned<'_, '_, '_, '_, '_, '_> {
    fn want(kind: vocab::Kind) -> Want {
        match kind {
            vocab::Kind::Nsg => NSG,
            vocab::Kind::Vnet => VNET,
            vocab::Kind::Subnet => SUBNET,
            vocab::Kind::Nic => NIC,
            vocab::Kind::Asg => ASG,
            vocab::Kind::Lb => LB,
            vocab::Kind::LbPool => LB_POOL,
            vocab::Kind::LbProbe => LB_PROBE,
            vocab::Kind::LbRule => LB_RULE,
            vocab::Kind::NetworkGroup => NETWORK_GROUP,
            vocab::Kind::AdminConfig => ADMIN_CONFIG,
            vocab::Kind::AdminCollection => ADMIN_COLLECTION,
        }
    }

    /// A nested block's record: addressed by its name inside its resource.
    fn block_record(&self, kind: vocab::Kind, block: &Block<'_>) -> Resource {
        let name_view = self.view.get("name");
        let name = name_view.text();
        let name = name.as_deref();
        let address = match name {
            Some(n) => format!("{}.subnet[{:?}]", self.inst.address, n),
            None => format!("{}.subnet", self.inst.address),
        };
        let mut keys = vec![format!("tf:{address}")];
        if let Some(id) = self.view.get("id").text() {
            keys.push(id_key(&id));
        }
        if let (Some(rg), Some(v), Some(n)) = (&block.rg, &block.parent, name) {
            keys.push(format!("name:{}:{rg}/{v}/{n}", kind.as_str()));
        }
        Resource {
            name: Spanned::new(
                name.map(str::to_string).unwrap_or_else(|| address.clone()),
                name_view.span(),
            ),
            address,
            keys,
            span: self.view.span(),
        }
    }

    /// A write-only id argument: null in plans, known only from its expression.
    fn write_only_link<Id>(
        &self,
        attr: &'static str,
        kind: vocab::Kind,
        expr: &Node,
    ) -> Option<Link<Id>> {
        let wo = self.view.get(attr);
        if let Some(id) = expr.get("constant_value").and_then(|c| c.as_str()) {
            if !id.is_empty() {
                return Some(Link::Key(Spanned::new(id_key(id), wo.span())));
            }
            return None;
        }
        Some(
            self.lowerer
                .reference_link(self.inst, &wo, Some(expr), Self::want(kind)),
        )
    }
}

impl vocab::Instance for Planned<'_, '_, '_, '_, '_, '_> {
    fn form(&self) -> vocab::Form {
        vocab::Form::Planned
    }

    fn is_set(&mut self, attr: &'static str) -> bool {
        !self.view.get(attr).is_unset()
    }

    fn record(&mut self, kind: vocab::Kind, parents: &[&'static str]) -> Resource {
        if let Some(block) = &self.block {
            return self.block_record(kind, block);
        }
        let mut names = vec![self.view.get("resource_group_name").text()];
        names.extend(parents.iter().map(|p| self.view.get(p).text()));
        names.push(self.view.get("name").text());
        let names: Option<Vec<_>> = names.into_iter().collect();
        let name_key = names.map(|n| format!("name:{}:{}", kind.as_str(), n.join("/")));
        self.lowerer.resource(self.inst, self.view, name_key)
    }

    fn required_link<Id>(&mut self, attr: &'static str, kind: vocab::Kind) -> Link<Id> {
        let (l, inst, view) = (self.lowerer, self.inst, self.view);
        l.id_link(
            inst,
            &view.get(attr),
            inst.expression(attr),
            Self::want(kind),
        )
        .unwrap_or_else(|| l.missing(view, attr))
    }

    /// A managed resource's computed id attributes mirror associations made elsewhere (the
    /// association resources are the source of truth), so they count only when the
    /// configuration sets them; a data source reports the live value.
    fn link<Id>(
        &mut self,
        attr: &'static str,
        kind: vocab::Kind,
    ) -> Option<(Span, Option<Link<Id>>)> {
        let (l, inst) = (self.lowerer, self.inst);
        let value = self.view.get(attr);
        let expr = match &self.block {
            Some(block) => block.expr.and_then(|b| b.get(attr)),
            None if inst.addr.mode == Mode::Data => None,
            None => {
                let expr = inst.expression(attr)?;
                if attr.ends_with("_wo") {
                    return Some((value.span(), self.write_only_link(attr, kind, expr)));
                }
                Some(expr)
            }
        };
        let link = l.id_link(inst, &value, expr, Self::want(kind))?;
        Some((value.span(), Some(link)))
    }

    fn name_link<Id>(&mut self, attr: &'static str, kind: vocab::Kind) -> Link<Id> {
        let (l, inst, view) = (self.lowerer, self.inst, self.view);
        l.name_link(inst, view, kind.as_str(), attr, Self::want(kind))
            .unwrap_or_else(|| l.missing(view, attr))
    }

    fn prefixes(
        &mut self,
        attr: &'static str,
        problems: &mut Vec<Problem>,
    ) -> Option<(Vec<Field<IpNet>>, Span)> {
        let value = self.view.get(attr);
        if value.is_unset() {
            return None;
        }
        Some((network::prefixes(&value, problems), value.span()))
    }

    fn address(&self) -> &str {
        &self.inst.address
    }

    fn span(&self) -> Span {
        match self.block {
            Some(_) => self.view.span(),
            None => self.inst.span,
        }
    }

    fn scalar(&mut self, attr: &'static str) -> Option<RawField> {
        self.view.get(attr).raw()
    }

    fn list(&mut self, attr: &'static str) -> Option<RawListField> {
        self.view.get(attr).raw_list()
    }

    fn blocks(
        &mut self,
        attr: &'static str,
        names: &[&'static str],
    ) -> Option<vocab::NestedBlocks> {
        let list = self.view.get(attr);
        if list.is_unset() {
            return None;
        }
        if list.is_unknown() {
            return Some(Spanned::new(
                Val::Unknown(Box::new(list.unknown_here())),
                list.span(),
            ));
        }
        let items = list
            .items()
            .iter()
            .map(|item| {
                (
                    item.span(),
                    names.iter().map(|n| item.get(n).raw()).collect(),
                )
            })
            .collect();
        Some(Spanned::new(Val::Known(items), list.span()))
    }

    fn links<Id>(
        &mut self,
        attr: &'static str,
        kind: vocab::Kind,
    ) -> Option<Spanned<Val<Vec<Link<Id>>>>> {
        let (l, inst) = (self.lowerer, self.inst);
        let list = self.view.get(attr);
        if list.is_unset() {
            return None;
        }
        let expr = inst.expression(attr);
        if list.is_unknown() {
            // The whole list is known after apply: its references say what it holds when
            // they name one resource.
            let one = l.reference_link(inst, &list, expr, Self::want(kind));
            return Some(Spanned::new(Val::Known(vec![one]), list.span()));
        }
        let links = list
            .items()
            .iter()
            .filter_map(|item| l.id_link(inst, item, expr, Self::want(kind)))
            .collect();
        Some(Spanned::new(Val::Known(links), list.span()))
    }

    fn elements(
        &mut self,
        path: &[&'static str],
        reads: &[(&'static str, vocab::Read)],
    ) -> vocab::Elements {
        let expr = match &self.block {
            Some(block) => block.expr,
            None => self.inst.config.and_then(|c| c.expressions),
        };
        let mut out = Vec::new();
        self.walk(self.view, expr, path, reads, &mut out);
        out
    }
}

impl Planned<'_, '_, '_, '_, '_, '_> {
    /// The elements at `path` inside `view`, whose configuration expressions are `expr`.
    fn walk(
        &self,
        view: &View<'_, '_>,
        expr: Option<&Node>,
        path: &[&'static str],
        reads: &[(&'static str, vocab::Read)],
        out: &mut vocab::Elements,
    ) {
        let Some((first, rest)) = path.split_first() else {
            let values = reads
                .iter()
                .map(|&(attr, read)| self.got(view, expr, attr, read))
                .collect();
            out.push(Ok(vocab::Element {
                span: view.span(),
                values,
            }));
            return;
        };
        let list = view.get(first);
        if list.is_unknown() {
            out.push(Err(list.unknown_here()));
            return;
        }
        let blocks = expr.and_then(|e| e.get(first));
        for item in list.items() {
            if item.is_unknown() {
                out.push(Err(item.unknown_here()));
                continue;
            }
            let name = item.get("name").text();
            let block = block_expression(blocks, name.as_deref());
            self.walk(&item, block, rest, reads, out);
        }
    }

    fn got(
        &self,
        view: &View<'_, '_>,
        expr: Option<&Node>,
        attr: &'static str,
        read: vocab::Read,
    ) -> vocab::Got {
        let value = view.get(attr);
        let at = value.span();
        let attr_expr = expr.and_then(|e| e.get(attr));
        match read {
            vocab::Read::Link(kind) => vocab::Got::Link(
                self.lowerer
                    .id_link(self.inst, &value, attr_expr, Self::want(kind)),
                at,
            ),
            vocab::Read::Links(kind) => vocab::Got::Links(
                self.lowerer
                    .id_links(self.inst, &value, attr_expr, Self::want(kind)),
                at,
            ),
            vocab::Read::Text => {
                let text = match value.raw() {
                    None => None,
                    Some(Spanned {
                        value: Val::Known(raw),
                        span,
                    }) => Some(Spanned::new(Val::Known(raw.text()), span)),
                    Some(Spanned {
                        value: Val::Unknown(u),
                        span,
                    }) => Some(Spanned::new(Val::Unknown(u), span)),
                };
                vocab::Got::Text(text, at)
            }
        }
    }
}

impl Lowerer<'_> {
    /// A list of ids: known ids link by id; an unknown list, or an unknown item of a list
    /// whose expression refers to one resource, links to what the expression refers to.
    pub fn id_links<Id>(
        &self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        expr: Option<&Node>,
        want: Want,
    ) -> Option<Vec<Link<Id>>> {
        if view.is_unknown() {
            let links = match self.references(inst, expr, want) {
                Ok(targets) if !targets.is_empty() => targets
                    .iter()
                    .map(|t| Link::Key(Spanned::new(format!("tf:{t}"), view.span())))
                    .collect(),
                Ok(_) => vec![Link::Unknown(Box::new(view.unknown_here()))],
                Err(why) => vec![Link::Unknown(Box::new(Unknown {
                    reason: format!("known after apply: {}; {why}", view.path()),
                    span: view.span(),
                    origin: None,
                }))],
            };
            return Some(links);
        }
        if view.is_unset() {
            return None;
        }
        let items = view.items();
        let single = items.len() == 1;
        let links = items
            .iter()
            .map(|item| match item.text() {
                Some(id) => Link::Key(Spanned::new(id_key(&id), item.span())),
                None if item.is_unknown() && single => self.reference_link(inst, item, expr, want),
                None if item.is_unknown() => Link::Unknown(Box::new(item.unknown_here())),
                None => Link::Unknown(Box::new(Unknown {
                    reason: format!("{} is not a resource id", item.path()),
                    span: item.span(),
                    origin: None,
                })),
            })
            .collect();
        Some(links)
    }
}

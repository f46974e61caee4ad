//! Azure Virtual Network Manager security admin rules (nsg-semantics §6.8).
//!
//! A network manager's security admin configuration holds rule collections; each collection
//! applies its rules to the VNets of its network groups. A configuration applies only once it
//! is deployed (azurerm `network_manager_deployment`, ARM `commit`). For a flow to or from a
//! VNet in scope, the admin rules are evaluated before the NSGs, by priority, first match:
//! `Deny` drops the flow, `AlwaysAllow` lets it through without the NSGs, `Allow` hands it to
//! the NSGs (as does no match).
//!
//! Front ends write the pieces with [`Link::Key`]s like every other resource; the linker
//! resolves them and works out, per VNet, which rules apply ([`AdminScope`]). Membership that
//! cannot be known offline (a group filled by Azure Policy, a link that did not resolve) makes
//! a rule *conditional*: it may or may not apply, and verdicts that depend on it are
//! indeterminate.

use std::fmt;

use super::tenant::TenantKind;
use super::{
    Field, Link, Network, Problem, ProblemKind, Resource, SecurityRule, Severity, Spanned,
    SubnetId, Unknown, Val, VnetId,
};
use crate::source::Span;

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub usize);
    };
}
id_type!(AdminGroupId);
id_type!(AdminConfigId);
id_type!(AdminCollectionId);

/// What an admin rule does with the flows it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdminAction {
    /// Hand over to the NSGs.
    Allow,
    /// Allowed; the NSGs are not consulted.
    AlwaysAllow,
    /// Dropped; the NSGs are not consulted.
    Deny,
}

impl AdminAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminAction::Allow => "Allow",
            AdminAction::AlwaysAllow => "AlwaysAllow",
            AdminAction::Deny => "Deny",
        }
    }

    /// Azure's spelling, compared case-insensitively.
    pub fn parse(text: &str) -> Option<AdminAction> {
        [
            AdminAction::Allow,
            AdminAction::AlwaysAllow,
            AdminAction::Deny,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for AdminAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A network group of VNets.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminGroup {
    pub resource: Resource,
    /// Why membership may include VNets the input does not list (Azure Policy adds members
    /// dynamically); empty when the static members are all there is.
    pub dynamic: Vec<Unknown>,
}

/// An Azure Policy that adds VNets to a network group (dynamic membership).
#[derive(Debug, Clone, PartialEq)]
pub struct AdminPolicy {
    pub group: Link<AdminGroupId>,
    pub address: String,
    pub span: Span,
}

/// A static member: a VNet in a network group.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminMember {
    pub group: Link<AdminGroupId>,
    pub vnet: Link<VnetId>,
    pub address: String,
    pub span: Span,
}

/// How a configuration treats VNets with services that use network intent policies (SQL
/// Managed Instance, Databricks): `applyOnNetworkIntentPolicyBasedServices`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentPolicyServices {
    /// The default: such VNets get no admin rules.
    None,
    /// Only `Allow` rules apply to them.
    AllowRulesOnly,
    /// Every rule applies.
    All,
}

/// A security admin configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminConfig {
    pub resource: Resource,
    pub intent_policy_services: Field<IntentPolicyServices>,
    /// Set by the linker from the deployments.
    pub deployment: Deployment,
    /// The regions it is deployed to, set by the linker from the deployments: it applies only
    /// to VNets in these regions.
    pub regions: Vec<DeployedTo>,
}

/// An Azure region as written (a VNet's `location`, a deployment's target).
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub name: Field<String>,
    /// When the name is unknown, the expression it comes from (an ARM template's
    /// `{resourceGroup().location}`), if the front end can tell: two regions written by one
    /// expression are the same region whatever it evaluates to.
    pub expr: Option<String>,
}

impl Region {
    pub fn new(name: Field<String>) -> Region {
        Region { name, expr: None }
    }

    /// Whether this is certainly `other` (`Some(false)`: certainly not; `None`: unknown).
    pub fn same_as(&self, other: &Region) -> Option<bool> {
        match (&self.name.value, &other.name.value) {
            (Val::Known(a), Val::Known(b)) => Some(same_region(a, b)),
            _ => match (&self.expr, &other.expr) {
                (Some(a), Some(b)) if a == b => Some(true),
                _ => None,
            },
        }
    }

    fn describe(&self) -> Option<String> {
        match (&self.name.value, &self.expr) {
            (Val::Known(r), _) => Some(format!("`{r}`")),
            (Val::Unknown(_), Some(e)) => Some(format!("`{e}`")),
            (Val::Unknown(_), None) => None,
        }
    }
}

/// One region a configuration is deployed to.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployedTo {
    pub region: Region,
    /// Why it only *may* be deployed there (a deployment whose configuration list is
    /// unknown); `None`: it certainly is.
    pub maybe: Option<Unknown>,
}

/// Whether a configuration is deployed.
#[derive(Debug, Clone, PartialEq)]
pub enum Deployment {
    /// Deployed by the deployment (or commit) written here.
    Deployed(Span),
    /// No deployment in the input names it: its rules do not apply.
    NotDeployed,
    /// A deployment whose configuration list could not be read may name it.
    Unknown(Unknown),
}

/// A deployment (azurerm `network_manager_deployment`, ARM commit) of security admin
/// configurations. `configs` is Unknown when its list could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminDeployment {
    pub configs: Val<Vec<Link<AdminConfigId>>>,
    /// `SecurityAdmin` or `Connectivity` (only the former deploys admin rules).
    pub scope_access: Field<String>,
    /// The regions it deploys to (azurerm `location`, a commit's target locations); Unknown
    /// when they cannot be read.
    pub regions: Val<Vec<Region>>,
    pub address: String,
    pub span: Span,
}

/// A rule collection: its configuration and the network groups it applies to.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminCollection {
    pub resource: Resource,
    pub config: Link<AdminConfigId>,
    pub groups: Vec<Link<AdminGroupId>>,
}

/// One security admin rule. `rule` carries the NSG-like fields (name, priority 1–4096,
/// direction, protocol, addresses, ports) with spans; its `access` is `Deny` for `Deny` and
/// `Allow` otherwise — `action` says what the rule really does.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminRule {
    pub rule: SecurityRule,
    pub action: Field<AdminAction>,
    pub collection: Link<AdminCollectionId>,
    pub address: String,
}

/// The admin rules of one VNet: indices into `Network::admin_rules`, each with the reasons it
/// only *may* apply — it applies when every one of them resolves so (empty: it certainly
/// applies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminScope {
    pub rules: Vec<(usize, Vec<Unknown>)>,
}

impl AdminScope {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Delegations of services that use network intent policies: Azure skips admin rules on
/// their VNets by default ("Nonapplication of security admin rules at virtual network level").
const INTENT_POLICY_SERVICES: [&str; 2] = [
    "Microsoft.Sql/managedInstances",
    "Microsoft.Databricks/workspaces",
];

/// Subnets Azure never applies admin rules to ("Nonapplication … at subnet level"): the
/// gateway, firewall, Bastion and Route Server subnets by their required names.
const EXEMPT_SUBNET_NAMES: [&str; 5] = [
    "GatewaySubnet",
    "AzureFirewallSubnet",
    "AzureFirewallManagementSubnet",
    "AzureBastionSubnet",
    "RouteServerSubnet",
];

/// Azure's region names compare without case and spaces: `West Europe` is `westeurope`.
pub fn same_region(a: &str, b: &str) -> bool {
    canonical_region(a) == canonical_region(b)
}

/// Whether the collection's configuration applies to `vnet` (deployed to its region):
/// `Some(reasons)` it does when every reason resolves so (`Some(vec![])` certainly), `None`
/// it does not.
fn collection_deployed(n: &Network, c: &AdminCollection, vnet: VnetId) -> Option<Vec<Unknown>> {
    match &c.config {
        Link::Resolved(id) => n
            .admin_configs
            .get(id.value.0)
            .and_then(|config| deployed_to_vnet(n, config, vnet)),
        Link::Unknown(u) => Some(vec![(**u).clone()]),
        Link::Key(k) => Some(vec![Unknown {
            reason: format!("security admin configuration `{}` was not linked", k.value),
            span: k.span,
            origin: None,
        }]),
    }
}

/// Whether `config` is deployed to the region of `vnet` (see [`collection_deployed`]).
pub fn deployed_to_vnet(n: &Network, config: &AdminConfig, vnet: VnetId) -> Option<Vec<Unknown>> {
    let v = n.vnets.get(vnet.0)?;
    let candidates: Vec<(&DeployedTo, bool)> = config
        .regions
        .iter()
        .filter_map(|d| match d.region.same_as(&v.location) {
            Some(false) => None,
            Some(true) => Some((d, true)),
            None => Some((d, false)),
        })
        .collect();
    if candidates
        .iter()
        .any(|(d, sure)| *sure && d.maybe.is_none())
    {
        return Some(Vec::new());
    }
    match candidates.as_slice() {
        [] => None,
        [(only, sure)] => {
            let mut why: Vec<Unknown> = Vec::new();
            if !sure {
                why.push(region_question(v, &only.region));
            }
            why.extend(only.maybe.clone());
            Some(why)
        }
        // Deployed there if any of several unknowns says so: one question.
        _ => Some(vec![Unknown {
            reason: format!(
                "whether security admin configuration `{}` is deployed to the region of virtual network `{}`",
                config.resource.name.value, v.resource.name.value
            ),
            span: config.resource.name.span,
            origin: None,
        }]),
    }
}

/// The question whether `vnet` is in `region` (one of them unknown). Asked the same way for
/// every configuration deployed to the same region (however its name is spelled), so its
/// answer is one variable; a region that is not known is its own question, per unknown.
fn region_question(vnet: &super::Vnet, region: &Region) -> Unknown {
    let name = &vnet.resource.name.value;
    match (&vnet.location.name.value, &region.name.value) {
        (Val::Known(_), Val::Unknown(u)) => (**u).clone(),
        (Val::Unknown(u), _) => {
            let (place, span) = match (&region.name.value, &region.expr) {
                (Val::Known(r), _) => (format!("`{}`", canonical_region(r)), u.span),
                (Val::Unknown(_), Some(e)) => (format!("`{e}`"), u.span),
                (Val::Unknown(r), None) => {
                    (format!("a region that is not known ({})", r.reason), r.span)
                }
            };
            Unknown {
                reason: format!(
                    "the region of virtual network `{name}` is not known ({}); admin rules deployed to {place} apply to it only if it is there",
                    u.reason
                ),
                span,
                origin: None,
            }
        }
        // Both known: never asked.
        (Val::Known(_), Val::Known(_)) => Unknown {
            reason: format!("whether virtual network `{name}` is in the region"),
            span: region.name.span,
            origin: None,
        },
    }
}

/// A region's name as Azure writes it in ids (`West Europe` is `westeurope`).
fn canonical_region(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `vnet` is in the collection's groups: `Some(None)` certainly, `Some(reason)` maybe.
fn collection_covers(n: &Network, c: &AdminCollection, vnet: VnetId) -> Option<Option<Unknown>> {
    let mut maybe: Option<Unknown> = None;
    for g in &c.groups {
        let group = match g {
            Link::Resolved(id) => id.value,
            Link::Unknown(u) => {
                maybe.get_or_insert_with(|| (**u).clone());
                continue;
            }
            Link::Key(k) => {
                maybe.get_or_insert_with(|| Unknown {
                    reason: format!("network group `{}` was not linked", k.value),
                    span: k.span,
                    origin: None,
                });
                continue;
            }
        };
        for m in &n.admin_members {
            if m.group.resolved() != Some(group) {
                continue;
            }
            match &m.vnet {
                Link::Resolved(v) if v.value == vnet => return Some(None),
                Link::Resolved(_) => {}
                Link::Unknown(u) => {
                    maybe.get_or_insert_with(|| (**u).clone());
                }
                Link::Key(k) => {
                    maybe.get_or_insert_with(|| Unknown {
                        reason: format!("virtual network `{}` was not linked", k.value),
                        span: k.span,
                        origin: None,
                    });
                }
            }
        }
        if let Some(u) = n.admin_groups.get(group.0).and_then(|g| g.dynamic.first()) {
            maybe.get_or_insert_with(|| u.clone());
        }
    }
    maybe.map(Some)
}

/// Whether a VNet hosts a service with network intent policies (a subnet delegated to it).
fn hosts_intent_policy_service(n: &Network, vnet: VnetId) -> bool {
    n.subnets_of_vnet(vnet).iter().any(|s| {
        n.index
            .tenants_by_subnet
            .get(s.0)
            .into_iter()
            .flatten()
            .filter_map(|t| n.tenants.get(t.0))
            .any(|t| match &t.kind {
                TenantKind::Delegation { service } => service.value.known().is_some_and(|s| {
                    INTENT_POLICY_SERVICES
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case(s))
                }),
                _ => false,
            })
    })
}

/// The admin rules that apply to `vnet` (see [`AdminScope`]).
pub fn scope_of(n: &Network, vnet: VnetId) -> AdminScope {
    let mut scope = AdminScope::default();
    // Read only when a collection covers the VNet: it scans the VNet's subnets, and every
    // hop of every path asks for its VNet's scope (quadratic in subnets per VNet otherwise).
    let mut intent: Option<bool> = None;
    for (i, rule) in n.admin_rules.iter().enumerate() {
        let (collection, collection_why) = match &rule.collection {
            Link::Resolved(id) => (n.admin_collections.get(id.value.0), None),
            Link::Unknown(u) => (None, Some((**u).clone())),
            Link::Key(k) => (
                None,
                Some(Unknown {
                    reason: format!("admin rule collection `{}` was not linked", k.value),
                    span: k.span,
                    origin: None,
                }),
            ),
        };
        let why = match collection {
            Some(c) => {
                let Some(covered) = collection_covers(n, c, vnet) else {
                    continue;
                };
                let Some(mut deployed) = collection_deployed(n, c, vnet) else {
                    continue;
                };
                let hosts = *intent.get_or_insert_with(|| hosts_intent_policy_service(n, vnet));
                if hosts && !intent_allows(n, c, rule) {
                    continue;
                }
                deployed.extend(covered);
                deployed
            }
            // A rule of an unknown collection may apply to any VNet.
            None => collection_why.into_iter().collect(),
        };
        scope.rules.push((i, why));
    }
    scope
}

/// Whether a rule applies to a VNet hosting an intent-policy service, per its configuration.
fn intent_allows(n: &Network, c: &AdminCollection, rule: &AdminRule) -> bool {
    let mode = c
        .config
        .resolved()
        .and_then(|id| n.admin_configs.get(id.0))
        .and_then(|c| c.intent_policy_services.value.known().copied())
        .unwrap_or(IntentPolicyServices::None);
    match mode {
        IntentPolicyServices::All => true,
        IntentPolicyServices::AllowRulesOnly => {
            rule.action.value.known() == Some(&AdminAction::Allow)
        }
        IntentPolicyServices::None => false,
    }
}

/// Whether Azure applies admin rules to hosts of `subnet` at all (services that own their
/// subnet are exempt: gateways, firewalls, Bastion, Route Server, Application Gateway).
pub fn subnet_exempt(n: &Network, subnet: SubnetId) -> bool {
    let Some(s) = n.subnet(subnet) else {
        return false;
    };
    if EXEMPT_SUBNET_NAMES
        .iter()
        .any(|x| x.eq_ignore_ascii_case(&s.resource.name.value))
    {
        return true;
    }
    n.index
        .tenants_by_subnet
        .get(subnet.0)
        .into_iter()
        .flatten()
        .filter_map(|t| n.tenants.get(t.0))
        .any(|t| {
            matches!(
                t.kind,
                TenantKind::Bastion | TenantKind::ApplicationGateway { .. }
            )
        })
}

/// Set each configuration's deployment from the deployments, and report configurations that
/// are not deployed (their rules do not apply) and rules whose collection is unknown.
pub(super) fn settle(n: &mut Network, problems: &mut Vec<Problem>) {
    for p in &n.admin_policies {
        let why = |reason: String| Unknown {
            reason,
            span: p.span,
            origin: None,
        };
        match &p.group {
            Link::Resolved(g) => {
                if let Some(group) = n.admin_groups.get_mut(g.value.0) {
                    group.dynamic.push(why(format!(
                        "Azure Policy `{}` adds virtual networks to it",
                        p.address
                    )));
                }
            }
            Link::Unknown(u) => {
                for group in &mut n.admin_groups {
                    group.dynamic.push(why(format!(
                        "Azure Policy `{}` adds virtual networks to a network group that could not be resolved ({})",
                        p.address, u.reason
                    )));
                }
            }
            Link::Key(_) => {}
        }
    }
    let mut unknown_deployment: Option<Unknown> = None;
    let mut deployed: Vec<Option<Span>> = vec![None; n.admin_configs.len()];
    let mut regions: Vec<Vec<DeployedTo>> = vec![Vec::new(); n.admin_configs.len()];
    // Regions of deployments that may name any configuration.
    let mut maybe_regions: Vec<DeployedTo> = Vec::new();
    for d in &n.admin_deployments {
        if let Val::Known(s) = &d.scope_access.value {
            if !s.eq_ignore_ascii_case("SecurityAdmin") {
                continue;
            }
        }
        let places = |maybe: Option<&Unknown>| -> Vec<DeployedTo> {
            let maybe = maybe.cloned();
            match &d.regions {
                Val::Known(list) => list
                    .iter()
                    .map(|region| DeployedTo {
                        region: region.clone(),
                        maybe: maybe.clone(),
                    })
                    .collect(),
                Val::Unknown(u) => vec![DeployedTo {
                    region: Region::new(Spanned::new(Val::Unknown(u.clone()), u.span)),
                    maybe,
                }],
            }
        };
        match &d.configs {
            Val::Known(links) => {
                for l in links {
                    if let Some(id) = l.resolved() {
                        if let Some(slot) = deployed.get_mut(id.0) {
                            slot.get_or_insert(d.span);
                        }
                        if let Some(r) = regions.get_mut(id.0) {
                            r.extend(places(None));
                        }
                    } else if let Link::Unknown(u) = l {
                        unknown_deployment.get_or_insert_with(|| (**u).clone());
                        maybe_regions.extend(places(Some(u)));
                    }
                }
            }
            Val::Unknown(u) => {
                unknown_deployment.get_or_insert_with(|| (**u).clone());
                maybe_regions.extend(places(Some(u)));
            }
        }
    }
    for (config, mut regions) in n.admin_configs.iter_mut().zip(regions) {
        regions.extend(maybe_regions.iter().cloned());
        config.regions = regions;
    }
    for (config, deployed) in n.admin_configs.iter_mut().zip(deployed) {
        config.deployment = match (deployed, &unknown_deployment) {
            (Some(span), _) => Deployment::Deployed(span),
            (None, Some(u)) => Deployment::Unknown(u.clone()),
            (None, None) => {
                problems.push(
                    Problem::new(
                        ProblemKind::Note,
                        Severity::Warning,
                        format!(
                            "security admin configuration `{}` is not deployed by this input (no network manager deployment or commit names it), so its admin rules are not evaluated; if it is deployed elsewhere, verdicts here may differ",
                            config.resource.name.value
                        ),
                        config.resource.name.span,
                    )
                    .with_resource(config.resource.address.clone()),
                );
                Deployment::NotDeployed
            }
        };
    }
    other_regions(n, problems);
    for r in &n.admin_rules {
        if let Link::Unknown(u) = &r.collection {
            problems.push(
                Problem::new(
                    ProblemKind::Unresolved,
                    Severity::Error,
                    format!(
                        "admin rule `{}` belongs to a rule collection that could not be resolved ({}); it may apply to any virtual network, so verdicts it could decide are indeterminate",
                        r.rule.name.value, u.reason
                    ),
                    r.rule.span,
                )
                .with_resource(r.address.clone()),
            );
        }
    }
    for g in &n.admin_groups {
        if let Some(u) = g.dynamic.first() {
            problems.push(
                Problem::new(
                    ProblemKind::Note,
                    Severity::Note,
                    format!(
                        "network group `{}` has dynamic membership ({}); which virtual networks it holds is not knowable offline",
                        g.resource.name.value, u.reason
                    ),
                    u.span,
                )
                .with_resource(g.resource.address.clone()),
            );
        }
    }
}

/// Report the static members of a deployed configuration's groups whose region it is not
/// deployed to: its rules do not apply to them.
fn other_regions(n: &Network, problems: &mut Vec<Problem>) {
    let mut seen: Vec<(AdminConfigId, VnetId)> = Vec::new();
    for c in &n.admin_collections {
        let Some(config_id) = c.config.resolved() else {
            continue;
        };
        let Some(config) = n.admin_configs.get(config_id.0) else {
            continue;
        };
        if !matches!(config.deployment, Deployment::Deployed(_)) {
            continue;
        }
        for m in &n.admin_members {
            let (Some(group), Some(vnet)) = (m.group.resolved(), m.vnet.resolved()) else {
                continue;
            };
            if !c.groups.iter().any(|g| g.resolved() == Some(group))
                || seen.contains(&(config_id, vnet))
                || deployed_to_vnet(n, config, vnet).is_some()
            {
                continue;
            }
            seen.push((config_id, vnet));
            let Some(v) = n.vnets.get(vnet.0) else {
                continue;
            };
            let places: Vec<String> = config
                .regions
                .iter()
                .filter_map(|d| d.region.describe())
                .collect();
            let here = v.location.describe().unwrap_or_default();
            problems.push(
                Problem::new(
                    ProblemKind::Note,
                    Severity::Warning,
                    format!(
                        "security admin configuration `{}` is deployed to {}, not to {here} where virtual network `{}` is, so its admin rules do not apply to that network",
                        config.resource.name.value,
                        places.join(", "),
                        v.resource.name.value
                    ),
                    v.location.name.span,
                )
                .with_resource(config.resource.address.clone()),
            );
        }
    }
}

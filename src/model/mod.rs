//! The network model every front end lowers into (nsg-semantics.md §1).
//!
//! Every user-visible value is [`Spanned`]; any value may be [`Val::Unknown`] with a reason and
//! the span that made it unknown. Front ends build a [`Network`] whose cross-resource references
//! are [`Link::Key`]s; [`link::link`] resolves them to indices and turns what it cannot resolve
//! into Unknowns and [`Problem`]s, so nothing is guessed silently.

pub mod address_list;
pub mod admin;
pub mod admin_build;
pub mod builder;
pub mod census;
pub mod defaults;
pub mod dump;
pub mod index;
pub mod link;
pub mod placement;
pub mod tenant;
pub mod validate;
pub mod values;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use crate::source::Span;

pub use address_list::AddressSpec;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// Why a value could not be resolved, and the span responsible (the variable without a value,
/// the data source, the `after_unknown` attribute…).
///
/// `origin` says *which value* is unknown when a front end knows it is one input value (a
/// variable without a value, a template parameter, one attribute known only after apply), or an
/// exact copy of one: two unknowns with the same origin are one variable wherever they are used
/// (nsg-semantics §2.10). A value derived from an unknown (`cidrsubnet(var.x, 8, 1)`) is
/// another value: its origin is not its operand's. Without an origin an unknown is identified
/// by its reason and span.
///
/// `==` compares what a report shows (reason and span), so lists of reasons stay free of
/// repeats; evaluation asks about an unknown by its origin ([`crate::eval::compile::Atom::value`]).
#[derive(Debug, Clone, Eq)]
pub struct Unknown {
    pub reason: String,
    pub span: Span,
    pub origin: Option<Arc<str>>,
}

impl PartialEq for Unknown {
    fn eq(&self, other: &Unknown) -> bool {
        self.reason == other.reason && self.span == other.span
    }
}

impl Unknown {
    pub fn new(reason: impl Into<String>, span: Span) -> Unknown {
        Unknown {
            reason: reason.into(),
            span,
            origin: None,
        }
    }

    pub fn with_origin(mut self, origin: Option<Arc<str>>) -> Unknown {
        self.origin = origin;
        self
    }
}

/// A value that is either known or explicitly unknown — never silently defaulted.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<T> {
    Known(T),
    /// Boxed: unknowns are rare and `Unknown` is 56 bytes, so inline it would make every
    /// field of a rule (and every address item) that much larger.
    Unknown(Box<Unknown>),
}

impl<T> From<Unknown> for Val<T> {
    fn from(u: Unknown) -> Val<T> {
        Val::Unknown(Box::new(u))
    }
}

impl<T> Val<T> {
    pub fn unknown(reason: impl Into<String>, span: Span) -> Val<T> {
        Val::Unknown(Box::new(Unknown::new(reason, span)))
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Val::Known(v) => Some(v),
            Val::Unknown(_) => None,
        }
    }

    pub fn as_unknown(&self) -> Option<&Unknown> {
        match self {
            Val::Known(_) => None,
            Val::Unknown(u) => Some(u),
        }
    }
}

/// A spanned value that may be unknown: the shape of almost every field.
pub type Field<T> = Spanned<Val<T>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub const BOTH: [Direction; 2] = [Direction::Inbound, Direction::Outbound];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "Inbound",
            Direction::Outbound => "Outbound",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Access {
    Allow,
    Deny,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Allow => "Allow",
            Access::Deny => "Deny",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A concrete IP protocol a flow can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    Esp,
    Ah,
}

impl Protocol {
    pub const ALL: [Protocol; 5] = [
        Protocol::Tcp,
        Protocol::Udp,
        Protocol::Icmp,
        Protocol::Esp,
        Protocol::Ah,
    ];

    /// Azure's API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "Tcp",
            Protocol::Udp => "Udp",
            Protocol::Icmp => "Icmp",
            Protocol::Esp => "Esp",
            Protocol::Ah => "Ah",
        }
    }

    /// Only TCP and UDP flows carry ports (see `eval::flowset`).
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's protocol field: `*` or one protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolSpec {
    Any,
    Only(Protocol),
}

impl fmt::Display for ProtocolSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolSpec::Any => f.write_str("*"),
            ProtocolSpec::Only(p) => p.fmt(f),
        }
    }
}

/// An inclusive port range; `*` is `0-65535`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub lo: u16,
    pub hi: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { lo: 0, hi: 65535 };

    pub fn single(port: u16) -> PortRange {
        PortRange { lo: port, hi: port }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == PortRange::ALL {
            f.write_str("*")
        } else if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

/// A service tag as written, classified. The original spelling is kept for messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServiceTag {
    VirtualNetwork,
    AzureLoadBalancer,
    Internet,
    /// Any other tag (`Storage`, `Sql.WestEurope`, …): opaque offline.
    Other(String),
}

impl fmt::Display for ServiceTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceTag::VirtualNetwork => f.write_str("VirtualNetwork"),
            ServiceTag::AzureLoadBalancer => f.write_str("AzureLoadBalancer"),
            ServiceTag::Internet => f.write_str("Internet"),
            ServiceTag::Other(name) => f.write_str(name),
        }
    }
}

/// One item of a rule's source or destination. A side is the union of its items.
#[derive(Debug, Clone, PartialEq)]
pub enum AddressItem {
    /// `*`, `Any`, `0.0.0.0/0` is kept as a prefix.
    Any,
    Prefix(IpNet),
    Tag(ServiceTag),
    /// Boxed: rare, and a link (40 bytes) would make every item that large.
    Asg(Box<Link<AsgId>>),
}

impl fmt::Display for AddressItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressItem::Any => f.write_str("*"),
            AddressItem::Prefix(net) => write!(f, "{net}"),
            AddressItem::Tag(tag) => write!(f, "{tag}"),
            AddressItem::Asg(link) => write!(f, "ASG {link}"),
        }
    }
}

/// Source or destination ports of a rule: the union of its ranges. Empty matches nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct PortSpec {
    pub items: Vec<Field<PortRange>>,
    pub span: Span,
}

/// Where a rule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleOrigin {
    /// Written inside the NSG resource (`security_rule` block, `securityRules` array).
    Inline,
    /// A separate resource (`azurerm_network_security_rule`, ARM child rule) with its address.
    Standalone { address: String },
    /// One of Azure's six default rules.
    Default,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityRule {
    pub name: Spanned<String>,
    /// Boxed: seldom set, and only checked for length.
    pub description: Option<Box<Spanned<String>>>,
    /// Kept wide so out-of-range values can be reported; 100–4096 for user rules.
    pub priority: Field<u32>,
    pub direction: Field<Direction>,
    pub access: Field<Access>,
    pub protocol: Field<ProtocolSpec>,
    pub source: AddressSpec,
    pub source_ports: PortSpec,
    pub destination: AddressSpec,
    pub destination_ports: PortSpec,
    /// The whole rule (block, object or resource).
    pub span: Span,
    pub origin: RuleOrigin,
}

impl SecurityRule {
    pub fn priority(&self) -> Option<u32> {
        self.priority.value.known().copied()
    }

    pub fn direction(&self) -> Option<Direction> {
        self.direction.value.known().copied()
    }

    pub fn access(&self) -> Option<Access> {
        self.access.value.known().copied()
    }

    pub fn is_default(&self) -> bool {
        self.origin == RuleOrigin::Default
    }
}

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub usize);
    };
}
id_type!(VnetId);
id_type!(SubnetId);
id_type!(NsgId);
id_type!(NicId);
id_type!(AsgId);

/// A reference from one resource to another. Front ends write `Key`s (any of the target's
/// [`Resource::keys`]); [`link::link`] turns them into `Resolved` or `Unknown`.
#[derive(Debug, Clone, PartialEq)]
pub enum Link<Id> {
    Key(Spanned<String>),
    Resolved(Spanned<Id>),
    /// Boxed like [`Val::Unknown`]: rare, and large inline.
    Unknown(Box<Unknown>),
}

impl<Id> From<Unknown> for Link<Id> {
    fn from(u: Unknown) -> Link<Id> {
        Link::Unknown(Box::new(u))
    }
}

impl<Id: Copy> Link<Id> {
    pub fn resolved(&self) -> Option<Id> {
        match self {
            Link::Resolved(s) => Some(s.value),
            _ => None,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Link::Key(s) => s.span,
            Link::Resolved(s) => s.span,
            Link::Unknown(u) => u.span,
        }
    }
}

impl<Id: fmt::Debug> fmt::Display for Link<Id> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Link::Key(k) => f.write_str(&k.value),
            Link::Resolved(id) => write!(f, "{:?}", id.value),
            Link::Unknown(u) => write!(f, "<unknown: {}>", u.reason),
        }
    }
}

/// What every resource has: a display name, the address the user knows it by (Terraform
/// address, ARM resource id/symbolic name), the keys links may use, and its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub name: Spanned<String>,
    /// `azurerm_network_security_group.roles`, `module.net.azurerm_subnet.this["a"]`,
    /// `Microsoft.Network/networkSecurityGroups/nsg-roles`…
    pub address: String,
    /// Identifiers links may use (compared case-insensitively): an Azure id, a front-end
    /// specific address, a name pair. See [`link`].
    pub keys: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vnet {
    pub resource: Resource,
    pub address_space: Vec<Field<IpNet>>,
    /// VNets peered with this one (by key until linked).
    pub peerings: Vec<Link<VnetId>>,
    /// The Azure region it is in (`location`): a security admin configuration applies to it
    /// only when deployed to this region (§6.8).
    pub location: admin::Region,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    pub resource: Resource,
    pub vnet: Link<VnetId>,
    pub prefixes: Vec<Field<IpNet>>,
    /// The NSG associated with this subnet, if any.
    pub nsg: Option<Link<NsgId>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Nsg {
    pub resource: Resource,
    /// User rules in the order written; evaluation sorts by priority. Defaults are not here.
    pub rules: Vec<SecurityRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpVersion {
    V4,
    V6,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IpConfig {
    pub name: Spanned<String>,
    pub subnet: Option<Link<SubnetId>>,
    /// `None`: dynamic allocation (the address is somewhere in the subnet).
    pub private_ip: Option<Field<IpAddr>>,
    pub version: IpVersion,
    pub asgs: Vec<Link<AsgId>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Nic {
    pub resource: Resource,
    pub nsg: Option<Link<NsgId>>,
    pub ip_configs: Vec<IpConfig>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Asg {
    pub resource: Resource,
}

/// A separate association resource (Terraform's `*_association`), applied by the linker.
#[derive(Debug, Clone, PartialEq)]
pub struct Association<From, To> {
    pub from: Link<From>,
    pub to: Link<To>,
    pub address: String,
    pub span: Span,
}

/// A standalone rule resource, attached to its NSG by the linker.
#[derive(Debug, Clone, PartialEq)]
pub struct StandaloneRule {
    pub nsg: Link<NsgId>,
    pub rule: SecurityRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a model problem is about; the policy engine maps kinds to policy IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemKind {
    /// A value Azure or the provider rejects (NSG021).
    InvalidField,
    /// Two rules of one NSG share priority and direction (NSG020).
    DuplicatePriority,
    /// A reference or value that could not be resolved (NSG030).
    Unresolved,
    /// Something legal but ambiguous, such as inline and standalone rules on one NSG (NSG021).
    Ambiguous,
    /// Information for the user, such as a remote module that was not fetched.
    Note,
}

/// A problem found while building or linking the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Further places that explain the problem.
    pub related: Vec<Spanned<String>>,
    /// Address of the resource concerned, when there is one.
    pub resource: Option<String>,
}

impl Problem {
    pub fn new(
        kind: ProblemKind,
        severity: Severity,
        message: impl Into<String>,
        span: Span,
    ) -> Problem {
        Problem {
            kind,
            severity,
            message: message.into(),
            span,
            related: Vec::new(),
            resource: None,
        }
    }

    pub fn invalid(message: impl Into<String>, span: Span) -> Problem {
        Problem::new(ProblemKind::InvalidField, Severity::Error, message, span)
    }

    pub fn warning(message: impl Into<String>, span: Span) -> Problem {
        Problem::new(ProblemKind::InvalidField, Severity::Warning, message, span)
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Problem {
        self.related.push(Spanned::new(message.into(), span));
        self
    }

    pub fn with_resource(mut self, address: impl Into<String>) -> Problem {
        self.resource = Some(address.into());
        self
    }
}

/// The whole network: resources, the association resources still to apply, and the problems
/// found so far. After [`link::link`], every `Link` is `Resolved` or `Unknown` and the
/// association and standalone-rule lists are empty (applied to their targets).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    pub vnets: Vec<Vnet>,
    pub subnets: Vec<Subnet>,
    pub nsgs: Vec<Nsg>,
    pub nics: Vec<Nic>,
    pub asgs: Vec<Asg>,
    pub standalone_rules: Vec<StandaloneRule>,
    pub subnet_nsg_associations: Vec<Association<SubnetId, NsgId>>,
    pub nic_nsg_associations: Vec<Association<NicId, NsgId>>,
    /// NIC → ASG: the ASG joins every IPv4 IP configuration of the NIC (nsg-semantics §2.5).
    pub nic_asg_associations: Vec<Association<NicId, AsgId>>,
    /// What the input places in subnets and on NICs besides NICs themselves ([`tenant`]).
    pub tenants: Vec<tenant::Tenant>,
    /// Load balancers' pools, probes, rules and pool memberships, linked by key like the
    /// rest; together they say which probe ports each backend must answer.
    pub lb_pools: Vec<tenant::LbPool>,
    pub lb_probes: Vec<tenant::LbProbe>,
    pub lb_rules: Vec<tenant::LbRule>,
    pub lb_members: Vec<tenant::LbMember>,
    /// Virtual Network Manager security admin rules and what places them on VNets
    /// ([`admin`]), linked by key like the rest.
    pub admin_groups: Vec<admin::AdminGroup>,
    pub admin_members: Vec<admin::AdminMember>,
    pub admin_configs: Vec<admin::AdminConfig>,
    pub admin_deployments: Vec<admin::AdminDeployment>,
    pub admin_collections: Vec<admin::AdminCollection>,
    pub admin_rules: Vec<admin::AdminRule>,
    pub admin_policies: Vec<admin::AdminPolicy>,
    pub problems: Vec<Problem>,
    /// NSG associations whose subnet or NIC could not be resolved (set by [`link::link`]):
    /// they may apply to any subnet or NIC of the input, so "this has no NSG" is unknown.
    pub floating_associations: Vec<Unknown>,
    /// Reverse links, built by [`link::link`]; rebuild with [`Network::reindex`] after changing
    /// resources of a linked network.
    pub index: index::NetworkIndex,
}

impl Network {
    pub fn vnet(&self, id: VnetId) -> Option<&Vnet> {
        self.vnets.get(id.0)
    }
    pub fn subnet(&self, id: SubnetId) -> Option<&Subnet> {
        self.subnets.get(id.0)
    }
    pub fn nsg(&self, id: NsgId) -> Option<&Nsg> {
        self.nsgs.get(id.0)
    }
    pub fn nic(&self, id: NicId) -> Option<&Nic> {
        self.nics.get(id.0)
    }
    pub fn asg(&self, id: AsgId) -> Option<&Asg> {
        self.asgs.get(id.0)
    }

    /// The admin rules that apply to a VNet (see [`admin::scope_of`]).
    pub fn admin_scope(&self, vnet: VnetId) -> admin::AdminScope {
        admin::scope_of(self, vnet)
    }

    pub fn reindex(&mut self) {
        self.index = index::NetworkIndex::new(self);
    }

    /// Append another network (another file or module); its indices and links are shifted.
    pub fn merge(&mut self, other: Network) {
        link::merge_into(self, other);
    }
}

#[cfg(all(test, target_pointer_width = "64"))]
mod size_tests {
    use super::*;
    use std::mem::size_of;

    /// The model holds one of these per rule and per field (a rule may list 4,000 prefixes,
    /// packed by [`address_list`] in 16 bytes each): their sizes are the model's memory
    /// (issue 16 item 3). A change that makes them larger
    /// (an inline `Unknown`, an unboxed rare variant) shows here.
    #[test]
    fn model_types_stay_small() {
        assert_eq!(size_of::<Val<u32>>(), 16);
        assert_eq!(size_of::<Field<u32>>(), 32);
        assert_eq!(size_of::<Field<AddressItem>>(), 48);
        assert_eq!(size_of::<Link<AsgId>>(), 40);
        assert_eq!(size_of::<AddressSpec>(), 48);
        assert_eq!(size_of::<SecurityRule>(), 392);
    }
}

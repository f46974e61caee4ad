//! The `azurerm` vocabulary: the Terraform provider's resource types and attribute names, as
//! HCL configurations and plan JSON both write them.
//!
//! Read here once for both front ends: security rules and the dialect they are checked in
//! ([`rule::rule`] over [`Attrs`]), network interfaces and their IP configurations ([`nic`]),
//! association resources and application security groups ([`association`]), VNets with their
//! inline subnets and subnets ([`network`]), peerings ([`peering`]), subnet tenants and
//! load-balancer parts ([`tenant`], reading nested blocks through [`Instance::elements`]), all
//! over [`Instance`]. Each front end says how to read and link (and whether its values are as
//! written or as planned, [`Form`]); the vocabulary says which attribute means what. What stays
//! in a front end is how its input writes things, not what they mean: HCL's attribute form of
//! `security_rule` (every attribute required) and `dynamic` blocks; a plan's wholly unknown rule
//! sets and the computed copies of separately managed rules and subnets (`plan/lower/mirror.rs`).

pub mod admin;
pub mod association;
pub mod network;
pub mod nic;
pub mod peering;
pub mod rule;
pub mod tenant;

use ipnet::IpNet;

use crate::model::values::{RawField, RawListField};
use crate::model::{AsgId, Field, Link, Problem, Resource, Spanned, Val};
use crate::source::Span;

/// Whether the vocabulary reads managed resources of this azurerm type.
pub fn is_managed_type(rtype: &str) -> bool {
    is_data_type(rtype)
        || matches!(
            rtype,
            "azurerm_network_security_rule"
                | "azurerm_subnet_network_security_group_association"
                | "azurerm_network_interface_security_group_association"
                | "azurerm_network_interface_application_security_group_association"
                | "azurerm_virtual_network_peering"
        )
        || tenant::is_tenant_type(rtype)
        || admin::is_admin_type(rtype)
}

/// Whether the vocabulary reads data sources of this azurerm type (the existing network a
/// configuration attaches to).
pub fn is_data_type(rtype: &str) -> bool {
    matches!(
        rtype,
        "azurerm_network_security_group"
            | "azurerm_virtual_network"
            | "azurerm_subnet"
            | "azurerm_network_interface"
            | "azurerm_application_security_group"
    )
}

/// The model kinds a link can point at (the kind of `name:<kind>:…` keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Nsg,
    Vnet,
    Subnet,
    Nic,
    Asg,
    /// `azurerm_lb`: only its name, for the display names of its pools, probes and rules.
    Lb,
    LbPool,
    LbProbe,
    LbRule,
    NetworkGroup,
    AdminConfig,
    AdminCollection,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Nsg => "nsg",
            Kind::Vnet => "vnet",
            Kind::Subnet => "subnet",
            Kind::Nic => "nic",
            Kind::Asg => "asg",
            Kind::Lb => "lb",
            Kind::LbPool => "lbpool",
            Kind::LbProbe => "lbprobe",
            Kind::LbRule => "lbrule",
            Kind::NetworkGroup => "network-group",
            Kind::AdminConfig => "admin-config",
            Kind::AdminCollection => "admin-collection",
        }
    }
}

/// What an instance's values are: a configuration as written (the provider has not validated
/// it, so the vocabulary checks arguments that provider versions removed or that conflict), or
/// a plan's values (validated and completed by the provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Written,
    Planned,
}

/// How an evaluator names, reads and links one azurerm resource instance or nested block (an
/// inline `subnet`: the evaluator walks nested blocks and reads each as an instance).
pub trait Instance {
    fn form(&self) -> Form;
    /// Whether the argument `attr` is set (not null).
    fn is_set(&mut self, attr: &'static str) -> bool;
    /// The record of a resource of `kind`: display name, address, span and every key it is
    /// known by (its address, its name pair when the resource group, the `parents` name
    /// arguments and its name are known, its id when known). A nested block's record names it
    /// inside its parent.
    fn record(&mut self, kind: Kind, parents: &[&'static str]) -> Resource;
    /// The id argument `attr` as a link to a resource of `kind`; an Unknown that says so when
    /// it is not set.
    fn required_link<Id>(&mut self, attr: &'static str, kind: Kind) -> Link<Id>;
    /// The id argument `attr` when the instance sets it (a plan's computed copy of an
    /// association made elsewhere does not count): where it is set, and its link (`None` when
    /// it names nothing).
    fn link<Id>(&mut self, attr: &'static str, kind: Kind) -> Option<(Span, Option<Link<Id>>)>;
    /// The name argument `attr` with `resource_group_name` as a link to a resource of `kind`;
    /// an Unknown that says so when it is not set.
    fn name_link<Id>(&mut self, attr: &'static str, kind: Kind) -> Link<Id>;
    /// A prefix or list of prefixes, each parsed (invalid ones reported and Unknown), and
    /// where it is set; `None` when unset.
    fn prefixes(
        &mut self,
        attr: &'static str,
        problems: &mut Vec<Problem>,
    ) -> Option<(Vec<Field<IpNet>>, Span)>;
    fn address(&self) -> &str;
    fn span(&self) -> Span;
    /// A scalar argument as written; `None` when unset.
    fn scalar(&mut self, attr: &'static str) -> Option<RawField>;
    /// A list argument as written; `None` when unset.
    fn list(&mut self, attr: &'static str) -> Option<RawListField>;
    /// The nested blocks `attr`, each as its `names` arguments (in that order) and its span;
    /// Unknown when the blocks cannot be known (a `dynamic` block over an unknown collection);
    /// `None` when there are none.
    fn blocks(&mut self, attr: &'static str, names: &[&'static str]) -> Option<NestedBlocks>;
    /// A list of id arguments as links to resources of `kind`; `None` when unset.
    fn links<Id>(&mut self, attr: &'static str, kind: Kind) -> Option<Spanned<Val<Vec<Link<Id>>>>>;
    /// Every element of the nested blocks at `path` (outer block first; an empty path is the
    /// instance itself), each with the values `reads` asks for, in that order. A block list
    /// the evaluator cannot know (unknown until apply, or from an unknown value) is one `Err`
    /// that says why: an unknown number of elements stands there.
    fn elements(&mut self, path: &[&'static str], reads: &[(&'static str, Read)]) -> Elements;
}

/// What [`Instance::elements`] reads from an attribute of a nested block element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// An id argument, as a link to a resource of that kind.
    Link(Kind),
    /// A list of id arguments.
    Links(Kind),
    /// A string (or number) argument, as text.
    Text,
}

/// A value [`Instance::elements`] read; `at` is where the argument is set (the element when
/// it is not set).
#[derive(Debug, Clone, PartialEq)]
pub enum Got {
    /// `None`: not set.
    Link(Option<Link<Untyped>>, Span),
    /// `None`: not set. A list the evaluator cannot know is one Unknown link.
    Links(Option<Vec<Link<Untyped>>>, Span),
    /// `None`: not set.
    Text(Option<Field<String>>, Span),
}

/// The id type of a link read before the vocabulary knows what it points at; [`typed`]
/// gives it its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Untyped;

/// An untyped link as a link to `Id` (unlinked links are keys or unknowns).
pub fn typed<Id>(link: Link<Untyped>) -> Link<Id> {
    match link {
        Link::Key(k) => Link::Key(k),
        Link::Unknown(u) => Link::Unknown(u),
        Link::Resolved(r) => Link::Unknown(Box::new(crate::model::Unknown {
            reason: "linked before its kind was known".into(),
            span: r.span,
            origin: None,
        })),
    }
}

/// One element of nested blocks: where it is, and the values read, in the order asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub span: Span,
    pub values: Vec<Got>,
}

/// The elements at a path; `Err`: a block list that cannot be known, and why.
pub type Elements = Vec<Result<Element, crate::model::Unknown>>;

/// Nested blocks read as their arguments: `(span, [argument per name])`.
pub type NestedBlocks = Spanned<Val<Vec<(Span, Vec<Option<RawField>>)>>>;

/// The attributes of one azurerm resource instance or nested block, from any evaluator: a
/// spanned scalar or list, or Unknown; `None` when unset.
pub trait Attrs {
    fn scalar(&mut self, attr: &'static str) -> Option<RawField>;
    fn list(&mut self, attr: &'static str) -> Option<RawListField>;
    /// A list of application security group ids, as links.
    fn asg_ids(&mut self, attr: &'static str) -> Option<Spanned<Vec<Link<AsgId>>>>;
}

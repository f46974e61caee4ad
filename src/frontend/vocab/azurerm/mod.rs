//! The `azurerm` vocabulary: the Terraform provider's resource types and attribute names, as
//! HCL configurations and plan JSON both write them.
//!
//! Read here once for both front ends so far: security rules ([`rule::raw_rule`] over
//! [`Attrs`]), association resources and application security groups ([`association`] over
//! [`Instance`]). NSGs, VNets, subnets and NICs are still mapped in `frontend/terraform/lower/`
//! and `frontend/plan/lower/` (their provider-version checks and plan mirrors differ), and
//! move here the same way: each front end says how to read and link, the vocabulary says
//! which attribute means what.

pub mod association;
pub mod rule;

use crate::model::values::{RawField, RawListField};
use crate::model::{AsgId, Link, Resource, Spanned};
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
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Nsg => "nsg",
            Kind::Vnet => "vnet",
            Kind::Subnet => "subnet",
            Kind::Nic => "nic",
            Kind::Asg => "asg",
        }
    }
}

/// How an evaluator names and links one azurerm resource instance.
pub trait Instance {
    /// The record of a top-level resource of `kind`: display name, address, span and every
    /// key it is known by (its address, its name pair when name and resource group are known,
    /// its id when known).
    fn record(&mut self, kind: Kind) -> Resource;
    /// The id argument `attr` as a link to a resource of `kind`; an Unknown that says so when
    /// it is not set.
    fn required_link<Id>(&mut self, attr: &'static str, kind: Kind) -> Link<Id>;
    fn address(&self) -> &str;
    fn span(&self) -> Span;
}

/// The attributes of one azurerm resource instance or nested block, from any evaluator: a
/// spanned scalar or list, or Unknown; `None` when unset.
pub trait Attrs {
    fn scalar(&mut self, attr: &'static str) -> Option<RawField>;
    fn list(&mut self, attr: &'static str) -> Option<RawListField>;
    /// A list of application security group ids, as links.
    fn asg_ids(&mut self, attr: &'static str) -> Option<Spanned<Vec<Link<AsgId>>>>;
}

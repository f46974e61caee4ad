//! `azurerm_virtual_network_peering`: peered VNets widen the `VirtualNetwork` tag
//! (nsg-semantics §2.4). Each front end attaches the peering to its local VNet once every VNet
//! of the configuration or plan is known.

use super::{Instance, Kind};
use crate::model::{Link, VnetId};

/// The peering's local VNet (by name, in its resource group) and its remote VNet (by id).
pub fn peering<I: Instance>(i: &mut I) -> (Link<VnetId>, Link<VnetId>) {
    let local = i.name_link("virtual_network_name", Kind::Vnet);
    let remote = i.required_link("remote_virtual_network_id", Kind::Vnet);
    (local, remote)
}

//! Association resources and application security groups: which argument links what
//! (nsg-semantics §3.5, §3.7–3.9).

use super::{Instance, Kind};
use crate::model::{Asg, AsgId, Association, NicId, NsgId, SubnetId};

/// `azurerm_subnet_network_security_group_association`.
pub fn subnet_nsg<I: Instance>(i: &mut I) -> Association<SubnetId, NsgId> {
    association(
        i,
        ("subnet_id", Kind::Subnet),
        ("network_security_group_id", Kind::Nsg),
    )
}

/// `azurerm_network_interface_security_group_association`.
pub fn nic_nsg<I: Instance>(i: &mut I) -> Association<NicId, NsgId> {
    association(
        i,
        ("network_interface_id", Kind::Nic),
        ("network_security_group_id", Kind::Nsg),
    )
}

/// `azurerm_network_interface_application_security_group_association`.
pub fn nic_asg<I: Instance>(i: &mut I) -> Association<NicId, AsgId> {
    association(
        i,
        ("network_interface_id", Kind::Nic),
        ("application_security_group_id", Kind::Asg),
    )
}

/// `azurerm_application_security_group`.
pub fn asg<I: Instance>(i: &mut I) -> Asg {
    Asg {
        resource: i.record(Kind::Asg, &[]),
    }
}

fn association<I: Instance, From, To>(
    i: &mut I,
    from: (&'static str, Kind),
    to: (&'static str, Kind),
) -> Association<From, To> {
    Association {
        from: i.required_link(from.0, from.1),
        to: i.required_link(to.0, to.1),
        address: i.address().to_string(),
        span: i.span(),
    }
}

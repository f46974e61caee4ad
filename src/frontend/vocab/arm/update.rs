//! Partial updates of an existing resource (`azapi_update_resource`): what they change that
//! the model knows becomes an association; anything else is said not to be evaluated.

use super::{link, Lowering, Target, Tree, NIC, NSG, RULE, SUBNET, VNET};
use crate::model::{Association, Problem, ProblemKind, Severity};
use crate::source::Span;

impl Lowering {
    /// An update of the resource `target` of type `ty` with `body`.
    pub fn update<T: Tree>(
        &mut self,
        t: &T,
        ty: &str,
        body: &T::Node,
        target: &Target,
        address: &str,
        span: Span,
    ) {
        let props = t.member(body, "properties");
        let nsg = props
            .as_ref()
            .and_then(|p| self.ref_at(t, p, "networkSecurityGroup"));
        match (ty.to_ascii_lowercase().as_str(), nsg) {
            (SUBNET, Some(to)) => self.net.subnet_nsg_associations.push(Association {
                from: link(target),
                to,
                address: address.to_string(),
                span,
            }),
            (NIC, Some(to)) => self.net.nic_nsg_associations.push(Association {
                from: link(target),
                to,
                address: address.to_string(),
                span,
            }),
            (NSG | RULE | VNET | SUBNET | NIC, _) => self.problem(
                Problem::new(
                    ProblemKind::Note,
                    Severity::Note,
                    format!("`{address}` changes an existing `{ty}` in place; of such updates nsgate applies only a subnet or network interface NSG association, so these changes are not evaluated"),
                    span,
                )
                .with_resource(address.to_string()),
            ),
            _ => {}
        }
    }
}

//! `subnet-without-nsg` (NSG004): a subnet that no NSG filters, neither at the subnet nor on
//! any NIC in it. Subnets where Azure forbids or manages NSGs are exempt by name.

use crate::policy::file::{PolicyError, RawPolicy};
use crate::policy::finding::{Finding, Fix, Label};
use crate::policy::kinds::KindEntry;
use crate::policy::{Check, CheckContext, PolicyMeta};
use crate::source::FileId;

pub const ENTRY: KindEntry = KindEntry {
    name: "subnet-without-nsg",
    keys: &["exempt_subnets"],
    build,
};

#[derive(Debug)]
struct SubnetWithoutNsg {
    exempt: Vec<String>,
}

fn build(raw: &RawPolicy, _: FileId) -> Result<Box<dyn Check>, PolicyError> {
    let exempt = raw
        .exempt_subnets
        .as_ref()
        .map(|l| l.get_ref().iter().map(|s| s.get_ref().clone()).collect())
        .unwrap_or_default();
    Ok(Box::new(SubnetWithoutNsg { exempt }))
}

impl Check for SubnetWithoutNsg {
    fn check(&self, policy: &PolicyMeta, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let net = ctx.network;
        if !net.floating_associations.is_empty() {
            // Which subnet has no NSG is unknown: NSG030 reports the floating association.
            return;
        }
        for (i, s) in net.subnets.iter().enumerate() {
            let name = &s.resource.name.value;
            if self.exempt.iter().any(|e| e.eq_ignore_ascii_case(name)) || s.nsg.is_some() {
                continue;
            }
            let nics: Vec<&crate::model::Nic> = net
                .nics_in_subnet(crate::model::SubnetId(i))
                .iter()
                .filter_map(|(n, _)| net.nic(*n))
                .collect();
            if nics.iter().any(|nic| nic.nsg.is_some()) {
                // Some NICs are filtered: the others are not (an unknown NIC NSG counts as
                // one; its verdicts are NSG030's).
                let mut seen = Vec::new();
                for nic in nics.iter().filter(|nic| nic.nsg.is_none()) {
                    if seen.contains(&nic.resource.address) {
                        continue;
                    }
                    seen.push(nic.resource.address.clone());
                    out.push(unfiltered_nic(policy, name, nic));
                }
                continue;
            }
            let mut f = Finding::new(
                &policy.id,
                &policy.name,
                policy.severity,
                format!("subnet `{name}` has no network security group, at the subnet or on any NIC in it: nothing filters its traffic"),
                Label::new(s.resource.span, "no NSG is associated with this subnet"),
            )
            .with_resource(s.resource.address.clone(), Some(s.resource.span));
            f.fix = Some(Fix {
                summary: format!("associate a network security group with subnet `{name}`"),
                snippet: None,
            });
            out.push(f.with_fingerprint(&[name]));
        }
    }
}

/// A NIC with no NSG in a subnet with none, beside NICs that have one.
fn unfiltered_nic(policy: &PolicyMeta, subnet: &str, nic: &crate::model::Nic) -> Finding {
    let name = &nic.resource.name.value;
    let mut f = Finding::new(
        &policy.id,
        &policy.name,
        policy.severity,
        format!("network interface `{name}` in subnet `{subnet}` has no network security group, and neither has the subnet: nothing filters its traffic (other NICs in the subnet have one)"),
        Label::new(nic.resource.span, "no NSG is associated with this NIC or its subnet"),
    )
    .with_resource(nic.resource.address.clone(), Some(nic.resource.span));
    f.fix = Some(Fix {
        summary: format!(
            "associate a network security group with subnet `{subnet}`, or with NIC `{name}` as with the other NICs"
        ),
        snippet: None,
    });
    f.with_fingerprint(&[subnet, name])
}

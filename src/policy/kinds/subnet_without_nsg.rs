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
        for (i, s) in net.subnets.iter().enumerate() {
            let name = &s.resource.name.value;
            if self.exempt.iter().any(|e| e.eq_ignore_ascii_case(name)) || s.nsg.is_some() {
                continue;
            }
            let nic_nsg = net
                .nics_in_subnet(crate::model::SubnetId(i))
                .iter()
                .any(|(n, _)| net.nic(*n).is_some_and(|nic| nic.nsg.is_some()));
            if nic_nsg {
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

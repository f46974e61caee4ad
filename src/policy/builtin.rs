//! The built-in rule files, embedded so `nsgate check` works from any directory.

use crate::policy::{load_policy, Policy, PolicyError};
use crate::source::Sources;

/// `(file name, text)` of every built-in policy, in ID order.
pub const BUILTINS: &[(&str, &str)] = &[
    (
        "NSG001-intra-subnet-rdp-blocked.toml",
        include_str!("../../policies/NSG001-intra-subnet-rdp-blocked.toml"),
    ),
    (
        "NSG002-rdp-open-to-internet.toml",
        include_str!("../../policies/NSG002-rdp-open-to-internet.toml"),
    ),
    (
        "NSG003-ssh-open-to-internet.toml",
        include_str!("../../policies/NSG003-ssh-open-to-internet.toml"),
    ),
    (
        "NSG004-subnet-without-nsg.toml",
        include_str!("../../policies/NSG004-subnet-without-nsg.toml"),
    ),
    (
        "NSG005-load-balancer-probe-blocked.toml",
        include_str!("../../policies/NSG005-load-balancer-probe-blocked.toml"),
    ),
    (
        "NSG006-bastion-nsg-requirements.toml",
        include_str!("../../policies/NSG006-bastion-nsg-requirements.toml"),
    ),
    (
        "NSG007-application-gateway-v2-nsg-requirements.toml",
        include_str!("../../policies/NSG007-application-gateway-v2-nsg-requirements.toml"),
    ),
    (
        "NSG008-rdp-enabled-but-unreachable.toml",
        include_str!("../../policies/NSG008-rdp-enabled-but-unreachable.toml"),
    ),
    (
        "NSG010-dead-rule.toml",
        include_str!("../../policies/NSG010-dead-rule.toml"),
    ),
    (
        "NSG020-duplicate-priority.toml",
        include_str!("../../policies/NSG020-duplicate-priority.toml"),
    ),
    (
        "NSG021-invalid-rule-field.toml",
        include_str!("../../policies/NSG021-invalid-rule-field.toml"),
    ),
    (
        "NSG030-unknown-value.toml",
        include_str!("../../policies/NSG030-unknown-value.toml"),
    ),
];

/// Load the built-ins (their text joins `sources` as `policies/<file>`).
pub fn builtin_policies(sources: &mut Sources) -> Result<Vec<Policy>, PolicyError> {
    BUILTINS
        .iter()
        .map(|(name, text)| {
            let file = sources.add(format!("policies/{name}"), *text);
            load_policy(file, sources)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads_and_its_file_is_named_after_id_and_name() {
        let mut sources = Sources::new();
        let policies = builtin_policies(&mut sources).unwrap();
        assert_eq!(policies.len(), BUILTINS.len());
        for (p, (file, _)) in policies.iter().zip(BUILTINS) {
            assert_eq!(*file, format!("{}-{}.toml", p.meta.id, p.meta.name));
            assert!(
                !p.meta.why.is_empty() && !p.meta.fix.is_empty(),
                "{}",
                p.meta.id
            );
        }
        let mut ids: Vec<_> = policies.iter().map(|p| p.meta.id.clone()).collect();
        ids.dedup();
        assert_eq!(ids.len(), policies.len(), "ids are unique");
    }

    #[test]
    fn builtin_files_on_disk_match_the_embedded_list() {
        let mut on_disk: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect();
        on_disk.sort();
        let embedded: Vec<String> = BUILTINS.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, embedded);
    }
}

//! Azure's six default security rules (nsg-semantics.md §2.3), as the API returns them.
//!
//! They are not user data: every NSG carries them after its user rules. Their spans point into
//! a synthetic source file whose text is [`DEFAULT_RULES_TEXT`], so a finding decided by, say,
//! `AllowVnetInBound` can label it like any rule a user wrote.

use std::sync::OnceLock;

use crate::model::{
    Access, AddressItem, AddressSpec, Direction, PortRange, PortSpec, ProtocolSpec, RuleOrigin,
    SecurityRule, ServiceTag, Spanned, Val,
};
use crate::source::{Sources, Span};

/// The synthetic source text. One rule per line; each field is the API's value.
pub const DEFAULT_RULES_TEXT: &str = "\
# Azure's default security rules. Every network security group has them; they cannot be
# deleted, only overridden by user rules with a lower priority number.
# name                          direction priority protocol source            source_port destination    destination_port access
AllowVnetInBound                Inbound   65000    *        VirtualNetwork    *           VirtualNetwork *                Allow
AllowAzureLoadBalancerInBound   Inbound   65001    *        AzureLoadBalancer *           *              *                Allow
DenyAllInBound                  Inbound   65500    *        *                 *           *              *                Deny
AllowVnetOutBound               Outbound  65000    *        VirtualNetwork    *           VirtualNetwork *                Allow
AllowInternetOutBound           Outbound  65001    *        *                 *           Internet       *                Allow
DenyAllOutBound                 Outbound  65500    *        *                 *           *              *                Deny
";

/// The default rules of one direction, in evaluation order.
pub fn default_rules(direction: Direction) -> &'static [SecurityRule] {
    static RULES: OnceLock<[Vec<SecurityRule>; 2]> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        let all = build();
        let (inbound, outbound) = all
            .into_iter()
            .partition(|r| r.direction() == Some(Direction::Inbound));
        [inbound, outbound]
    });
    match direction {
        Direction::Inbound => &rules[0],
        Direction::Outbound => &rules[1],
    }
}

/// Whether a rule name is one of the defaults (Azure's docs spell two of them differently, so
/// names compare case-insensitively).
pub fn is_default_name(name: &str) -> bool {
    DEFAULT_RULES_TEXT
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .any(|n| n.eq_ignore_ascii_case(name))
}

fn build() -> Vec<SecurityRule> {
    let file = Sources::defaults_file();
    let mut offset = 0usize;
    let mut rules = Vec::new();
    for line in DEFAULT_RULES_TEXT.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        if line.starts_with('#') {
            continue;
        }
        // Columns with their byte offsets inside the line.
        let mut cols = Vec::new();
        let mut pos = 0usize;
        for word in line.split_whitespace() {
            let at = line
                .get(pos..)
                .and_then(|rest| rest.find(word))
                .map(|i| i + pos)
                .unwrap_or(pos);
            cols.push((
                word,
                Span::new(file, line_start + at, line_start + at + word.len()),
            ));
            pos = at + word.len();
        }
        let whole = Span::new(file, line_start, line_start + line.trim_end().len());
        if let Some(rule) = rule_from_columns(&cols, whole) {
            rules.push(rule);
        }
    }
    rules
}

fn rule_from_columns(cols: &[(&str, Span)], whole: Span) -> Option<SecurityRule> {
    let [name, dir, prio, proto, src, sport, dst, dport, access] = cols else {
        return None;
    };
    let address = |(text, span): (&str, Span)| -> AddressSpec {
        let item = match text {
            "*" => AddressItem::Any,
            "VirtualNetwork" => AddressItem::Tag(ServiceTag::VirtualNetwork),
            "AzureLoadBalancer" => AddressItem::Tag(ServiceTag::AzureLoadBalancer),
            _ => AddressItem::Tag(ServiceTag::Internet),
        };
        AddressSpec::from_items([Spanned::new(Val::Known(item), span)], span)
    };
    let ports = |span: Span| PortSpec {
        items: vec![Spanned::new(Val::Known(PortRange::ALL), span)],
        span,
    };
    let direction = if dir.0 == "Inbound" {
        Direction::Inbound
    } else {
        Direction::Outbound
    };
    let access_value = if access.0 == "Allow" {
        Access::Allow
    } else {
        Access::Deny
    };
    Some(SecurityRule {
        name: Spanned::new(name.0.to_string(), name.1),
        description: None,
        priority: Spanned::new(Val::Known(prio.0.parse().ok()?), prio.1),
        direction: Spanned::new(Val::Known(direction), dir.1),
        access: Spanned::new(Val::Known(access_value), access.1),
        protocol: Spanned::new(Val::Known(ProtocolSpec::Any), proto.1),
        source: address(*src),
        source_ports: ports(sport.1),
        destination: address(*dst),
        destination_ports: ports(dport.1),
        span: whole,
        origin: RuleOrigin::Default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_default_rules_with_exact_names_priorities_and_access() {
        let inbound: Vec<_> = default_rules(Direction::Inbound)
            .iter()
            .map(|r| {
                (
                    r.name.value.as_str(),
                    r.priority().unwrap(),
                    r.access().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            inbound,
            vec![
                ("AllowVnetInBound", 65000, Access::Allow),
                ("AllowAzureLoadBalancerInBound", 65001, Access::Allow),
                ("DenyAllInBound", 65500, Access::Deny),
            ]
        );
        let outbound: Vec<_> = default_rules(Direction::Outbound)
            .iter()
            .map(|r| {
                (
                    r.name.value.as_str(),
                    r.priority().unwrap(),
                    r.access().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            outbound,
            vec![
                ("AllowVnetOutBound", 65000, Access::Allow),
                ("AllowInternetOutBound", 65001, Access::Allow),
                ("DenyAllOutBound", 65500, Access::Deny),
            ]
        );
    }

    #[test]
    fn default_rule_fields_are_spanned_into_the_synthetic_text() {
        let sources = Sources::new();
        let rule = &default_rules(Direction::Outbound)[1];
        assert_eq!(sources.slice(rule.name.span), "AllowInternetOutBound");
        assert_eq!(sources.slice(rule.destination.span), "Internet");
        assert_eq!(
            rule.destination.get(0).unwrap().value,
            Val::Known(AddressItem::Tag(ServiceTag::Internet))
        );
        assert_eq!(sources.slice(rule.priority.span), "65001");
    }

    #[test]
    fn default_names_match_case_insensitively() {
        assert!(is_default_name("AllowVNetInBound"));
        assert!(is_default_name("DenyAllInbound"));
        assert!(!is_default_name("DenyAll"));
    }
}

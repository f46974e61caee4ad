//! `security_rule` blocks of `azurerm_network_security_group` and the
//! `azurerm_network_security_rule` resource: the same attributes (nsg-semantics §3.1–3.2).

use super::Attrs;
use crate::model::values::RawRule;
use crate::model::RuleOrigin;
use crate::source::Span;

/// Every attribute of the `security_rule` object type (azurerm ≥ 2).
pub const RULE_ATTRIBUTES: [&str; 16] = [
    "name",
    "description",
    "protocol",
    "source_port_range",
    "source_port_ranges",
    "destination_port_range",
    "destination_port_ranges",
    "source_address_prefix",
    "source_address_prefixes",
    "source_application_security_group_ids",
    "destination_address_prefix",
    "destination_address_prefixes",
    "destination_application_security_group_ids",
    "access",
    "priority",
    "direction",
];

/// The rule as written, for [`crate::model::values::build_rule`].
pub fn raw_rule<A: Attrs>(a: &mut A, span: Span, origin: RuleOrigin) -> RawRule {
    let mut raw = RawRule::new(span, origin);
    raw.name = a.scalar("name");
    raw.description = a.scalar("description");
    raw.priority = a.scalar("priority");
    raw.direction = a.scalar("direction");
    raw.access = a.scalar("access");
    raw.protocol = a.scalar("protocol");
    raw.source_port_range = a.scalar("source_port_range");
    raw.source_port_ranges = a.list("source_port_ranges");
    raw.destination_port_range = a.scalar("destination_port_range");
    raw.destination_port_ranges = a.list("destination_port_ranges");
    raw.source_address_prefix = a.scalar("source_address_prefix");
    raw.source_address_prefixes = a.list("source_address_prefixes");
    raw.destination_address_prefix = a.scalar("destination_address_prefix");
    raw.destination_address_prefixes = a.list("destination_address_prefixes");
    raw.source_asgs = a.asg_ids("source_application_security_group_ids");
    raw.destination_asgs = a.asg_ids("destination_application_security_group_ids");
    raw
}

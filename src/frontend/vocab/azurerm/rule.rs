//! `security_rule` blocks of `azurerm_network_security_group` and the
//! `azurerm_network_security_rule` resource: the same attributes (nsg-semantics §3.1–3.2).

use super::{Attrs, Form, Instance, Kind};
use crate::model::values::{build_rule, Dialect, RawRule};
use crate::model::{Link, NsgId, Problem, RuleOrigin, SecurityRule, Unknown};
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
fn raw_rule<A: Attrs>(a: &mut A, span: Span, origin: RuleOrigin) -> RawRule {
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

/// A rule (inline or standalone) read through `a`. A configuration as written is checked as
/// the provider checks it (enums are case-sensitive since provider 3.0); a plan holds what the
/// provider accepted and Azure returned, compared as Azure does.
pub fn rule<A: Attrs>(
    form: Form,
    a: &mut A,
    span: Span,
    origin: RuleOrigin,
    problems: &mut Vec<Problem>,
) -> SecurityRule {
    let dialect = match form {
        Form::Written => Dialect::Terraform,
        Form::Planned => Dialect::TerraformPlan,
    };
    build_rule(raw_rule(a, span, origin), dialect, problems)
}

/// The NSG an `azurerm_network_security_rule` belongs to: `network_security_group_name` in
/// `resource_group_name`, both required. A configuration as written that lacks them is
/// invalid, unless the name refers to the NSG resource itself (that alone links it).
pub fn standalone_nsg<I: Instance>(i: &mut I, problems: &mut Vec<Problem>) -> Link<NsgId> {
    let link = i.name_link("network_security_group_name", Kind::Nsg);
    let linked = i.is_set("network_security_group_name")
        && (i.is_set("resource_group_name") || matches!(link, Link::Key(_)));
    if i.form() == Form::Written && !linked {
        problems.push(
            Problem::invalid(
                "`network_security_group_name` and `resource_group_name` are required",
                i.span(),
            )
            .with_resource(i.address().to_string()),
        );
        return Link::Unknown(Box::new(Unknown {
            reason: "the rule names no network security group".into(),
            span: i.span(),
            origin: None,
        }));
    }
    link
}

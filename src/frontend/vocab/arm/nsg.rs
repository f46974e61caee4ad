//! Network security groups with inline `securityRules`, and child rule resources.

use super::{link, ArmResource, Lowering, Prop, Tree};
use crate::model::values::{build_rule, Dialect, Raw, RawField, RawRule};
use crate::model::{Nsg, Problem, RuleOrigin, SecurityRule, Spanned, StandaloneRule, Unknown, Val};
use crate::source::Span;

impl Lowering {
    pub(super) fn nsg<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let mut rules = Vec::new();
        let list = t
            .member(&r.node, "properties")
            .and_then(|p| t.member(&p, "securityRules"));
        if let Some(list) = list {
            let span = t.span(&list);
            match t.read(&list) {
                Prop::List(items) => {
                    for item in &items {
                        rules.push(self.rule(t, item, RuleOrigin::Inline, None));
                    }
                }
                Prop::Unknown(u) => rules.push(self.unknown_rule(
                    u,
                    span,
                    RuleOrigin::Inline,
                    "the rule list could not be resolved",
                )),
                other => self.problem(Problem::invalid(
                    format!("`securityRules` is a {}, not an array", other.type_name()),
                    span,
                )),
            }
        }
        self.net.nsgs.push(Nsg {
            resource: r.resource.clone(),
            rules,
        });
    }

    /// A rule whose contents are unknown: every field unknown, so evaluation stays
    /// conservative instead of treating the NSG as holding only its default rules.
    fn unknown_rule(
        &mut self,
        u: Unknown,
        span: Span,
        origin: RuleOrigin,
        what: &str,
    ) -> SecurityRule {
        let name = Spanned::new(
            Val::Unknown(Box::new(Unknown {
                reason: format!("{what}: {}", u.reason),
                span: u.span,
                origin: None,
            })),
            span,
        );
        let raw = RawRule::unknown(
            span,
            origin,
            name,
            Spanned::new(Val::Unknown(Box::new(u)), span),
        );
        build_rule(raw, Dialect::Arm, &mut self.net.problems)
    }

    /// A rule object (`{name, properties}`): an item of `securityRules` or a rule resource.
    fn rule<T: Tree>(
        &mut self,
        t: &T,
        item: &T::Node,
        origin: RuleOrigin,
        name: Option<RawField>,
    ) -> SecurityRule {
        let span = t.span(item);
        if let Prop::Unknown(u) = t.read(item) {
            return self.unknown_rule(u, span, origin, "the rule could not be resolved");
        }
        let mut raw = RawRule::new(span, origin.clone());
        raw.name = name.or_else(|| {
            let v = t.member(item, "name")?;
            match t.label(&v) {
                Some(label) => Some(Spanned::new(Val::Known(Raw::Str(label)), t.span(&v))),
                None => self.scalar(t, &v, "name"),
            }
        });
        let Some(props) = t.member(item, "properties") else {
            self.problem(Problem::invalid("security rule has no `properties`", span));
            return build_rule(raw, Dialect::Arm, &mut self.net.problems);
        };
        if let Prop::Unknown(u) = t.read(&props) {
            return self.unknown_rule(
                u,
                span,
                origin,
                "the rule's properties could not be resolved",
            );
        }
        let p = &props;
        raw.description = self.scalar_at(t, p, "description");
        raw.priority = self.scalar_at(t, p, "priority");
        raw.direction = self.scalar_at(t, p, "direction");
        raw.access = self.scalar_at(t, p, "access");
        raw.protocol = self.scalar_at(t, p, "protocol");
        raw.source_port_range = self.scalar_at(t, p, "sourcePortRange");
        raw.source_port_ranges = self.list_at(t, p, "sourcePortRanges");
        raw.destination_port_range = self.scalar_at(t, p, "destinationPortRange");
        raw.destination_port_ranges = self.list_at(t, p, "destinationPortRanges");
        raw.source_address_prefix = self.scalar_at(t, p, "sourceAddressPrefix");
        raw.source_address_prefixes = self.list_at(t, p, "sourceAddressPrefixes");
        raw.destination_address_prefix = self.scalar_at(t, p, "destinationAddressPrefix");
        raw.destination_address_prefixes = self.list_at(t, p, "destinationAddressPrefixes");
        raw.source_asgs = self.asgs_at(t, p, "sourceApplicationSecurityGroups");
        raw.destination_asgs = self.asgs_at(t, p, "destinationApplicationSecurityGroups");
        build_rule(raw, Dialect::Arm, &mut self.net.problems)
    }

    pub(super) fn rule_resource<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let nsg = match &r.parent {
            Some(target) => link(target),
            None => link(&Err(Unknown {
                reason: format!("the NSG of `{}` is not known", r.resource.address),
                span: r.resource.span,
                origin: None,
            })),
        };
        let origin = RuleOrigin::Standalone {
            address: r.resource.address.clone(),
        };
        let rule = self.rule(t, &r.node, origin, r.name.clone());
        self.net.standalone_rules.push(StandaloneRule { nsg, rule });
    }
}

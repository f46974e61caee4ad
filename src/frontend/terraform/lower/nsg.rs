//! `azurerm_network_security_group` (inline rules as blocks, `dynamic` blocks or the attribute
//! form) and `azurerm_network_security_rule` (nsg-semantics §3.1–3.2).

use super::{raw_field, raw_list, HclInstance, Item, Res};
use crate::frontend::terraform::context::Evaluator;
use crate::frontend::terraform::keys::id_link;
use crate::frontend::terraform::value::V;
use crate::frontend::vocab::azurerm::rule::{self, standalone_nsg, RULE_ATTRIBUTES};
use crate::frontend::vocab::azurerm::Attrs;
use crate::frontend::vocab::azurerm::{Form, Instance as _, Kind};
use crate::model::values::{RawField, RawListField};
use crate::model::{
    AsgId, Link, Network, Nsg, Problem, RuleOrigin, SecurityRule, Spanned, StandaloneRule, Unknown,
};

pub fn nsg(ev: &mut Evaluator, res: &Res, out: &mut Network) {
    let resource = HclInstance::new(ev, res).record(Kind::Nsg, &[]);
    let mut rules = Vec::new();
    for item in ev.nested(&res.item, "security_rule") {
        check_attribute_form(&item, &res.address, &mut out.problems);
        let rule = rule_from(ev, &item, RuleOrigin::Inline, &mut out.problems);
        rules.push(rule);
    }
    out.nsgs.push(Nsg { resource, rules });
}

pub fn standalone_rule(ev: &mut Evaluator, res: &Res, out: &mut Network) {
    let origin = RuleOrigin::Standalone {
        address: res.address.clone(),
    };
    let rule = rule_from(ev, &res.item, origin, &mut out.problems);
    let nsg = standalone_nsg(&mut HclInstance::new(ev, res), &mut out.problems);
    out.standalone_rules.push(StandaloneRule { nsg, rule });
}

/// One rule from a block, a `dynamic` block instance, an object or a resource.
fn rule_from(
    ev: &mut Evaluator,
    item: &Item,
    origin: RuleOrigin,
    problems: &mut Vec<Problem>,
) -> SecurityRule {
    let mut rule_problems = Vec::new();
    let mut attrs = Hcl { ev, problems, item };
    let rule = rule::rule(
        Form::Written,
        &mut attrs,
        item.span(),
        origin,
        &mut rule_problems,
    );
    problems.extend(rule_problems);
    rule
}

/// Arguments of an evaluated block or object, for the azurerm vocabulary.
struct Hcl<'e, 'x, 'p, 'i, 'b> {
    ev: &'e mut Evaluator<'x>,
    problems: &'p mut Vec<Problem>,
    item: &'i Item<'b>,
}

impl Attrs for Hcl<'_, '_, '_, '_, '_> {
    fn scalar(&mut self, attr: &'static str) -> Option<RawField> {
        raw_field(self.ev.arg(self.item, attr), attr, self.problems)
    }

    fn list(&mut self, attr: &'static str) -> Option<RawListField> {
        raw_list(self.ev.arg(self.item, attr), attr, self.problems)
    }

    fn asg_ids(&mut self, attr: &'static str) -> Option<Spanned<Vec<Link<AsgId>>>> {
        let arg = self.ev.arg(self.item, attr)?;
        let links = match &arg.value.v {
            V::List(items) => items.iter().filter_map(|v| id_link(v, attr)).collect(),
            V::Unknown(_) => vec![Link::Unknown(Box::new(super::unknown_of(&arg.value)))],
            _ => vec![Link::Unknown(Box::new(Unknown {
                reason: format!("`{attr}` must be a list of ids"),
                span: arg.value.span,
                origin: None,
            }))],
        };
        Some(Spanned::new(links, arg.at))
    }
}

/// In the attribute form (`security_rule = [{…}]`, and always in JSON syntax) Terraform
/// requires every attribute of the object, `null` for the unused ones (nsg-semantics §3.1).
fn check_attribute_form(item: &Item, address: &str, problems: &mut Vec<Problem>) {
    let Item::Value(v) = item else { return };
    let V::Map(m) = &v.v else { return };
    let missing: Vec<&str> = RULE_ATTRIBUTES
        .iter()
        .copied()
        .filter(|a| !m.contains_key(*a))
        .collect();
    if missing.is_empty() {
        return;
    }
    let list: Vec<String> = missing.iter().map(|a| format!("`{a}`")).collect();
    problems.push(
        Problem::invalid(
            format!(
                "a `security_rule` written as an attribute must set every attribute (null for unused ones); missing {}",
                list.join(", ")
            ),
            v.span,
        )
        .with_resource(address.to_string()),
    );
}

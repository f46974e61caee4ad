//! Network security groups, their inline `security_rule` set, and standalone
//! `azurerm_network_security_rule` resources (nsg-semantics §3.1, §3.2, §5.6).
//!
//! The plan lists every attribute of an inline rule, unset ones as `""` and `[]`;
//! [`build_rule`] treats those as unset, so the fields are passed through exactly as written,
//! each with the span of its JSON value. Set order is Terraform's hash order: rules keep the
//! plan's order here and evaluation orders them by priority.

use crate::frontend::json::Node;
use crate::frontend::plan::lower::{block_expression, note, Instance, Lowered, Lowerer, ASG};
use crate::frontend::plan::value::View;
use crate::frontend::vocab::azurerm as vocab;
use crate::frontend::vocab::azurerm::rule::{self, standalone_nsg};
use crate::frontend::vocab::azurerm::Attrs;
use crate::model::values::{build_rule, Dialect, RawField, RawListField, RawRule};
use crate::model::{
    AsgId, Link, Nsg, Problem, RuleOrigin, SecurityRule, Spanned, StandaloneRule, Val,
};

/// Release the spare capacity of a rule's port lists (address lists are built exact): a plan of 200,000 rules keeps them all
/// in memory, and a one-item `Vec` grows to room for four.
fn compact(rule: &mut SecurityRule) {
    rule.source_ports.items.shrink_to_fit();
    rule.destination_ports.items.shrink_to_fit();
}

/// An NSG lowered from its planned object alone ([`Lowerer::lower_nsg`]), not yet added.
#[derive(Debug)]
pub struct LoweredNsg {
    nsg: Nsg,
    problems: Vec<Problem>,
    /// Its `security_rule` is computed (see `mirror`).
    mirror: bool,
}

/// A separate rule lowered by [`Lowerer::lower_standalone`], not yet added.
#[derive(Debug)]
pub struct LoweredRule {
    rule: StandaloneRule,
    /// Its `name`, which the NSG's mirrored copy of it has.
    name: Option<String>,
    problems: Vec<Problem>,
}

impl Lowerer<'_> {
    /// An NSG with its inline rules (see [`Lowerer::lower_apart`]): most of a plan's work.
    pub(super) fn lower_nsg(&self, inst: &Instance<'_>, view: &View<'_, '_>) -> Lowered {
        let resource =
            vocab::Instance::record(&mut self.planned(inst, view), vocab::Kind::Nsg, &[]);
        let set = view.get("security_rule");
        let mut rules = Vec::with_capacity(set.item_count());
        let mut problems = Vec::new();
        if set.is_unknown() {
            self.unknown_rule_set(inst, &set, &mut rules, &mut problems);
        } else {
            let config = inst.expression("security_rule");
            for item in set.items() {
                let name = item.get("name").text();
                let block = block_expression(config, name.as_deref());
                let rule = self.rule(inst, &item, block, RuleOrigin::Inline, &mut problems);
                rules.push(rule);
            }
        }
        Lowered::Nsg(LoweredNsg {
            nsg: Nsg { resource, rules },
            problems,
            mirror: self.is_mirror(inst, "security_rule"),
        })
    }

    /// Add an NSG from [`Lowerer::lower_nsg`].
    pub(super) fn push_nsg(&mut self, lowered: LoweredNsg) {
        let LoweredNsg {
            nsg,
            mut problems,
            mirror,
        } = lowered;
        self.net.problems.append(&mut problems);
        if mirror {
            self.mark_mirror_nsg(self.net.nsgs.len());
        }
        self.net.nsgs.push(nsg);
    }

    /// The whole inline set is unknown until apply.
    fn unknown_rule_set(
        &self,
        inst: &Instance<'_>,
        set: &View<'_, '_>,
        rules: &mut Vec<SecurityRule>,
        problems: &mut Vec<Problem>,
    ) {
        // An NSG created without inline rules: the provider computes the (empty) set. Standalone
        // rule resources are separate and evaluated on their own.
        let not_configured = self.config.present()
            && inst.config.is_some()
            && inst.expression("security_rule").is_none();
        if not_configured {
            problems.push(note(
                inst,
                set.span(),
                format!(
                    "`{}` configures no inline security_rule, so the provider computes it at apply; evaluated as no inline rules (a `dynamic \"security_rule\"` block whose for_each is unknown until apply would look the same in the plan)",
                    inst.address
                ),
            ));
            return;
        }
        // Rules exist but nothing about them is known: one rule whose every field is unknown
        // keeps the evaluator conservative.
        let unknown = set.unknown_here();
        let field = Spanned::new(Val::Unknown(Box::new(unknown.clone())), unknown.span);
        let raw = RawRule::unknown(set.span(), RuleOrigin::Inline, field.clone(), field);
        let rule = build_rule(raw, Dialect::TerraformPlan, problems);
        rules.push(rule);
    }

    /// A separate `azurerm_network_security_rule` (see [`Lowerer::lower_apart`]).
    pub(super) fn lower_standalone(&self, inst: &Instance<'_>, view: &View<'_, '_>) -> Lowered {
        let mut problems = Vec::new();
        let nsg = standalone_nsg(&mut self.planned(inst, view), &mut problems);
        let expressions = inst.config.and_then(|c| c.expressions);
        let origin = RuleOrigin::Standalone {
            address: inst.address.clone(),
        };
        let rule = self.rule(inst, view, expressions, origin, &mut problems);
        Lowered::Standalone(Box::new(LoweredRule {
            rule: StandaloneRule { nsg, rule },
            name: view.get("name").text().map(|n| n.into_owned()),
            problems,
        }))
    }

    pub(super) fn push_standalone(&mut self, lowered: LoweredRule) {
        let LoweredRule {
            rule,
            name,
            mut problems,
        } = lowered;
        self.net.problems.append(&mut problems);
        self.managed_rule(&rule.nsg, name.as_deref());
        self.net.standalone_rules.push(rule);
    }

    /// One rule object; `config` holds its attributes' expressions when the plan has them.
    fn rule(
        &self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        config: Option<&Node>,
        origin: RuleOrigin,
        problems: &mut Vec<Problem>,
    ) -> SecurityRule {
        let mut attrs = Planned {
            lowerer: self,
            inst,
            view,
            config,
        };
        let mut rule = rule::rule(
            vocab::Form::Planned,
            &mut attrs,
            view.span(),
            origin,
            problems,
        );
        compact(&mut rule);
        rule
    }

    /// A set of ASG ids: known ids link by id; an unknown set links to every ASG its
    /// expression refers to (when it refers to nothing else).
    pub(super) fn asg_ids(
        &self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        expr: Option<&Node>,
    ) -> Option<Spanned<Vec<Link<AsgId>>>> {
        self.id_links(inst, view, expr, ASG)
            .map(|links| Spanned::new(links, view.span()))
    }
}

/// Attributes of a planned object, for the azurerm vocabulary.
struct Planned<'l, 'c, 'i, 'v, 'a, 'p, 'n> {
    lowerer: &'l Lowerer<'c>,
    inst: &'i Instance<'i>,
    view: &'v View<'a, 'p>,
    config: Option<&'n Node>,
}

impl Attrs for Planned<'_, '_, '_, '_, '_, '_, '_> {
    fn scalar(&mut self, attr: &'static str) -> Option<RawField> {
        self.view.get(attr).raw()
    }

    fn list(&mut self, attr: &'static str) -> Option<RawListField> {
        self.view.get(attr).raw_list()
    }

    fn asg_ids(&mut self, attr: &'static str) -> Option<Spanned<Vec<Link<AsgId>>>> {
        let expr = self.config.and_then(|c| c.get(attr));
        self.lowerer.asg_ids(self.inst, &self.view.get(attr), expr)
    }
}

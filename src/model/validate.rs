//! Checks across the rules of one NSG that no single value shows: duplicate priority per
//! direction (Azure: `SecurityRuleConflict`, NSG020) and duplicate rule names (NSG021).

use std::collections::HashMap;

use crate::model::{Network, Problem, ProblemKind, Severity};

/// Add the cross-rule problems of every NSG to `network.problems`.
pub fn validate(network: &mut Network) {
    let mut found = Vec::new();
    for nsg in &network.nsgs {
        let mut by_priority: HashMap<_, Vec<_>> = HashMap::new();
        let mut by_name: HashMap<String, Vec<_>> = HashMap::new();
        for rule in &nsg.rules {
            if let (Some(p), Some(d)) = (rule.priority(), rule.direction()) {
                by_priority.entry((p, d)).or_default().push(rule);
            }
            // An unresolved name (`build_rule` writes `<unknown name: …>`) is not a duplicate.
            if rule.name.value.starts_with("<unknown name") {
                continue;
            }
            by_name
                .entry(rule.name.value.to_ascii_lowercase())
                .or_default()
                .push(rule);
        }
        let mut clashes: Vec<_> = by_priority
            .into_iter()
            .filter(|(_, r)| r.len() > 1)
            .collect();
        clashes.sort_by_key(|(key, rules)| (*key, rules.first().map(|r| r.span)));
        for ((priority, direction), rules) in clashes {
            let (Some(first), Some(second)) = (rules.first(), rules.get(1)) else {
                continue;
            };
            let names: Vec<_> = rules
                .iter()
                .map(|r| format!("`{}`", r.name.value))
                .collect();
            let mut problem = Problem::new(
                ProblemKind::DuplicatePriority,
                Severity::Error,
                format!(
                    "network security group `{}`: rules {} share priority {priority} and direction {direction}; the deployment fails with SecurityRuleConflict",
                    nsg.resource.name.value,
                    names.join(", ")
                ),
                second.priority.span,
            )
            .with_related(first.priority.span, format!("`{}` has the same priority", first.name.value))
            .with_resource(nsg.resource.address.clone());
            for other in rules.iter().skip(2) {
                problem = problem
                    .with_related(other.priority.span, format!("`{}` too", other.name.value));
            }
            found.push(problem);
        }
        let mut dup_names: Vec<_> = by_name.into_iter().filter(|(_, r)| r.len() > 1).collect();
        dup_names.sort_by_key(|(_, rules)| rules.first().map(|r| r.span));
        for (_, rules) in dup_names {
            let (Some(first), Some(second)) = (rules.first(), rules.get(1)) else {
                continue;
            };
            found.push(
                Problem::invalid(
                    format!(
                        "network security group `{}` has two rules named `{}`; rule names must be unique",
                        nsg.resource.name.value, second.name.value
                    ),
                    second.name.span,
                )
                .with_related(first.name.span, "first rule with this name")
                .with_resource(nsg.resource.address.clone()),
            );
        }
    }
    network.problems.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::*;

    fn problems_for(rules: Vec<crate::model::SecurityRule>) -> Vec<Problem> {
        let mut n = NetworkBuilder::new().nsg("nsg", rules).build();
        validate(&mut n);
        n.problems
    }

    /// nsg-semantics §7 row 12.
    #[test]
    fn duplicate_priority_in_one_direction_predicts_security_rule_conflict() {
        let p = problems_for(vec![rule("A", 300), rule("B", 300)]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, ProblemKind::DuplicatePriority);
        assert!(p[0].message.contains("SecurityRuleConflict"));
    }

    /// nsg-semantics §7 row 13.
    #[test]
    fn same_priority_in_both_directions_is_fine() {
        let p = problems_for(vec![
            RuleSpec::new("A", 300).inbound().build(),
            RuleSpec::new("B", 300).outbound().build(),
        ]);
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn unknown_names_are_not_duplicates() {
        let mut a = rule("x", 300);
        a.name.value = "<unknown name: variable `n` has no value>".into();
        let mut b = rule("y", 310);
        b.name.value = a.name.value.clone();
        assert!(problems_for(vec![a, b]).is_empty());
    }

    #[test]
    fn duplicate_names_are_invalid() {
        let p = problems_for(vec![rule("Same", 300), rule("same", 310)]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, ProblemKind::InvalidField);
    }
}

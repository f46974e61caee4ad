//! Pointing plan findings at the Terraform configuration too.
//!
//! A plan's spans point into the plan JSON; users edit `.tf` files. When the configuration is
//! at hand (the plan sits in its directory, or `--source DIR`), the plan's resources and rules
//! are matched to the configuration's by resource address and rule name — both front ends use
//! Terraform's addresses — giving, for each place in the plan, the place in a `.tf` file.

use std::collections::HashMap;

use crate::model::{Network, RuleOrigin};
use crate::source::Span;

/// What a span in either network stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Place {
    Resource(String),
    Rule(String, String),
}

fn places(network: &Network) -> Vec<(Span, Place)> {
    let mut out = Vec::new();
    let resource = |out: &mut Vec<(Span, Place)>, r: &crate::model::Resource| {
        out.push((r.span, Place::Resource(r.address.clone())));
        out.push((r.name.span, Place::Resource(r.address.clone())));
    };
    for v in &network.vnets {
        resource(&mut out, &v.resource);
    }
    for s in &network.subnets {
        resource(&mut out, &s.resource);
        for p in &s.prefixes {
            out.push((p.span, Place::Resource(s.resource.address.clone())));
        }
    }
    for n in &network.nics {
        resource(&mut out, &n.resource);
    }
    let rules = network
        .nsgs
        .iter()
        .flat_map(|g| g.rules.iter().map(move |r| (Some(g), r)))
        .chain(network.standalone_rules.iter().map(|s| (None, &s.rule)));
    for (nsg, rule) in rules {
        let place = match (&rule.origin, nsg) {
            (RuleOrigin::Standalone { address }, _) => Place::Resource(address.clone()),
            (_, Some(g)) => Place::Rule(g.resource.address.clone(), rule.name.value.clone()),
            _ => continue,
        };
        out.push((rule.span, place));
    }
    for g in &network.nsgs {
        resource(&mut out, &g.resource);
    }
    out
}

/// For each span of the plan's network, the span of the same resource or rule in the
/// configuration's network (first declaration wins).
pub fn map_spans(plan: &Network, configuration: &Network) -> HashMap<Span, Span> {
    let mut in_config: HashMap<Place, Span> = HashMap::new();
    for (span, place) in places(configuration) {
        in_config.entry(place).or_insert(span);
    }
    places(plan)
        .into_iter()
        .filter_map(|(span, place)| in_config.get(&place).map(|target| (span, *target)))
        .collect()
}

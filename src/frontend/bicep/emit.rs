//! Hand Bicep resource instances to the ARM lowering.
//!
//! The instances become a languageVersion 2.0 template in memory, keyed by symbolic name,
//! whose `name`, `properties` and `condition` are `[parameters('…')]` expressions supplied
//! with the evaluated Bicep values. Node offsets are the Bicep declarations' ranges, so every
//! span (the resource, each property value) points into the `.bicep` file, and the one ARM
//! lowering maps Bicep and ARM alike. When the arm vocabulary trait lands this becomes a
//! direct implementation of it.

use crate::frontend::arm::{Supplied, Value};
use crate::frontend::json::{Json, Member, Node};

use super::eval::Instance;

fn node(value: Json, start: usize, end: usize) -> Node {
    Node {
        value,
        start: u32::try_from(start).unwrap_or(u32::MAX),
        end: u32::try_from(end).unwrap_or(u32::MAX),
    }
}

fn member(key: &str, value: Node) -> Member {
    Member {
        key: key.into(),
        key_start: value.start,
        key_end: value.start,
        value,
    }
}

fn string(s: &str, start: usize, end: usize) -> Node {
    node(Json::String(s.into()), start, end)
}

/// The template and the parameter values it reads.
pub fn template(instances: &[Instance]) -> (Node, Supplied) {
    let mut supplied = Supplied::new();
    let mut params = Vec::new();
    let mut resources = Vec::new();
    let mut supply = |key: String, v: Value, params: &mut Vec<Member>| {
        let (s, e) = (v.span.start as usize, v.span.end as usize);
        let ty = node(
            Json::Object(vec![member("type", string("object", s, e))]),
            s,
            e,
        );
        params.push(member(&key, ty));
        let expr = format!("[parameters('{key}')]");
        supplied.insert(key.clone(), (key, v.clone(), v.span));
        string(&expr, s, e)
    };
    for (i, inst) in instances.iter().enumerate() {
        let (s, e) = (inst.span.start as usize, inst.span.end as usize);
        let mut members = vec![member("type", string(&inst.ty, s, e))];
        if let Some(api) = &inst.api_version {
            members.push(member("apiVersion", string(api, s, e)));
        }
        members.push(member(
            "name",
            supply(format!("n{i}"), inst.name.clone(), &mut params),
        ));
        if let Some(props) = inst.body.as_object().and_then(|o| o.get("properties")) {
            if !props.is_null() {
                members.push(member(
                    "properties",
                    supply(format!("p{i}"), props.clone(), &mut params),
                ));
            }
        }
        // A VNet's region decides which security admin rules apply to it; an admin rule's
        // kind whether it is evaluated at all.
        for (i_key, key) in [("l", "location"), ("k", "kind")] {
            if let Some(v) = inst.body.as_object().and_then(|o| o.get(key)) {
                if !v.is_null() {
                    members.push(member(
                        key,
                        supply(format!("{i_key}{i}"), v.clone(), &mut params),
                    ));
                }
            }
        }
        if let Some(c) = &inst.condition {
            members.push(member(
                "condition",
                supply(format!("c{i}"), c.clone(), &mut params),
            ));
        }
        if inst.existing {
            members.push(member("existing", node(Json::Bool(true), s, e)));
        }
        resources.push(member(&inst.symbol, node(Json::Object(members), s, e)));
    }
    let root = node(
        Json::Object(vec![
            member(
                "$schema",
                string(
                    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                    0,
                    0,
                ),
            ),
            member("languageVersion", string("2.0", 0, 0)),
            member("parameters", node(Json::Object(params), 0, 0)),
            member("resources", node(Json::Object(resources), 0, 0)),
        ]),
        0,
        0,
    );
    (root, supplied)
}

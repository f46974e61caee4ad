//! `azapi_resource` and `azapi_update_resource`: Azure resource types written in Terraform,
//! lowered through the `arm` vocabulary ([`crate::frontend::vocab::arm`]) like ARM templates.
//!
//! `type` is `Microsoft.Network/…@<api version>`; `body` is an HCL object (azapi 2.x) or
//! `jsonencode(…)` of one (1.x: the argument is read, so values keep their spans in the
//! `.tf` file); `parent_id` names the resource group, or the parent of a child type (the VNet
//! of a subnet, the NSG of a rule). A resource is known by its Terraform address, and by its
//! name pair when `parent_id` is a literal Azure id, like azurerm resources.

use std::collections::BTreeMap;

use super::{unknown_of, Item, Res};
use crate::frontend::terraform::ast::ExprKind;
use crate::frontend::terraform::context::Evaluator;
use crate::frontend::terraform::funcs::from_json;
use crate::frontend::terraform::keys::{id_key, looks_like_id};
use crate::frontend::terraform::value::{Value, V};
use crate::frontend::vocab::arm::{self as vocab, ArmResource, IdKey, Prop, Tree};
use crate::model::values::Raw;
use crate::model::{Field, Problem, ProblemKind, Resource, Severity, Spanned, Unknown, Val};
use crate::source::Span;

pub const RESOURCE: &str = "azapi_resource";
pub const UPDATE: &str = "azapi_update_resource";
pub const ACTION: &str = "azapi_resource_action";

/// Lower one `azapi_resource` or `azapi_update_resource` instance.
pub fn lower(ev: &mut Evaluator, rtype: &str, res: &Res, out: &mut vocab::Lowering) {
    let Some(ty) = ev.text_arg(&res.item, "type") else {
        return;
    };
    if rtype == ACTION {
        commit(ev, &ty, res, out);
        return;
    }
    let ty = match &ty.value {
        Val::Known(t) => t.split('@').next().unwrap_or_default().trim().to_string(),
        Val::Unknown(u) => {
            out.net.problems.push(
                // A note, not a warning: such types come mostly from helper modules (role
                // assignments, diagnostic settings), rarely from the network.
                Problem::new(
                    ProblemKind::Note,
                    Severity::Note,
                    format!(
                        "the resource type of `{}` is not known ({}); if it is a network resource, it is not evaluated",
                        res.address, u.reason
                    ),
                    ty.span,
                )
                .with_resource(res.address.clone()),
            );
            return;
        }
    };
    if !vocab::is_network_type(&ty) {
        return;
    }
    let parent_id = ev.arg(&res.item, "parent_id");
    // A literal resource-group id locates what a `.cscfg` names by name (a VNet's subnet).
    let top_level = ty.split('/').count() == 2;
    let scope = match parent_id.as_ref().map(|p| &p.value.v) {
        Some(V::Str(p)) if top_level && looks_like_id(p) => {
            Some(p.trim().trim_end_matches('/').to_string())
        }
        _ => None,
    };
    let tree = Body { scope };
    let mut body = body(ev, res);
    // azapi writes `location` beside the body, ARM inside the resource: put it where the
    // vocabulary reads it (a VNet's region decides which admin rules apply to it).
    if let (Some(location), V::Map(m)) = (ev.arg(&res.item, "location"), &body.v) {
        if !m.contains_key("location") {
            let mut items = m.as_ref().clone();
            items.insert("location".into(), location.value);
            body = Value::map(items, body.span);
        }
    }
    if rtype == UPDATE {
        let target = match ev.arg(&res.item, "resource_id") {
            Some(id) => target(&tree, &id.value),
            None => Err(Unknown {
                reason: "`resource_id` is not set".into(),
                span: res.span,
                origin: None,
            }),
        };
        out.update(&tree, &ty, &body, &target, &res.address, res.span);
        return;
    }
    let name = ev.text_arg(&res.item, "name");
    let mut keys = vec![res.key.clone()];
    if let (Some(Val::Known(n)), Some(V::Str(p))) = (
        name.as_ref().map(|n| &n.value),
        parent_id.as_ref().map(|p| &p.value.v),
    ) {
        if looks_like_id(p) {
            keys.push(id_key(&vocab::id::child_id(p, &ty, n)));
        }
    }
    let display = super::display_name(&name, &res.address, res.span);
    let parent = parent_id.map(|p| target(&tree, &p.value));
    let r = ArmResource {
        ty,
        node: body,
        resource: Resource {
            name: display,
            address: res.address.clone(),
            keys,
            span: res.span,
        },
        name: name.map(|n| {
            let v = match n.value {
                Val::Known(t) => Val::Known(Raw::Str(t)),
                Val::Unknown(u) => Val::Unknown(u),
            };
            Spanned::new(v, n.span)
        }),
        own: Ok(Spanned::new(res.key.clone(), res.span)),
        parent,
    };
    out.resource(&tree, &r);
}

/// `azapi_resource_action` with `action = "commit"` on a network manager deploys security
/// admin (or connectivity) configurations to regions (nsg-semantics §6.8); other actions
/// change nothing nsgate evaluates. An action whose type or name is unknown may be a commit.
fn commit(ev: &mut Evaluator, ty: &Field<String>, res: &Res, out: &mut vocab::Lowering) {
    let action = ev.text_arg(&res.item, "action");
    let is = |f: Option<&Field<String>>, want: &str| match f.map(|f| &f.value) {
        Some(Val::Known(t)) => t
            .split('@')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case(want),
        Some(Val::Unknown(_)) => true,
        None => false,
    };
    if !is(Some(ty), "Microsoft.Network/networkManagers") || !is(action.as_ref(), "commit") {
        return;
    }
    // An action that runs at destroy commits nothing on apply (as in plans, `plan/lower/azapi.rs`).
    let when = ev.text_arg(&res.item, "when");
    if matches!(when.as_ref().map(|w| &w.value), Some(Val::Known(w)) if w.eq_ignore_ascii_case("destroy"))
    {
        return;
    }
    let tree = Body { scope: None };
    let body = body(ev, res);
    out.admin_commit(&tree, &body, &res.address, res.span);
}

/// The `body` as a value: an object, `jsonencode(object)` read as its argument, or a JSON
/// string decoded (its values then point at the string).
fn body(ev: &mut Evaluator, res: &Res) -> Value {
    if let Item::Block(b) = &res.item {
        if let Some(attr) = b.body.attr("body") {
            if let ExprKind::Call { name, args, expand } = &attr.expr.kind {
                if let ([arg], false, "jsonencode") = (args.as_slice(), expand, name.as_str()) {
                    return ev.eval(arg, &b.scope);
                }
            }
        }
    }
    match ev.arg(&res.item, "body") {
        Some(arg) => match &arg.value.v {
            V::Str(s) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(j) => from_json(&j, arg.value.span),
                Err(e) => Value::error(format!("`body` is not JSON: {e}"), arg.value.span),
            },
            _ => arg.value,
        },
        None => Value::map(BTreeMap::new(), res.span),
    }
}

fn target(tree: &Body, id: &Value) -> vocab::Target {
    match tree.id_key(id) {
        IdKey::Key(k) => Ok(Spanned::new(k, id.span)),
        IdKey::Unknown(u) => Err(u),
        IdKey::Invalid(text) => Err(Unknown {
            reason: format!("`{text}` is not an Azure resource id"),
            span: id.span,
            origin: None,
        }),
    }
}

/// The evaluated HCL value tree of a `body`; `scope`: the literal resource-group id the
/// resource is deployed to, when `parent_id` is one.
struct Body {
    scope: Option<String>,
}

impl Tree for Body {
    type Node = Value;

    fn member(&self, node: &Value, key: &str) -> Option<Value> {
        let found = match &node.v {
            V::Map(m) => m
                .get(key)
                .or_else(|| {
                    m.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key))
                        .map(|(_, v)| v)
                })
                .cloned(),
            V::Unknown(_) => Some(node.clone()),
            _ => None,
        };
        found.filter(|v| !v.is_null())
    }

    fn read(&self, node: &Value) -> Prop<Value> {
        match &node.v {
            V::Null => Prop::Null,
            V::Bool(b) => Prop::Bool(*b),
            V::Num(n) => Prop::Num(*n),
            V::Str(s) => Prop::Str(s.clone()),
            V::List(items) => Prop::List(items.as_ref().clone()),
            V::Map(_) => Prop::Object,
            V::Unknown(_) => Prop::Unknown(unknown_of(node)),
        }
    }

    fn span(&self, node: &Value) -> Span {
        node.span
    }

    /// `azapi_resource.x.id` links to that resource by its address; a literal id by its
    /// name pair.
    fn id_key(&self, node: &Value) -> IdKey {
        if let Some(of) = &node.of {
            return IdKey::Key(of.to_string());
        }
        match &node.v {
            V::Str(s) if looks_like_id(s) => IdKey::Key(id_key(s)),
            V::Unknown(_) => IdKey::Unknown(unknown_of(node)),
            V::Str(s) => IdKey::Invalid(s.clone()),
            _ => IdKey::Invalid(node.type_name().to_string()),
        }
    }

    fn scope_key(&self, ty: &str, names: &[&str]) -> Option<String> {
        let rg = self.scope.as_deref()?;
        let mut segments = ty.split('/');
        let namespace = segments.next()?;
        let mut id = format!("{rg}/providers/{namespace}");
        for (segment, name) in segments.zip(names) {
            id.push_str(&format!("/{segment}/{name}"));
        }
        Some(id_key(&id))
    }

    fn literal_id_key(&self, id: &str) -> Option<String> {
        looks_like_id(id).then(|| id_key(id))
    }

    fn child_keys(&self, _ty: &str, _name: &Value) -> Vec<String> {
        // An inline subnet is referred to by an id built from its VNet's, which Terraform
        // knows only after apply: it has no key a reference could use.
        Vec::new()
    }
}

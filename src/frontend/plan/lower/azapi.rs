//! `azapi_resource` and `azapi_update_resource` in a plan: Azure resource types written in
//! Terraform, lowered through the `arm` vocabulary like ARM templates and like the same
//! resources in HCL (`frontend/terraform/lower/azapi.rs`); and `azapi_resource_action` commits
//! of network manager configurations (nsg-semantics §6.8), read by the vocabulary's
//! `admin_commit` like the same action in HCL.
//!
//! The planned `body` is an object (azapi 2.x) or a JSON string (1.x). Values keep their spans
//! in the plan file (a 1.x string body points at the string). What is known only after apply is
//! Unknown with its path; an unknown id inside the body (`azapi_resource.nsg.id`) is linked
//! through the configuration when the body refers to exactly one candidate, since the plan's
//! configuration has one expression for the whole body, not one per nested value.

use super::{id_key, Instance, Lowerer};
use crate::frontend::json::{Json, Node};
use crate::frontend::plan::config::Want;
use crate::frontend::plan::value::View;
use crate::frontend::vocab::arm::{self as vocab, ArmResource, IdKey, Prop, Tree};
use crate::model::values::Raw;
use crate::model::{Problem, ProblemKind, Resource, Severity, Spanned, Unknown, Val};
use crate::source::{FileId, Span};

pub const RESOURCE: &str = "azapi_resource";
pub const UPDATE: &str = "azapi_update_resource";
pub const ACTION: &str = "azapi_resource_action";

/// What an unknown id in a body may refer to.
const AZAPI: Want = Want {
    types: &[RESOURCE],
    data: true,
};

impl Lowerer<'_> {
    /// Lower one planned `azapi_resource` or `azapi_update_resource`.
    pub(super) fn azapi(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        let ty_view = view.get("type");
        let Some(ty) = ty_view.text() else {
            if ty_view.is_unknown() {
                self.note(
                    inst,
                    ty_view.span(),
                    format!(
                        "the resource type of `{}` is known only after apply; if it is a network resource, it is not evaluated",
                        inst.address
                    ),
                );
            }
            return;
        };
        let ty = ty.split('@').next().unwrap_or_default().trim().to_string();
        if !vocab::is_network_type(&ty) {
            return;
        }
        let Some(body) = self.azapi_body(inst, view) else {
            return;
        };
        let mut tree = PlanBody {
            body: &body,
            location: None,
            body_refs: self.references(inst, inst.expression("body"), AZAPI),
        };
        // azapi writes `location` beside the body, ARM inside the resource: the vocabulary reads
        // it from the body (a VNet's region decides which admin rules apply to it).
        let location_view = view.get("location");
        let location = match Body::plain(&location_view, self.file) {
            Ok(l) if !location_view.is_unset() => Some(l),
            _ => None,
        };
        tree.location = location.as_ref();
        let root = body.root();
        let mut arm = vocab::Lowering::new();
        if inst.addr.rtype == UPDATE {
            let target = self.id_target(inst, view, "resource_id");
            arm.update(&tree, &ty, &root, &target, &inst.address, inst.span);
        } else {
            let name = view.get("name");
            let parent = view.get("parent_id");
            let mut keys = vec![format!("tf:{}", inst.address)];
            if let Some(id) = view.get("id").text() {
                keys.push(id_key(&id));
            }
            if let (Some(n), Some(p)) = (name.text(), parent.text()) {
                keys.push(id_key(&vocab::id::child_id(&p, &ty, &n)));
            }
            let display = match name.text() {
                Some(n) => Spanned::new(n.to_string(), name.span()),
                None => Spanned::new(inst.address.clone(), name.span()),
            };
            let own_name = match name.str() {
                Some(n) => Val::Known(Raw::Str(n.into_owned())),
                None => Val::Unknown(Box::new(name.unknown_here())),
            };
            let parent = (!parent.is_unset()).then(|| self.id_target(inst, view, "parent_id"));
            let r = ArmResource {
                ty,
                node: root,
                resource: Resource {
                    name: display,
                    address: inst.address.clone(),
                    keys,
                    span: inst.span,
                },
                name: Some(Spanned::new(own_name, name.span())),
                own: Ok(Spanned::new(format!("tf:{}", inst.address), inst.span)),
                parent,
            };
            arm.resource(&tree, &r);
        }
        self.net.merge(arm.finish());
    }

    /// A planned `azapi_resource_action`: with `action = "commit"` on a network manager it
    /// deploys security admin (or connectivity) configurations to regions; other actions
    /// change nothing nsgate evaluates. An action whose type or name is known only after apply
    /// may be a commit; one that runs at destroy (`when = "destroy"`) commits nothing on apply.
    pub(super) fn azapi_action(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        let is = |v: &View<'_, '_>, want: &str| match v.text() {
            Some(t) => t
                .split('@')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case(want),
            None => v.is_unknown(),
        };
        if !is(&view.get("type"), "Microsoft.Network/networkManagers")
            || !is(&view.get("action"), "commit")
            || view
                .get("when")
                .text()
                .is_some_and(|w| w.eq_ignore_ascii_case("destroy"))
        {
            return;
        }
        let Some(body) = self.azapi_body(inst, view) else {
            return;
        };
        let tree = PlanBody {
            body: &body,
            location: None,
            body_refs: self.references(inst, inst.expression("body"), AZAPI),
        };
        let mut arm = vocab::Lowering::new();
        arm.admin_commit(&tree, &body.root(), &inst.address, inst.span);
        self.net.merge(arm.finish());
    }

    /// The planned `body`, or `None` (reported) when it cannot be read.
    fn azapi_body(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) -> Option<Body> {
        let body_view = view.get("body");
        match Body::read(&body_view, self.file) {
            Ok(b) => Some(b),
            Err(why) => {
                self.problem(
                    Problem::new(
                        ProblemKind::Unresolved,
                        Severity::Error,
                        format!(
                            "the body of `{}` cannot be read ({why}); it is not evaluated",
                            inst.address
                        ),
                        body_view.span(),
                    )
                    .with_resource(inst.address.clone()),
                );
                None
            }
        }
    }

    /// An id argument (`parent_id`, `resource_id`) as a link target: the id when known, else
    /// the configuration's reference.
    fn id_target(
        &self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        attr: &'static str,
    ) -> vocab::Target {
        let v = view.get(attr);
        match self.id_link::<()>(inst, &v, inst.expression(attr), AZAPI) {
            Some(crate::model::Link::Key(k)) => Ok(k),
            Some(crate::model::Link::Unknown(u)) => Err(*u),
            Some(crate::model::Link::Resolved(_)) | None => Err(Unknown {
                reason: format!("`{attr}` is not set"),
                span: v.span(),
                origin: None,
            }),
        }
    }
}

/// A planned body: its tree and `after_unknown` twin, or a 1.x JSON string decoded (every
/// value then points at the string).
struct Body {
    value: Option<Node>,
    unknown: Option<Node>,
    /// Set when the body was a string: the string's span stands for every value in it.
    string_span: Option<Span>,
    file: FileId,
    span: Span,
    path: String,
}

impl Body {
    /// A planned value as it is (no string decoded).
    fn plain(view: &View<'_, '_>, file: FileId) -> Result<Body, String> {
        let (value, unknown) = view.trees().map_err(|e| e.to_string())?;
        Ok(Body {
            value,
            unknown,
            string_span: None,
            file,
            span: view.span(),
            path: view.path(),
        })
    }

    fn read(view: &View<'_, '_>, file: FileId) -> Result<Body, String> {
        let mut body = Body::plain(view, file)?;
        let span = body.span;
        if let Some(Json::String(text)) = body.value.as_ref().map(|n| &n.value) {
            let decoded = crate::frontend::json::parse(text, false)
                .map_err(|e| format!("the body string is not JSON: {e}"))?;
            body.value = Some(decoded);
            body.string_span = Some(span);
        }
        Ok(body)
    }

    fn root(&self) -> At<'_> {
        At {
            value: self.value.as_ref(),
            unknown: self.unknown.as_ref(),
            path: self.path.clone(),
            whole: self.string_span,
            fallback: self.span,
            root: true,
        }
    }
}

/// One value of a body with its `after_unknown` twin and its path from the resource.
#[derive(Clone)]
struct At<'b> {
    value: Option<&'b Node>,
    unknown: Option<&'b Node>,
    path: String,
    /// The span standing for every value in it (a 1.x string body).
    whole: Option<Span>,
    /// The span of a value that has no node (known only after apply): its parent's.
    fallback: Span,
    /// The body itself (where `location` is looked up beside it).
    root: bool,
}

impl At<'_> {
    fn is_unknown(&self) -> bool {
        self.unknown
            .is_some_and(|u| matches!(u.value, Json::Bool(true)))
    }
}

struct PlanBody<'b> {
    body: &'b Body,
    /// The resource's `location` attribute, read as the body's `location` when it has none.
    location: Option<&'b Body>,
    /// What the body's expression refers to (the candidates for an unknown id inside it).
    body_refs: Result<Vec<String>, String>,
}

impl PlanBody<'_> {
    fn span_of(&self, node: &At<'_>) -> Span {
        if let Some(s) = node.whole {
            return s;
        }
        match node.value {
            Some(n) => Span::new(self.body.file, n.start as usize, n.end as usize),
            None => node.fallback,
        }
    }

    fn unknown_at(&self, node: &At<'_>) -> Unknown {
        Unknown {
            reason: format!("known after apply: {}", node.path),
            span: self.span_of(node),
            origin: None,
        }
    }
}

impl<'b> Tree for PlanBody<'b> {
    type Node = At<'b>;

    fn member(&self, node: &At<'b>, key: &str) -> Option<At<'b>> {
        let path = format!("{}.{key}", node.path);
        let fallback = self.span_of(node);
        if node.is_unknown() {
            return Some(At {
                path,
                fallback,
                root: false,
                ..node.clone()
            });
        }
        let value = node.value.and_then(|v| v.get_ci(key));
        let unknown = node.unknown.and_then(|u| u.get_ci(key));
        let at = At {
            value,
            unknown,
            path,
            whole: node.whole,
            fallback,
            root: false,
        };
        if at.is_unknown() || value.is_some_and(|v| !v.is_null()) {
            return Some(at);
        }
        match self.location {
            Some(l) if node.root && key.eq_ignore_ascii_case("location") => {
                let at = At {
                    root: false,
                    ..l.root()
                };
                let empty = at.value.is_some_and(|v| {
                    v.is_null() || matches!(&v.value, Json::String(s) if s.trim().is_empty())
                });
                (at.is_unknown() || (at.value.is_some() && !empty)).then_some(at)
            }
            _ => None,
        }
    }

    fn read(&self, node: &At<'b>) -> Prop<At<'b>> {
        if node.is_unknown() {
            return Prop::Unknown(self.unknown_at(node));
        }
        let Some(value) = node.value else {
            return Prop::Null;
        };
        // `resolved`: a plan is never parsed lazily, but the match must be exhaustive.
        let value = value.resolved();
        match &value.value {
            Json::Null | Json::Lazy(_) => Prop::Null,
            Json::Bool(b) => Prop::Bool(*b),
            Json::Number(n) => Prop::Num(n.parse().unwrap_or(f64::NAN)),
            Json::String(s) => Prop::Str(s.to_string()),
            Json::Object(_) => Prop::Object,
            Json::Array(items) => {
                let unknowns = node.unknown.map(Node::items).unwrap_or(&[]);
                Prop::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| At {
                            value: Some(item),
                            unknown: unknowns.get(i),
                            path: format!("{}[{i}]", node.path),
                            whole: node.whole,
                            fallback: self.span_of(node),
                            root: false,
                        })
                        .collect(),
                )
            }
        }
    }

    fn span(&self, node: &At<'b>) -> Span {
        self.span_of(node)
    }

    fn id_key(&self, node: &At<'b>) -> IdKey {
        if node.is_unknown() {
            return match &self.body_refs {
                Ok(refs) => match refs.as_slice() {
                    [one] => IdKey::Key(format!("tf:{one}")),
                    many => IdKey::Unknown(Unknown {
                        reason: format!(
                            "known after apply: {}; the body refers to {} candidates ({})",
                            node.path,
                            many.len(),
                            many.join(", ")
                        ),
                        span: self.span_of(node),
                        origin: None,
                    }),
                },
                Err(why) => IdKey::Unknown(Unknown {
                    reason: format!("known after apply: {}; {why}", node.path),
                    span: self.span_of(node),
                    origin: None,
                }),
            };
        }
        match node.value.map(|v| &v.value) {
            Some(Json::String(s)) if s.trim_start().starts_with('/') => IdKey::Key(id_key(s)),
            Some(Json::String(s)) => IdKey::Invalid(s.to_string()),
            _ => IdKey::Invalid(node.path.clone()),
        }
    }

    fn child_keys(&self, _ty: &str, _name: &At<'b>) -> Vec<String> {
        // An inline subnet's id is built from its VNet's; nothing refers to it before apply.
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use crate::frontend::{plan::load_text, LoadOptions, Loaded};
    use crate::model::admin::Deployment;
    use crate::model::{Network, Val};
    use crate::source::Sources;

    const CONFIG_ID: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/baseline";

    /// A plan of one existing configuration (id known) and `extra` resource changes.
    fn linked(extra: &[String]) -> Network {
        let config = format!(
            r#"{{"address": "azapi_resource.cfg", "mode": "managed", "type": "azapi_resource", "name": "cfg",
                "change": {{"actions": ["no-op"], "after": {{"type": "Microsoft.Network/networkManagers/securityAdminConfigurations@2024-05-01",
                "name": "baseline", "id": "{CONFIG_ID}", "parent_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm",
                "body": {{"properties": {{}}}}}}, "after_unknown": {{}}}}}}"#
        );
        let mut changes = vec![config];
        changes.extend(extra.iter().cloned());
        let text = format!(
            r#"{{"format_version": "1.2", "resource_changes": [{}]}}"#,
            changes.join(",\n")
        );
        let mut sources = Sources::new();
        let mut out = Loaded::default();
        load_text(
            "plan.json",
            text,
            &LoadOptions::default(),
            &mut sources,
            &mut out,
        );
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        crate::model::link::link(out.network)
    }

    fn action(after: &str, unknown: &str) -> String {
        format!(
            r#"{{"address": "azapi_resource_action.commit", "mode": "managed", "type": "azapi_resource_action",
                "name": "commit", "change": {{"actions": ["create"], "after": {after}, "after_unknown": {unknown}}}}}"#
        )
    }

    #[test]
    fn a_string_body_commit_deploys_the_configuration_it_names() {
        let body = format!(
            r#"{{\"commitType\": \"SecurityAdmin\", \"configurationIds\": [\"{CONFIG_ID}\"], \"targetLocations\": [\"West Europe\"]}}"#
        );
        let n = linked(&[action(
            &format!(
                r#"{{"type": "Microsoft.Network/networkManagers@2024-05-01", "action": "commit", "body": "{body}"}}"#
            ),
            "{}",
        )]);
        let config = &n.admin_configs[0];
        assert!(
            matches!(config.deployment, Deployment::Deployed(_)),
            "{:?}",
            config.deployment
        );
        assert_eq!(
            config.regions[0].region.name.value,
            Val::Known("West Europe".into())
        );
    }

    #[test]
    fn other_actions_and_destroy_time_commits_deploy_nothing() {
        let commit = format!(
            r#""body": {{"commitType": "SecurityAdmin", "configurationIds": ["{CONFIG_ID}"], "targetLocations": ["westeurope"]}}"#
        );
        for (ty, act, when) in [
            (
                "Microsoft.Network/networkManagers@2024-05-01",
                "commit",
                "destroy",
            ),
            (
                "Microsoft.Network/networkManagers@2024-05-01",
                "listDeploymentStatus",
                "apply",
            ),
            (
                "Microsoft.Network/virtualNetworks@2024-05-01",
                "commit",
                "apply",
            ),
        ] {
            let n = linked(&[action(
                &format!(r#"{{"type": "{ty}", "action": "{act}", "when": "{when}", {commit}}}"#),
                "{}",
            )]);
            assert!(n.admin_deployments.is_empty(), "{ty} {act} {when}");
            assert_eq!(n.admin_configs[0].deployment, Deployment::NotDeployed);
        }
        // An action known only after apply may be a commit.
        let n = linked(&[action(
            &format!(r#"{{"type": "Microsoft.Network/networkManagers@2024-05-01", {commit}}}"#),
            r#"{"action": true}"#,
        )]);
        assert_eq!(n.admin_deployments.len(), 1);
    }

    #[test]
    fn an_azapi_vnets_location_is_its_region() {
        let vnet = |location: &str, unknown: &str| {
            format!(
                r#"{{"address": "azapi_resource.vnet", "mode": "managed", "type": "azapi_resource", "name": "vnet",
                    "change": {{"actions": ["create"], "after": {{"type": "Microsoft.Network/virtualNetworks@2024-05-01",
                    "name": "vnet", "parent_id": "/subscriptions/s/resourceGroups/rg", {location}
                    "body": {{"properties": {{"addressSpace": {{"addressPrefixes": ["10.0.0.0/16"]}}}}}}}},
                    "after_unknown": {unknown}}}}}"#
            )
        };
        let region = |location: &str, unknown: &str| {
            let n = linked(&[vnet(location, unknown)]);
            n.vnets[0].location.name.value.clone()
        };
        assert_eq!(
            region(r#""location": "westeurope","#, "{}"),
            Val::Known("westeurope".into())
        );
        match region("", r#"{"location": true}"#) {
            Val::Unknown(u) => assert_eq!(u.reason, "known after apply: location"),
            other => panic!("{other:?}"),
        }
        for unset in ["", r#""location": "","#, r#""location": null,"#] {
            match region(unset, "{}") {
                Val::Unknown(u) => assert_eq!(u.reason, "`location` is not set"),
                other => panic!("{other:?}"),
            }
        }
    }
}

//! `azapi_resource` and `azapi_update_resource` in a plan: Azure resource types written in
//! Terraform, lowered through the `arm` vocabulary like ARM templates and like the same
//! resources in HCL (`frontend/terraform/lower/azapi.rs`).
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
        let body_view = view.get("body");
        let body = match Body::read(&body_view, self.file) {
            Ok(b) => b,
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
                return;
            }
        };
        let tree = PlanBody {
            body: &body,
            body_refs: self.references(inst, inst.expression("body"), AZAPI),
        };
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
                None => Val::Unknown(name.unknown_here()),
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
            Some(crate::model::Link::Unknown(u)) => Err(u),
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
    fn read(view: &View<'_, '_>, file: FileId) -> Result<Body, String> {
        let (value, unknown) = view.trees().map_err(|e| e.to_string())?;
        let span = view.span();
        let mut body = Body {
            value,
            unknown,
            string_span: None,
            file,
            span,
            path: view.path(),
        };
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
        }
    }
}

/// One value of a body with its `after_unknown` twin and its path from the resource.
#[derive(Clone)]
struct At<'b> {
    value: Option<&'b Node>,
    unknown: Option<&'b Node>,
    path: String,
}

impl At<'_> {
    fn is_unknown(&self) -> bool {
        self.unknown
            .is_some_and(|u| matches!(u.value, Json::Bool(true)))
    }
}

struct PlanBody<'b> {
    body: &'b Body,
    /// What the body's expression refers to (the candidates for an unknown id inside it).
    body_refs: Result<Vec<String>, String>,
}

impl PlanBody<'_> {
    fn span_of(&self, node: &At<'_>) -> Span {
        if let Some(s) = self.body.string_span {
            return s;
        }
        match node.value {
            Some(n) => Span::new(self.body.file, n.start as usize, n.end as usize),
            None => self.body.span,
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
        if node.is_unknown() {
            return Some(At {
                path,
                ..node.clone()
            });
        }
        let value = node.value.and_then(|v| v.get_ci(key));
        let unknown = node.unknown.and_then(|u| u.get_ci(key));
        let at = At {
            value,
            unknown,
            path,
        };
        (at.is_unknown() || value.is_some_and(|v| !v.is_null())).then_some(at)
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

//! Feeding expanded template resources to the `arm` vocabulary's lowering
//! ([`crate::frontend::vocab::arm`]): deployment nesting, `condition` and `existing`, and what
//! only a template knows — names of the form `parent/child`, ids built from the deployment's
//! scope, symbolic names of values unknown offline. Properties are read through [`Lazy`]
//! views, so only what the model needs is evaluated.

use super::eval::{CtxId, Lazy, Machine};
use super::resource_id::{self, ResourceRef};
use super::template::{display, nested_ctx, Inst};
use super::value::{self, Kind, Part, Value};
use crate::frontend::json::Json;
use crate::frontend::vocab::arm::{self as vocab, ArmResource, IdKey, Prop, Target, Tree};
use crate::model::values::{Raw, RawField};
use crate::model::{Network, Problem, ProblemKind, Resource, Severity, Spanned, Unknown, Val};

pub struct Lowerer<'m, 'a> {
    m: &'m Machine<'a>,
    out: vocab::Lowering,
}

impl<'m, 'a> Lowerer<'m, 'a> {
    pub fn new(m: &'m Machine<'a>) -> Lowerer<'m, 'a> {
        Lowerer {
            m,
            out: vocab::Lowering::new(),
        }
    }

    /// The Cloud Services files read with the template.
    pub fn service_files(&mut self, files: vocab::cscfg::ServiceFiles) {
        self.out.service_files = files;
    }

    /// Lower every resource of a deployment (and of the deployments nested in it).
    pub fn lower_ctx(&mut self, ctx: CtxId) {
        let Some(c) = self.m.ctx(ctx) else { return };
        let Some(table) = self.m.table(ctx) else {
            return;
        };
        for inst in table.insts.iter() {
            self.lower_inst(&c.path, inst);
        }
    }

    /// Attach child peerings and collect the problems found.
    pub fn finish(self) -> Network {
        let mut net = self.out.finish();
        net.problems.extend(self.m.take_problems());
        dedupe(&mut net.problems);
        net
    }

    fn problem(&mut self, p: Problem) {
        self.out.net.problems.push(p);
    }

    fn lower_inst(&mut self, path: &str, inst: &Inst<'a>) {
        let relevant = vocab::is_network_type(&inst.ty) || inst.is_deployment();
        if !relevant || inst.existing {
            return;
        }
        if let Some(cond) = &inst.condition {
            match &cond.kind {
                Kind::Bool(false) => return,
                Kind::Bool(true) => {}
                Kind::Unknown(u) => self.problem(
                    Problem::new(
                        ProblemKind::Unresolved,
                        Severity::Note,
                        format!(
                            "`{}` is deployed only when its condition holds, which could not be evaluated ({}); it is evaluated as deployed",
                            inst.address, u.reason
                        ),
                        cond.span,
                    )
                    .with_resource(inst.address.clone()),
                ),
                _ => self.problem(Problem::invalid(
                    format!("the condition of `{}` is a {}, not a bool", inst.address, cond.type_name()),
                    cond.span,
                )),
            }
        }
        if inst.is_deployment() {
            if let Some(child) = nested_ctx(self.m, inst) {
                self.lower_ctx(child);
            }
            return;
        }
        let r = self.describe(path, inst);
        let tree = Instance { m: self.m, inst };
        self.out.resource(&tree, &r);
    }

    /// The resource as the vocabulary sees it: record, own name and parent.
    fn describe(&mut self, path: &str, inst: &Inst<'a>) -> ArmResource<Lazy<'a>> {
        let ty = inst.ty.to_ascii_lowercase();
        let parent_ty = match ty.as_str() {
            vocab::RULE => Some(("Microsoft.Network/networkSecurityGroups", "nsg/rule")),
            vocab::SUBNET => Some(("Microsoft.Network/virtualNetworks", "vnet/subnet")),
            vocab::PEERING => Some(("Microsoft.Network/virtualNetworks", "vnet/peering")),
            vocab::LB_POOL => Some(("Microsoft.Network/loadBalancers", "loadBalancer/pool")),
            vocab::AKS_POOL => Some((
                "Microsoft.ContainerService/managedClusters",
                "cluster/agentPool",
            )),
            _ => None,
        };
        let mut display_name = display(&inst.name);
        let mut name = None;
        let mut parent = None;
        if let Some((pty, form)) = parent_ty {
            match self.child_name(inst, form) {
                Ok((p, own)) => {
                    parent = Some(self.sibling(inst, pty, p));
                    display_name = value::render_sym(&own);
                    name = Some(sym_field(&own, &inst.name));
                }
                Err(u) => parent = Some(Err(u)),
            }
        }
        ArmResource {
            ty: inst.ty.clone(),
            node: Lazy::Node(inst.node),
            resource: Resource {
                name: Spanned::new(display_name, inst.name.span),
                address: inst.address.clone(),
                keys: inst.keys(path),
                span: self.m.span(inst.node),
            },
            name,
            own: own_target(inst),
            parent,
        }
    }

    /// A child's name `parent/child` split into the parent's name and its own. A name that
    /// is not of that form is invalid only when it is known: an unknown name, or one whose
    /// unknown parts may hold the `/`, leaves the parent unknown.
    fn child_name(
        &mut self,
        inst: &Inst<'a>,
        form: &str,
    ) -> Result<(Vec<Part>, Vec<Part>), Unknown> {
        let span = inst.name.span;
        let Some(sym) = inst.name.to_sym() else {
            return Err(Unknown {
                reason: match inst.name.as_unknown() {
                    Some(u) => format!("the name is not known: {}", u.reason),
                    None => "the name is not known".to_string(),
                },
                span,
                origin: None,
            });
        };
        let mut segments = value::split_sym(&sym, '/');
        if segments.len() == 2 {
            let own = segments.pop().unwrap_or_default();
            let parent = segments.pop().unwrap_or_default();
            return Ok((parent, own));
        }
        let reason = format!("`{}` is not of the form `{form}`", display(&inst.name));
        if sym.iter().any(|p| matches!(p, Part::Atom(_))) {
            return Err(Unknown {
                reason: format!("{reason} unless its unknown parts hold the `/`"),
                span,
                origin: None,
            });
        }
        let message = match form {
            "nsg/rule" => format!("security rule resource name: {reason}"),
            "vnet/subnet" => format!("subnet resource name {reason}"),
            "vnet/peering" => format!("peering resource name {reason}"),
            _ => format!("child resource name {reason}"),
        };
        self.problem(Problem::invalid(message, span));
        Err(Unknown {
            reason,
            span,
            origin: None,
        })
    }

    /// A link to another resource of the instance's deployment scope: `ty` named `name`.
    fn sibling(&self, inst: &Inst<'a>, ty: &str, name: Vec<Part>) -> Target {
        let span = inst.name.span;
        inst.id
            .as_ref()
            .and_then(|id| resource_id::build(id.sub.clone(), id.rg.clone(), ty, vec![name]))
            .and_then(|p| resource_id::parse(&p))
            .map(|r| Spanned::new(r.link_key(), span))
            .ok_or_else(|| Unknown {
                reason: format!("the parent of `{}` could not be determined", inst.address),
                span,
                origin: None,
            })
    }
}

fn own_target(inst: &Inst<'_>) -> Target {
    match &inst.id {
        Some(id) => Ok(Spanned::new(id.link_key(), inst.name.span)),
        None => Err(match inst.name.as_unknown() {
            Some(u) => to_unknown(u),
            None => Unknown {
                reason: format!("the id of `{}` could not be computed", inst.address),
                span: inst.name.span,
                origin: None,
            },
        }),
    }
}

/// One template resource instance as the vocabulary's value tree.
struct Instance<'m, 'i, 'a> {
    m: &'m Machine<'a>,
    inst: &'i Inst<'a>,
}

impl<'a> Tree for Instance<'_, '_, 'a> {
    type Node = Lazy<'a>;

    fn member(&self, node: &Lazy<'a>, key: &str) -> Option<Lazy<'a>> {
        self.m.get(node, key, &self.inst.env)
    }

    fn read(&self, node: &Lazy<'a>) -> Prop<Lazy<'a>> {
        match node {
            // Objects and arrays written as JSON are read member by member, never evaluated
            // as a whole.
            Lazy::Node(n) => match n.json() {
                Json::Object(_) => Prop::Object,
                Json::Array(items) => Prop::List(items.iter().map(Lazy::Node).collect()),
                _ => prop(&self.m.eval_node(n, &self.inst.env)),
            },
            Lazy::Val(v) => prop(v),
        }
    }

    fn span(&self, node: &Lazy<'a>) -> crate::source::Span {
        self.m.lazy_span(node)
    }

    fn id_key(&self, node: &Lazy<'a>) -> IdKey {
        let v = self.m.force(node, &self.inst.env);
        if let Some(r) = v.to_sym().and_then(|parts| resource_id::parse(&parts)) {
            return IdKey::Key(r.link_key());
        }
        match v.as_unknown() {
            Some(u) => IdKey::Unknown(to_unknown(u)),
            None => IdKey::Invalid(display(&v)),
        }
    }

    fn label(&self, node: &Lazy<'a>) -> Option<String> {
        let v = self.m.force(node, &self.inst.env);
        let sym = v.as_unknown()?.sym.as_ref()?;
        Some(value::render_sym(sym))
    }

    fn child_keys(&self, ty: &str, name: &Lazy<'a>) -> Vec<String> {
        let name = self.m.force(name, &self.inst.env);
        let ids = self.inst.id.as_ref().and_then(|id| {
            let mut names = id.names.clone();
            names.push(name.to_sym()?);
            resource_id::parse(&resource_id::build(
                id.sub.clone(),
                id.rg.clone(),
                ty,
                names,
            )?)
        });
        ids.as_ref().map(ResourceRef::keys).unwrap_or_default()
    }

    fn scope_key(&self, ty: &str, names: &[&str]) -> Option<String> {
        let id = self.inst.id.as_ref()?;
        let names = names
            .iter()
            .map(|n| vec![Part::Lit(n.to_string())])
            .collect();
        let built = resource_id::build(id.sub.clone(), id.rg.clone(), ty, names)?;
        resource_id::parse(&built).map(|r| r.link_key())
    }

    fn literal_id_key(&self, id: &str) -> Option<String> {
        resource_id::parse(&[Part::Lit(id.to_string())]).map(|r| r.link_key())
    }
}

fn prop<'a>(v: &Value) -> Prop<Lazy<'a>> {
    match &v.kind {
        Kind::Null => Prop::Null,
        Kind::Str(s) => Prop::Str(s.to_string()),
        Kind::Int(n) => Prop::Num(*n as f64),
        Kind::Float(f) => Prop::Num(*f),
        Kind::Bool(b) => Prop::Bool(*b),
        Kind::Array(items) => Prop::List(items.iter().cloned().map(Lazy::Val).collect()),
        Kind::Object(_) => Prop::Object,
        Kind::Unknown(u) => Prop::Unknown(to_unknown(u)),
    }
}

fn to_unknown(u: &value::Unk) -> Unknown {
    u.to_model()
}

/// A name segment as a rule-name field: a symbolic name is shown as written (`{parameters('x')}`).
fn sym_field(seg: &[Part], whole: &Value) -> RawField {
    let text = value::sym_literal(seg).unwrap_or_else(|| value::render_sym(seg));
    Spanned::new(Val::Known(Raw::Str(text)), whole.span)
}

/// Drop repeated problems (a copy loop repeats the same expression), keeping the first.
fn dedupe(problems: &mut Vec<Problem>) {
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.span, p.message.clone())));
}

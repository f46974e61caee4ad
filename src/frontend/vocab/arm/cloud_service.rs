//! Cloud Services (extended support), `Microsoft.Compute/cloudServices` (nsg-semantics §6.1,
//! §6.5): one tenant per role and subnet, with whether Remote Desktop is enabled for the role.
//!
//! Roles come from `roleProfile.roles[].name` and from the service configuration; the
//! configuration is `properties.configuration` (XML in a string) or, for a deployment by
//! `configurationUrl`, the `.cscfg` beside the input ([`ServiceFiles`]). It places each role
//! (`InstanceAddress@roleName`) in subnets (`Subnet@name`) of `VirtualNetworkSite` — a VNet
//! of the cloud service's own resource group, or a VNet id. RDP is enabled by the Remote
//! Desktop extension (`Microsoft.Windows.Azure.Extensions` / `RDP`, for the roles in
//! `rolesAppliedTo`, all when absent or `*`), or classically by a `.csdef` importing
//! `RemoteAccess`. What the input does not say is Unknown with its reason: a role whose
//! configuration is not known still is a tenant, of an unknown subnet.

use super::cscfg::{self, Configuration, ServiceFiles, SpanMap};
use super::read::display;
use super::{ArmResource, Lowering, Prop, Tree};
use crate::model::tenant::{Host, TenantKind};
use crate::model::values::RawList;
use crate::model::{Field, Link, Problem, ProblemKind, Severity, Spanned, SubnetId, Unknown, Val};
use crate::source::Span;

const RDP_PUBLISHER: &str = "Microsoft.Windows.Azure.Extensions";
const RDP_TYPE: &str = "RDP";
const SUBNET_TYPE: &str = "Microsoft.Network/virtualNetworks/subnets";

/// Whether something holds for a role: yes, no, or not known (why).
#[derive(Debug, Clone)]
enum Tri {
    Yes,
    No,
    Unknown(Unknown),
}

impl Tri {
    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Unknown(u), _) | (_, Tri::Unknown(u)) => Tri::Unknown(u),
            (Tri::Yes, Tri::Yes) => Tri::Yes,
        }
    }
}

/// One extension of the profile, as far as RDP is concerned.
struct Extension {
    is_rdp: Tri,
    /// `None`: every role.
    roles: Result<Option<Vec<String>>, Unknown>,
    span: Span,
}

impl Extension {
    fn applies_to(&self, role: &str) -> Tri {
        match &self.roles {
            Ok(None) => Tri::Yes,
            Ok(Some(names))
                if names
                    .iter()
                    .any(|n| n == "*" || n.eq_ignore_ascii_case(role)) =>
            {
                Tri::Yes
            }
            Ok(Some(_)) => Tri::No,
            Err(u) => Tri::Unknown(u.clone()),
        }
    }
}

impl Lowering {
    pub(super) fn cloud_service<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let props = t.member(&r.node, "properties");
        let config = self.service_configuration(t, r, props.as_ref());
        let extensions = self.extensions(t, props.as_ref());
        let mut roles: Vec<Spanned<String>> = Vec::new();
        let mut roles_unknown = None;
        if let Some(p) = &props {
            if let Some(profile) = t.member(p, "roleProfile") {
                match self.items(t, &profile, "roles", "the roles of this cloud service") {
                    Ok(items) => {
                        for item in &items {
                            match t.member(item, "name") {
                                Some(n) => roles.push(Spanned::new(display(t, &n), t.span(&n))),
                                None => {
                                    roles_unknown = Some(Unknown {
                                        reason: "a role of the role profile has no name".into(),
                                        span: t.span(item),
                                        origin: None,
                                    })
                                }
                            }
                        }
                    }
                    Err(u) => roles_unknown = Some(u),
                }
            }
        }
        if let Ok(c) = &config {
            self.unevaluated(c);
        }
        // The configuration names the roles too (it must name every role of the package).
        if let Ok(c) = &config {
            for role in c.roles.iter().chain(c.addresses.iter().map(|a| &a.role)) {
                if !roles
                    .iter()
                    .any(|r| r.value.eq_ignore_ascii_case(&role.value))
                {
                    roles.push(role.clone());
                }
            }
        }
        if roles.is_empty() {
            // Nothing names the roles: one tenant stands for all of them.
            let u = match (roles_unknown, &config) {
                (Some(u), _) => u,
                (None, Err(u)) => u.clone(),
                (None, Ok(_)) => Unknown {
                    reason: "neither the role profile nor the service configuration names a role"
                        .into(),
                    span: r.resource.span,
                    origin: None,
                },
            };
            let role = Spanned::new("<roles>".to_string(), u.span);
            let rdp = self.role_rdp(&extensions, &role, r.resource.span);
            self.role_tenant(r, &role, rdp, Link::Unknown(Box::new(u.clone())), u.span);
            return;
        }
        for role in &roles {
            let rdp = self.role_rdp(&extensions, role, r.resource.span);
            let placements: Vec<(Link<SubnetId>, Span)> = match &config {
                Err(u) => vec![(Link::Unknown(Box::new(u.clone())), role.span)],
                Ok(c) => self.role_subnets(t, c, role),
            };
            for (subnet, span) in placements {
                self.role_tenant(r, role, rdp.clone(), subnet, span);
            }
        }
    }

    fn role_tenant<N>(
        &mut self,
        r: &ArmResource<N>,
        role: &Spanned<String>,
        rdp: Field<bool>,
        subnet: Link<SubnetId>,
        span: Span,
    ) {
        let service = r.resource.name.clone();
        let name = Spanned::new(format!("{}/{}", service.value, role.value), role.span);
        let kind = TenantKind::CloudServiceRole {
            service,
            role: role.clone(),
            rdp,
        };
        self.push_tenant(kind, name, &r.resource, Host::Subnet(subnet), span);
    }

    /// Endpoint ACLs filter at the cloud service's load balancer, on its input endpoints (not
    /// between instances), and `NetworkSecurityGroupRefs` has no documented semantics: both
    /// are said, not evaluated (nsg-semantics §6.3).
    fn unevaluated(&mut self, c: &Configuration) {
        for e in &c.unevaluated {
            let message = if e.value == "NetworkSecurityGroupRefs" {
                "`NetworkSecurityGroupRefs` in the service configuration has no documented semantics; it is not evaluated".to_string()
            } else {
                format!("`{}` in the service configuration filters traffic to the cloud service's input endpoints at its load balancer; nsgate does not evaluate endpoint ACLs", e.value)
            };
            self.problem(Problem::new(
                ProblemKind::Note,
                Severity::Note,
                message,
                e.span,
            ));
        }
    }

    /// The configuration: inline, or the `.cscfg` beside the input.
    fn service_configuration<T: Tree>(
        &mut self,
        t: &T,
        r: &ArmResource<T::Node>,
        props: Option<&T::Node>,
    ) -> Result<Configuration, Unknown> {
        let inline = props.and_then(|p| t.member(p, "configuration"));
        if let Some(v) = inline {
            let span = t.span(&v);
            return match t.read(&v) {
                Prop::Str(xml) => cscfg::configuration(&xml, SpanMap::Whole(span)).map_err(|e| {
                    self.problem(Problem::invalid(e.message.clone(), e.span));
                    Unknown {
                        reason: e.message,
                        span,
                        origin: None,
                    }
                }),
                Prop::Unknown(u) => Err(Unknown {
                    reason: format!("the service configuration is not known ({})", u.reason),
                    span,
                    origin: None,
                }),
                other => {
                    let message = format!(
                        "`configuration` must be the service configuration's XML as a string, not a {}",
                        other.type_name()
                    );
                    self.problem(Problem::invalid(message.clone(), span));
                    Err(Unknown {
                        reason: message,
                        span,
                        origin: None,
                    })
                }
            };
        }
        let at = props
            .and_then(|p| t.member(p, "configurationUrl"))
            .map_or(r.resource.span, |u| t.span(&u));
        configuration_beside(&self.service_files).map_err(|reason| Unknown {
            reason: format!(
                "the service configuration is deployed from `configurationUrl` and {reason}"
            ),
            span: at,
            origin: None,
        })
    }

    /// The subnets the configuration places `role` in, as links.
    fn role_subnets<T: Tree>(
        &mut self,
        t: &T,
        c: &Configuration,
        role: &Spanned<String>,
    ) -> Vec<(Link<SubnetId>, Span)> {
        let unknown = |reason: String, span: Span| {
            vec![(
                Link::Unknown(Box::new(Unknown {
                    reason,
                    span,
                    origin: None,
                })),
                span,
            )]
        };
        let Some(address) = c
            .addresses
            .iter()
            .find(|a| a.role.value.eq_ignore_ascii_case(&role.value))
        else {
            return unknown(
                format!(
                    "the service configuration assigns role `{}` no subnet (`InstanceAddress`)",
                    role.value
                ),
                c.span,
            );
        };
        let Some(site) = &c.vnet_site else {
            return unknown(
                "the service configuration names no `VirtualNetworkSite`".into(),
                address.span,
            );
        };
        if address.subnets.is_empty() {
            return unknown(
                format!(
                    "the `InstanceAddress` of role `{}` names no subnet",
                    role.value
                ),
                address.span,
            );
        }
        address
            .subnets
            .iter()
            .map(|subnet| {
                let key = if site.value.contains('/') {
                    let vnet = site.value.trim().trim_end_matches('/');
                    t.literal_id_key(&format!("{vnet}/subnets/{}", subnet.value))
                } else {
                    t.scope_key(SUBNET_TYPE, &[site.value.trim(), subnet.value.trim()])
                };
                let link = match key {
                    Some(k) => Link::Key(Spanned::new(k, subnet.span)),
                    None => Link::Unknown(Box::new(Unknown {
                        reason: format!(
                            "subnet `{}` of virtual network `{}` could not be located",
                            subnet.value, site.value
                        ),
                        span: subnet.span,
                        origin: None,
                    })),
                };
                (link, subnet.span)
            })
            .collect()
    }

    /// The extensions of `extensionProfile`, as far as RDP is concerned; `Err` when the list
    /// is not known.
    fn extensions<T: Tree>(
        &mut self,
        t: &T,
        props: Option<&T::Node>,
    ) -> Result<Vec<Extension>, Unknown> {
        let Some(profile) = props.and_then(|p| t.member(p, "extensionProfile")) else {
            return Ok(Vec::new());
        };
        let items = self.items(
            t,
            &profile,
            "extensions",
            "the extensions of this cloud service",
        )?;
        let mut out = Vec::new();
        for item in &items {
            let span = t.span(item);
            let p = t.member(item, "properties");
            let is = |l: &mut Lowering, key: &str, want: &str| -> Tri {
                let f = l.text_at(t, p.as_ref(), key, span);
                match f.value {
                    Val::Known(s) if s.trim().eq_ignore_ascii_case(want) => Tri::Yes,
                    Val::Known(_) => Tri::No,
                    Val::Unknown(u) => Tri::Unknown(*u),
                }
            };
            let is_rdp = is(self, "publisher", RDP_PUBLISHER).and(is(self, "type", RDP_TYPE));
            let roles = match p
                .as_ref()
                .and_then(|p| self.list_at(t, p, "rolesAppliedTo"))
            {
                None => Ok(None),
                Some(list) => match list.value {
                    RawList::Items(items) => Ok(Some(
                        items
                            .iter()
                            .filter_map(|i| i.value.known().map(|v| v.text()))
                            .collect(),
                    )),
                    RawList::Unknown(u) => Err(u),
                },
            };
            out.push(Extension {
                is_rdp,
                roles,
                span,
            });
        }
        Ok(out)
    }

    /// Whether RDP is enabled for `role`: by an extension that applies to it, or by a `.csdef`
    /// importing `RemoteAccess` into it.
    fn role_rdp(
        &self,
        extensions: &Result<Vec<Extension>, Unknown>,
        role: &Spanned<String>,
        at: Span,
    ) -> Field<bool> {
        if let Some(span) = self.service_files.remote_access(&role.value) {
            return Spanned::new(Val::Known(true), span);
        }
        let exts = match extensions {
            Ok(e) => e,
            Err(u) => return Spanned::new(Val::Unknown(Box::new(u.clone())), u.span),
        };
        let mut unknown = None;
        for e in exts {
            match e.is_rdp.clone().and(e.applies_to(&role.value)) {
                Tri::Yes => return Spanned::new(Val::Known(true), e.span),
                Tri::Unknown(u) => unknown = unknown.or(Some((u, e.span))),
                Tri::No => {}
            }
        }
        match unknown {
            Some((u, span)) => Spanned::new(
                Val::unknown(
                    format!(
                        "whether an extension enables RDP is not known ({})",
                        u.reason
                    ),
                    span,
                ),
                span,
            ),
            None => Spanned::new(Val::Known(false), at),
        }
    }
}

fn configuration_beside(files: &ServiceFiles) -> Result<Configuration, String> {
    files.configuration().map(|(_, c)| c.clone())
}

//! Virtual Network Manager security admin rules as Azure resource types (nsg-semantics §6.8):
//! `networkManagers/networkGroups` (+ `/staticMembers`), `networkManagers/
//! securityAdminConfigurations` (+ `/ruleCollections`, + `/rules` of kind `Custom`).
//!
//! A configuration applies once committed to a region, which is an action (`commit`), not a
//! resource: templates run it from a `Microsoft.Resources/deploymentScripts` resource
//! (`Deploy-AzNetworkManagerCommit`, `az network manager post-commit`). A script that commits
//! deploys the configurations whose ids its arguments or script name; when that text is not
//! known, every configuration may be deployed (Unknown). Without such a script, the
//! configurations are reported as not deployed.

use super::{link, ArmResource, Lowering, Prop, Tree};
use crate::model::admin::{
    AdminCollection, AdminConfig, AdminDeployment, AdminGroup, AdminMember, Deployment,
    IntentPolicyServices,
};
use crate::model::admin_build::{build_admin_rule, RawAdminAddress, RawAdminRule};
use crate::model::values::{Dialect, RawRule};
use crate::model::{Link, Problem, RuleOrigin, Spanned, Unknown, Val};
use crate::source::Span;

pub const GROUP: &str = "microsoft.network/networkmanagers/networkgroups";
pub const MEMBER: &str = "microsoft.network/networkmanagers/networkgroups/staticmembers";
pub const CONFIG: &str = "microsoft.network/networkmanagers/securityadminconfigurations";
pub const COLLECTION: &str =
    "microsoft.network/networkmanagers/securityadminconfigurations/rulecollections";
pub const RULE: &str =
    "microsoft.network/networkmanagers/securityadminconfigurations/rulecollections/rules";
pub const SCRIPT: &str = "microsoft.resources/deploymentscripts";

pub fn is_admin_type(ty: &str) -> bool {
    matches!(
        ty.to_ascii_lowercase().as_str(),
        GROUP | MEMBER | CONFIG | COLLECTION | RULE | SCRIPT
    )
}

/// The key of a resource's parent, from its own key: the last type segment and the last name
/// dropped (`arm:<type>/<names>` or an `id:` resource id).
pub fn parent_key(own: &str) -> Option<String> {
    if let Some(rest) = own.strip_prefix("arm:") {
        let segments: Vec<&str> = rest.split('/').collect();
        let names = segments.len().checked_sub(1)? / 2;
        if names < 2 || segments.len() != 2 * names + 1 {
            return None;
        }
        let types = segments.get(..names)?;
        let parent_names = segments.get(names + 1..segments.len() - 1)?;
        return Some(format!(
            "arm:{}/{}",
            types.join("/"),
            parent_names.join("/")
        ));
    }
    if let Some(rest) = own.strip_prefix("id:") {
        let trimmed = rest.trim_end_matches('/');
        let cut = trimmed.rfind('/')?;
        let cut = trimmed.get(..cut)?.rfind('/')?;
        return Some(format!("id:{}", trimmed.get(..cut)?));
    }
    None
}

/// A deploymentScripts resource's text that may commit configurations.
#[derive(Debug)]
pub(super) struct CommitScript {
    text: Val<String>,
    address: String,
    span: Span,
}

impl Lowering {
    pub(super) fn admin<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let parent_link = |what: &str| -> Result<Spanned<String>, Unknown> {
            match &r.own {
                Ok(k) => parent_key(&k.value)
                    .map(|p| Spanned::new(p, k.span))
                    .ok_or_else(|| Unknown {
                        reason: format!(
                            "the {what} of `{}` could not be determined",
                            r.resource.address
                        ),
                        span: k.span,
                        origin: None,
                    }),
                Err(u) => Err(u.clone()),
            }
        };
        let props = t.member(&r.node, "properties");
        match r.ty.to_ascii_lowercase().as_str() {
            GROUP => self.net.admin_groups.push(AdminGroup {
                resource: r.resource.clone(),
                dynamic: Vec::new(),
            }),
            MEMBER => {
                let vnet = props
                    .as_ref()
                    .and_then(|p| t.member(p, "resourceId"))
                    .map(|n| self.id_link(t, &n))
                    .unwrap_or_else(|| missing(r.resource.span, "resourceId"));
                self.net.admin_members.push(AdminMember {
                    group: link(&parent_link("network group")),
                    vnet,
                    address: r.resource.address.clone(),
                    span: r.resource.span,
                });
            }
            CONFIG => {
                let mode = props
                    .as_ref()
                    .and_then(|p| self.list_at(t, p, "applyOnNetworkIntentPolicyBasedServices"));
                let mode = match mode {
                    None => Spanned::new(Val::Known(IntentPolicyServices::None), r.resource.span),
                    Some(list) => {
                        let span = list.span;
                        let mut m = Val::Known(IntentPolicyServices::None);
                        match list.value {
                            crate::model::values::RawList::Unknown(u) => m = Val::Unknown(u),
                            crate::model::values::RawList::Items(items) => {
                                for i in items {
                                    match i.value {
                                        Val::Unknown(u) => m = Val::Unknown(u),
                                        Val::Known(x) => {
                                            match x.text().to_ascii_lowercase().as_str() {
                                                "all" => m = Val::Known(IntentPolicyServices::All),
                                                "allowrulesonly" => {
                                                    m = Val::Known(
                                                        IntentPolicyServices::AllowRulesOnly,
                                                    )
                                                }
                                                _ => {}
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        Spanned::new(m, span)
                    }
                };
                self.net.admin_configs.push(AdminConfig {
                    resource: r.resource.clone(),
                    intent_policy_services: mode,
                    deployment: Deployment::NotDeployed,
                });
            }
            COLLECTION => {
                let groups = props
                    .as_ref()
                    .and_then(|p| t.member(p, "appliesToGroups"))
                    .map(|list| match t.read(&list) {
                        Prop::List(items) => items
                            .iter()
                            .map(|item| match t.member(item, "networkGroupId") {
                                Some(n) => self.id_link(t, &n),
                                None => missing(t.span(item), "networkGroupId"),
                            })
                            .collect(),
                        Prop::Unknown(u) => vec![Link::Unknown(u)],
                        _ => vec![missing(t.span(&list), "appliesToGroups")],
                    })
                    .unwrap_or_default();
                self.net.admin_collections.push(AdminCollection {
                    resource: r.resource.clone(),
                    config: link(&parent_link("security admin configuration")),
                    groups,
                });
            }
            RULE => self.admin_rule(t, r, link(&parent_link("rule collection"))),
            SCRIPT => {
                let text = props.as_ref().map(|p| script_text(t, p));
                if let Some(text) = text {
                    let commits = match &text {
                        Val::Known(s) => {
                            let s = s.to_ascii_lowercase();
                            s.contains("networkmanagercommit") || s.contains("post-commit")
                        }
                        Val::Unknown(_) => true,
                    };
                    if commits {
                        self.commits.push(CommitScript {
                            text,
                            address: r.resource.address.clone(),
                            span: r.resource.span,
                        });
                    }
                }
            }
            _ => {}
        }
    }

    fn admin_rule<T: Tree>(
        &mut self,
        t: &T,
        r: &ArmResource<T::Node>,
        collection: Link<crate::model::admin::AdminCollectionId>,
    ) {
        let span = r.resource.span;
        if let Some(kind) = t.member(&r.node, "kind") {
            if let Prop::Str(k) = t.read(&kind) {
                if !k.eq_ignore_ascii_case("Custom") {
                    // `Default` rules carry a flag, not a match: not modelled.
                    self.problem(Problem::new(
                        crate::model::ProblemKind::Note,
                        crate::model::Severity::Warning,
                        format!(
                            "admin rule of kind `{k}` is not evaluated (only `Custom` rules are)"
                        ),
                        t.span(&kind),
                    ));
                    return;
                }
            }
        }
        let mut base = RawRule::new(
            span,
            RuleOrigin::Standalone {
                address: r.resource.address.clone(),
            },
        );
        // A child's name is `manager/configuration/collection/rule`: the rule is the last.
        let own = r.resource.name.value.rsplit('/').next().unwrap_or_default();
        base.name = r.name.clone().or_else(|| {
            Some(Spanned::new(
                Val::Known(crate::model::values::Raw::Str(own.to_string())),
                r.resource.name.span,
            ))
        });
        let props = t.member(&r.node, "properties");
        let (mut priority, mut action, mut sources, mut destinations) = (None, None, None, None);
        if let Some(p) = &props {
            base.description = self.scalar_at(t, p, "description");
            base.direction = self.scalar_at(t, p, "direction");
            base.protocol = self.scalar_at(t, p, "protocol");
            base.source_port_ranges = self.list_at(t, p, "sourcePortRanges");
            base.destination_port_ranges = self.list_at(t, p, "destinationPortRanges");
            priority = self.scalar_at(t, p, "priority");
            action = self.scalar_at(t, p, "access");
            sources = self.admin_addresses(t, p, "sources");
            destinations = self.admin_addresses(t, p, "destinations");
        }
        let raw = RawAdminRule {
            base,
            priority,
            action,
            sources,
            destinations,
            collection,
            address: r.resource.address.clone(),
        };
        let rule = build_admin_rule(raw, Dialect::Arm, &mut self.net.problems);
        self.net.admin_rules.push(rule);
    }

    fn admin_addresses<T: Tree>(
        &mut self,
        t: &T,
        props: &T::Node,
        key: &str,
    ) -> Option<crate::model::admin_build::RawAdminAddresses> {
        let list = t.member(props, key)?;
        let span = t.span(&list);
        Some(Spanned::new(
            match t.read(&list) {
                Prop::List(items) => Val::Known(
                    items
                        .iter()
                        .map(|item| RawAdminAddress {
                            prefix: self.scalar_at(t, item, "addressPrefix"),
                            kind: self.scalar_at(t, item, "addressPrefixType"),
                            span: t.span(item),
                        })
                        .collect(),
                ),
                Prop::Unknown(u) => Val::Unknown(u),
                Prop::Null => return None,
                other => {
                    let msg = format!("`{key}` is a {}, not an array", other.type_name());
                    self.problem(Problem::invalid(msg.clone(), span));
                    Val::unknown(msg, span)
                }
            },
            span,
        ))
    }

    /// Turn commit scripts into deployments of the configurations they name.
    pub(super) fn finish_admin(&mut self) {
        for s in std::mem::take(&mut self.commits) {
            let configs = match &s.text {
                Val::Unknown(u) => Val::Unknown(Unknown {
                    reason: format!(
                        "deployment script `{}` may commit security admin configurations; which ones is not known ({})",
                        s.address, u.reason
                    ),
                    span: u.span, origin: None,
                }),
                Val::Known(text) => {
                    let text = text.to_ascii_lowercase();
                    Val::Known(
                        self.net
                            .admin_configs
                            .iter()
                            .filter(|c| {
                                // `manager/configuration`: ids end `…/securityAdminConfigurations/<configuration>`.
                                let full = c.resource.name.value.to_ascii_lowercase();
                                let name = full.rsplit('/').next().unwrap_or_default();
                                text.contains(&format!("securityadminconfigurations/{name}"))
                            })
                            .filter_map(|c| c.resource.keys.first())
                            .map(|k| Link::Key(Spanned::new(k.clone(), s.span)))
                            .collect(),
                    )
                }
            };
            self.net.admin_deployments.push(AdminDeployment {
                configs,
                scope_access: Spanned::new(Val::Known("SecurityAdmin".into()), s.span),
                address: s.address,
                span: s.span,
            });
        }
    }
}

fn missing<Id>(span: Span, key: &str) -> Link<Id> {
    Link::Unknown(Unknown {
        reason: format!("`{key}` is not set"),
        span,
        origin: None,
    })
}

/// The text of a deployment script that says what it runs: `arguments` and `scriptContent`.
fn script_text<T: Tree>(t: &T, props: &T::Node) -> Val<String> {
    let mut out = String::new();
    for key in ["arguments", "scriptContent"] {
        if let Some(n) = t.member(props, key) {
            match t.read(&n) {
                Prop::Str(s) => {
                    out.push_str(&s);
                    out.push('\n');
                }
                // A value known only in part (an id with the deployment's subscription) still
                // names what it names: its label is the text with placeholders.
                Prop::Unknown(u) => match t.label(&n) {
                    Some(label) => {
                        out.push_str(&label);
                        out.push('\n');
                    }
                    None => return Val::Unknown(u),
                },
                _ => {}
            }
        }
    }
    Val::Known(out)
}

#[cfg(test)]
mod tests {
    use super::parent_key;

    #[test]
    fn parent_keys_drop_the_last_type_and_name() {
        assert_eq!(
            parent_key("arm:microsoft.network/networkmanagers/networkgroups/staticmembers/nm/g/m")
                .as_deref(),
            Some("arm:microsoft.network/networkmanagers/networkgroups/nm/g")
        );
        assert_eq!(
            parent_key("id:/subscriptions/s/resourcegroups/r/providers/microsoft.network/networkmanagers/nm/networkgroups/g")
                .as_deref(),
            Some("id:/subscriptions/s/resourcegroups/r/providers/microsoft.network/networkmanagers/nm")
        );
        assert_eq!(parent_key("arm:microsoft.network/networkmanagers/nm"), None);
    }
}

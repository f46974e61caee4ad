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
    IntentPolicyServices, Region,
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
pub const POLICY: &str = "microsoft.authorization/policydefinitions";

pub fn is_admin_type(ty: &str) -> bool {
    matches!(
        ty.to_ascii_lowercase().as_str(),
        GROUP | MEMBER | CONFIG | COLLECTION | RULE | SCRIPT | POLICY
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
            // azapi names the parent (`parent_id`); a template's child names its parent's names.
            if let Some(parent) = &r.parent {
                return parent.clone();
            }
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
                            crate::model::values::RawList::Unknown(u) => {
                                m = Val::Unknown(Box::new(u))
                            }
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
                    regions: Vec::new(),
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
                        Prop::Unknown(u) => vec![Link::Unknown(Box::new(u))],
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
            POLICY => {
                if let Some(p) = &props {
                    self.admin_policy(t, r, p);
                }
            }
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

    /// A policy definition of mode `Microsoft.Network.Data` whose effect is
    /// `addToNetworkGroup` adds VNets to the network group its `networkGroupId` names; which
    /// VNets depends on Azure resources nsgate cannot see. A definition is read as in effect
    /// whether or not this input assigns it (an assignment may live at a wider scope).
    fn admin_policy<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>, props: &T::Node) {
        let mode = t.member(props, "mode").map(|m| t.read(&m));
        if !matches!(&mode, Some(Prop::Str(m)) if m.eq_ignore_ascii_case("Microsoft.Network.Data"))
        {
            return;
        }
        let then = t
            .member(props, "policyRule")
            .and_then(|rule| t.member(&rule, "then"));
        let effect = then.as_ref().and_then(|then| t.member(then, "effect"));
        if let Some(Prop::Str(e)) = effect.as_ref().map(|e| t.read(e)) {
            // `[parameters('effect')]` (escaped for the policy engine) may still say so.
            let literal = !e.starts_with('[');
            if literal && !e.eq_ignore_ascii_case("addToNetworkGroup") {
                return;
            }
        }
        let group = then
            .as_ref()
            .and_then(|then| t.member(then, "details"))
            .and_then(|details| t.member(&details, "networkGroupId"))
            .map(|id| match t.read(&id) {
                // A policy-engine expression (`[[parameters('networkGroupId')]` in the template).
                Prop::Str(e) if e.starts_with('[') => Link::Unknown(Box::new(Unknown {
                    reason: format!("the network group is the policy expression `{e}`"),
                    span: t.span(&id),
                    origin: None,
                })),
                _ => self.id_link(t, &id),
            })
            .unwrap_or_else(|| {
                Link::Unknown(Box::new(Unknown {
                    reason: "the policy rule names no network group".into(),
                    span: r.resource.span,
                    origin: None,
                }))
            });
        self.net
            .admin_policies
            .push(crate::model::admin::AdminPolicy {
                group,
                address: r.resource.address.clone(),
                span: r.resource.span,
            });
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
                Prop::Unknown(u) => Val::Unknown(Box::new(u)),
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
                Val::Unknown(u) => Val::Unknown(Box::new(Unknown {
                    reason: format!(
                        "deployment script `{}` may commit security admin configurations; which ones is not known ({})",
                        s.address, u.reason
                    ),
                    span: u.span, origin: None,
                })),
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
            let regions = match &s.text {
                Val::Known(text) => match target_regions(text) {
                    Some(list) => Val::Known(
                        list.into_iter()
                            .map(|r| match r {
                                Target::Name(name) => {
                                    Region::new(Spanned::new(Val::Known(name), s.span))
                                }
                                Target::Expr(expr) => Region {
                                    name: Spanned::new(
                                        Val::unknown(
                                            format!("deployment script `{}` commits to region `{expr}`, which is known only at deployment time", s.address),
                                            s.span,
                                        ),
                                        s.span,
                                    ),
                                    expr: Some(expr),
                                },
                            })
                            .collect(),
                    ),
                    None => Val::unknown(
                        format!(
                            "the regions deployment script `{}` commits to are not written as literal region names",
                            s.address
                        ),
                        s.span,
                    ),
                },
                Val::Unknown(u) => Val::Unknown(Box::new(Unknown {
                    reason: format!(
                        "the regions deployment script `{}` commits to are not known ({})",
                        s.address, u.reason
                    ),
                    span: u.span,
                    origin: None,
                })),
            };
            self.net.admin_deployments.push(AdminDeployment {
                configs,
                regions,
                scope_access: Spanned::new(Val::Known("SecurityAdmin".into()), s.span),
                address: s.address,
                span: s.span,
            });
        }
    }
}

impl Lowering {
    /// A resource's `location`; Unknown when it is not set or cannot be evaluated.
    pub(super) fn location_of<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) -> Region {
        let span = r.resource.span;
        let node = t.member(&r.node, "location");
        let expr = node.as_ref().and_then(|n| t.label(n));
        let name = match node.and_then(|n| self.scalar(t, &n, "location")) {
            Some(f) => Spanned::new(
                match f.value {
                    Val::Known(v) => Val::Known(v.text()),
                    Val::Unknown(u) => Val::Unknown(u),
                },
                f.span,
            ),
            None => Spanned::new(Val::unknown("`location` is not set", span), span),
        };
        Region { name, expr }
    }
}

impl Lowering {
    /// A network manager `commit` action written as data (azapi `azapi_resource_action` with
    /// `action = "commit"`): its body's `commitType`, `configurationIds` and
    /// `targetLocations` make a deployment.
    pub fn admin_commit<T: Tree>(&mut self, t: &T, body: &T::Node, address: &str, span: Span) {
        let scope_access = match t.member(body, "commitType") {
            Some(n) => Spanned::new(
                match t.read(&n) {
                    Prop::Str(s) => Val::Known(s),
                    Prop::Unknown(u) => Val::Unknown(Box::new(u)),
                    other => Val::unknown(
                        format!("`commitType` is a {}, not a string", other.type_name()),
                        t.span(&n),
                    ),
                },
                t.span(&n),
            ),
            None => Spanned::new(Val::unknown("`commitType` is not set", span), span),
        };
        let list = |key: &str| -> Result<Vec<T::Node>, Unknown> {
            let Some(n) = t.member(body, key) else {
                return Err(Unknown {
                    reason: format!("`{key}` is not set"),
                    span,
                    origin: None,
                });
            };
            match t.read(&n) {
                Prop::List(items) => Ok(items),
                Prop::Unknown(u) => Err(u),
                other => Err(Unknown {
                    reason: format!("`{key}` is a {}, not a list", other.type_name()),
                    span: t.span(&n),
                    origin: None,
                }),
            }
        };
        let configs = match list("configurationIds") {
            Ok(items) => Val::Known(items.iter().map(|i| self.id_link(t, i)).collect()),
            Err(u) => Val::Unknown(Box::new(u)),
        };
        let regions = match list("targetLocations") {
            Ok(items) => Val::Known(
                items
                    .iter()
                    .map(|i| {
                        let s = t.span(i);
                        let name = match t.read(i) {
                            Prop::Str(r) => Val::Known(r),
                            Prop::Unknown(u) => Val::Unknown(Box::new(u)),
                            other => Val::unknown(
                                format!("a target location is a {}", other.type_name()),
                                s,
                            ),
                        };
                        Region {
                            name: Spanned::new(name, s),
                            expr: t.label(i),
                        }
                    })
                    .collect(),
            ),
            Err(u) => Val::Unknown(Box::new(u)),
        };
        self.net.admin_deployments.push(AdminDeployment {
            configs,
            scope_access,
            regions,
            address: address.to_string(),
            span,
        });
    }
}

/// The regions a commit script names after its target-location parameter
/// (`Deploy-AzNetworkManagerCommit -TargetLocation westeurope,eastus`, `az network manager
/// post-commit --target-locations westeurope eastus`, or a script argument
/// `-targetLocations westeurope` passed on to it). Values that are script variables
/// (`$targetLocations`) or not plain region names are skipped; `None` when no literal region
/// is written. A value that is one deployment-time expression (`{resourceGroup().location}`
/// in the text of a partly known value) is kept as that expression.
pub fn target_regions(text: &str) -> Option<Vec<Target>> {
    let words = shell_words(text);
    let mut out: Vec<Target> = Vec::new();
    let mut reading = false;
    for w in words {
        if w.starts_with('-') {
            let flag = w
                .trim_start_matches('-')
                .to_ascii_lowercase()
                .replace('-', "");
            reading = matches!(flag.as_str(), "targetlocation" | "targetlocations");
            continue;
        }
        if !reading {
            continue;
        }
        for item in w.split(',') {
            let item = item.trim_matches(|c: char| "@()\"' ".contains(c));
            let plain =
                !item.is_empty() && item.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ');
            let one_expr = item.starts_with('{')
                && item.ends_with('}')
                && item.matches('{').count() == 1
                && item.matches('}').count() == 1;
            let target = if plain {
                Target::Name(item.to_string())
            } else if one_expr {
                Target::Expr(item.to_string())
            } else {
                continue;
            };
            if !out.contains(&target) {
                out.push(target);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A region a commit names: a literal, or one deployment-time expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Name(String),
    Expr(String),
}

/// Words of a command line: whitespace separates them except inside quotes and `{…}`
/// placeholders; `;`, `|` and line ends separate commands (a `-` word ends a flag's values).
fn shell_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                if q == '}' {
                    word.push(c);
                }
            }
            None if c == '{' => {
                quote = Some('}');
                word.push(c);
            }
            Some(_) => word.push(c),
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == ';' || c == '|' || c == '\n' => {
                out.push(std::mem::take(&mut word));
                out.push("-".into());
            }
            None if c.is_whitespace() => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            None => word.push(c),
        }
    }
    out.push(word);
    out
}

fn missing<Id>(span: Span, key: &str) -> Link<Id> {
    Link::Unknown(Box::new(Unknown {
        reason: format!("`{key}` is not set"),
        span,
        origin: None,
    }))
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
                    None => return Val::Unknown(Box::new(u)),
                },
                _ => {}
            }
        }
    }
    Val::Known(out)
}

#[cfg(test)]
mod tests {
    use super::{parent_key, Target};

    #[test]
    fn commit_regions_are_the_literal_target_locations() {
        let regions = |s: &str| {
            super::target_regions(s).map(|v| {
                v.into_iter()
                    .map(|t| match t {
                        Target::Name(n) => n,
                        Target::Expr(e) => format!("expr {e}"),
                    })
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            regions("Deploy-AzNetworkManagerCommit -Name nm -TargetLocation westeurope,eastus -CommitType SecurityAdmin"),
            Some(vec!["westeurope".into(), "eastus".into()])
        );
        assert_eq!(
            regions("az network manager post-commit --target-locations westeurope \"North Europe\" --commit-type SecurityAdmin"),
            Some(vec!["westeurope".into(), "North Europe".into()])
        );
        assert_eq!(
            regions("-targetLocations westeurope\nDeploy-AzNetworkManagerCommit -TargetLocation $targetLocations"),
            Some(vec!["westeurope".into()])
        );
        assert_eq!(
            regions("-TargetLocation @('westeurope', 'eastus')"),
            Some(vec!["westeurope".into(), "eastus".into()])
        );
        assert_eq!(
            regions("Deploy-AzNetworkManagerCommit -TargetLocation $loc"),
            None
        );
        assert_eq!(
            regions("-targetLocations {resourceGroup().location} -x {a b}"),
            Some(vec!["expr {resourceGroup().location}".into()])
        );
        assert_eq!(regions("Deploy-AzNetworkManagerCommit -Name nm"), None);
    }

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

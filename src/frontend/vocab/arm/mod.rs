//! The `arm` vocabulary: Azure resource types with their property paths (nsg-semantics §4.1),
//! lowered into the network model once for every input language that writes them — ARM
//! templates, Bicep, and `azapi_resource` bodies in Terraform.
//!
//! An evaluator describes each resource instance as an [`ArmResource`] (its type, the record
//! nsgate shows and links by, and how it names its parent) and exposes its spanned values
//! through [`Tree`]. The lowering reads only the properties the model needs, so a lazy
//! evaluator evaluates nothing else. Links are written as keys for the model linker; which
//! keys a resource has is the evaluator's business (ARM ids, Terraform addresses…).

mod admin;
mod cloud_service;
pub mod cscfg;
pub mod id;
mod load_balancer;
mod network;
mod nic;
mod nsg;
mod read;
mod scale_set;
mod tenants;
mod update;

use std::collections::HashMap;

use crate::model::values::RawField;
use crate::model::{
    Asg, Link, Network, Problem, ProblemKind, Resource, Severity, Spanned, Unknown, VnetId,
};
use crate::source::Span;

/// Resource types the lowering reads (lower-cased, as compared).
pub const NSG: &str = "microsoft.network/networksecuritygroups";
pub const RULE: &str = "microsoft.network/networksecuritygroups/securityrules";
pub const VNET: &str = "microsoft.network/virtualnetworks";
pub const SUBNET: &str = "microsoft.network/virtualnetworks/subnets";
pub const PEERING: &str = "microsoft.network/virtualnetworks/virtualnetworkpeerings";
pub const NIC: &str = "microsoft.network/networkinterfaces";
pub const ASG: &str = "microsoft.network/applicationsecuritygroups";
/// Types that place tenants in subnets (nsg-semantics §6.6).
pub const SCALE_SET: &str = "microsoft.compute/virtualmachinescalesets";
pub const LOAD_BALANCER: &str = "microsoft.network/loadbalancers";
pub const LB_POOL: &str = "microsoft.network/loadbalancers/backendaddresspools";
pub const BASTION: &str = "microsoft.network/bastionhosts";
pub const APP_GATEWAY: &str = "microsoft.network/applicationgateways";
pub const AKS: &str = "microsoft.containerservice/managedclusters";
pub const AKS_POOL: &str = "microsoft.containerservice/managedclusters/agentpools";
pub const PRIVATE_ENDPOINT: &str = "microsoft.network/privateendpoints";
pub const CLOUD_SERVICE: &str = "microsoft.compute/cloudservices";

/// Whether the lowering reads resources of this type (any case).
pub fn is_network_type(ty: &str) -> bool {
    matches!(
        ty.to_ascii_lowercase().as_str(),
        NSG | RULE
            | VNET
            | SUBNET
            | PEERING
            | NIC
            | ASG
            | SCALE_SET
            | LOAD_BALANCER
            | LB_POOL
            | BASTION
            | APP_GATEWAY
            | AKS
            | AKS_POOL
            | PRIVATE_ENDPOINT
            | CLOUD_SERVICE
    ) || admin::is_admin_type(ty)
}

/// What one value holds, as the lowering sees it. Lists hand out their items as nodes, so
/// each item keeps its own span; objects are read member by member through [`Tree::member`].
#[derive(Debug, Clone)]
pub enum Prop<N> {
    Null,
    Str(String),
    Num(f64),
    Bool(bool),
    List(Vec<N>),
    Object,
    Unknown(Unknown),
}

impl<N> Prop<N> {
    /// The type's name in messages (ARM's names).
    pub fn type_name(&self) -> &'static str {
        match self {
            Prop::Null => "null",
            Prop::Str(_) => "string",
            Prop::Num(_) => "int",
            Prop::Bool(_) => "bool",
            Prop::List(_) => "array",
            Prop::Object => "object",
            Prop::Unknown(_) => "unknown",
        }
    }
}

/// A value used as a resource id (`{"id": …}` references, `parent_id`).
#[derive(Debug, Clone)]
pub enum IdKey {
    /// The link key of the resource it names.
    Key(String),
    Unknown(Unknown),
    /// A known value that is no resource id; the text is shown in the message.
    Invalid(String),
}

/// The spanned value tree of one resource instance, from any evaluator of the vocabulary.
pub trait Tree {
    type Node: Clone;
    /// Member `key` of an object (Azure property names are case-insensitive); `None` when
    /// absent or null. Members of an unknown object are unknown.
    fn member(&self, node: &Self::Node, key: &str) -> Option<Self::Node>;
    /// What a value holds.
    fn read(&self, node: &Self::Node) -> Prop<Self::Node>;
    fn span(&self, node: &Self::Node) -> Span;
    /// A value holding a resource id, as a link key.
    fn id_key(&self, node: &Self::Node) -> IdKey;
    /// An unknown value that is still a deterministic function of the deployment (an ARM
    /// name `[parameters('x')]`) as it is written; names only label things.
    fn label(&self, _node: &Self::Node) -> Option<String> {
        None
    }
    /// Keys of a resource written inline in this one (a subnet in a VNet's `subnets`), of
    /// type `ty`, named by `name`.
    fn child_keys(&self, ty: &str, name: &Self::Node) -> Vec<String>;
    /// The link key of a resource of type `ty` named `names` (one per type segment) in the
    /// resource group this resource is deployed to: a VNet's subnet named by a Cloud Services
    /// configuration. `None` when the evaluator cannot tell.
    fn scope_key(&self, _ty: &str, _names: &[&str]) -> Option<String> {
        None
    }
    /// The link key of a resource named by a literal Azure id written outside the value tree
    /// (in a `.cscfg`); `None` when `id` is not a resource id.
    fn literal_id_key(&self, _id: &str) -> Option<String> {
        None
    }
}

/// The link to another resource: a key, or why it is not known.
pub type Target = Result<Spanned<String>, Unknown>;

pub fn link<Id>(target: &Target) -> Link<Id> {
    match target {
        Ok(key) => Link::Key(key.clone()),
        Err(u) => Link::Unknown(Box::new(u.clone())),
    }
}

/// One resource instance, described by its evaluator.
pub struct ArmResource<N> {
    /// Full type, any case (`Microsoft.Network/virtualNetworks/subnets`).
    pub ty: String,
    /// The resource object; `properties` is read from it.
    pub node: N,
    /// Display name (the child's own name for a child resource), address, keys, span.
    pub resource: Resource,
    /// The resource's own name as written (the child's own name for a child resource);
    /// `None` when it could not be determined (the evaluator reported why).
    pub name: Option<RawField>,
    /// The resource itself, for what is written inline in it (a VNet's subnets).
    pub own: Target,
    /// The parent of a child type: the NSG of a rule, the VNet of a subnet or peering.
    pub parent: Option<Target>,
}

/// Lowers the resources of one input (a template with its nested deployments, a Terraform
/// module tree) into an unlinked network fragment.
#[derive(Default)]
pub struct Lowering {
    pub net: Network,
    /// Child peering resources: (VNet link key, remote VNet), attached in [`Lowering::finish`].
    peerings: Vec<(String, Link<VnetId>, Span)>,
    /// Cloud Services files beside the input (`.cscfg`, `.csdef`), already parsed.
    pub service_files: cscfg::ServiceFiles,
    /// Deployment scripts that commit network manager configurations ([`admin`]).
    commits: Vec<admin::CommitScript>,
}

impl Lowering {
    pub fn new() -> Lowering {
        Lowering::default()
    }

    /// Lower one resource; types the model does not know are ignored.
    pub fn resource<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        match r.ty.to_ascii_lowercase().as_str() {
            NSG => self.nsg(t, r),
            RULE => self.rule_resource(t, r),
            VNET => self.vnet(t, r),
            SUBNET => self.subnet_resource(t, r),
            PEERING => self.peering_resource(t, r),
            NIC => self.nic(t, r),
            ASG => self.net.asgs.push(Asg {
                resource: r.resource.clone(),
            }),
            SCALE_SET => self.scale_set(t, r),
            LOAD_BALANCER => self.load_balancer(t, r),
            LB_POOL => self.pool_resource(r),
            BASTION => self.bastion(t, r),
            APP_GATEWAY => self.application_gateway(t, r),
            AKS => self.aks(t, r),
            AKS_POOL => self.aks_pool(t, r),
            PRIVATE_ENDPOINT => self.private_endpoint(t, r),
            CLOUD_SERVICE => self.cloud_service(t, r),
            ty if admin::is_admin_type(ty) => self.admin(t, r),
            _ => {}
        }
    }

    fn problem(&mut self, p: Problem) {
        self.net.problems.push(p);
    }

    /// Attach child peerings to their VNets and return the fragment.
    pub fn finish(mut self) -> Network {
        self.finish_admin();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (i, v) in self.net.vnets.iter().enumerate() {
            for k in &v.resource.keys {
                by_key.entry(k.to_ascii_lowercase()).or_insert(i);
            }
        }
        for (key, link, span) in std::mem::take(&mut self.peerings) {
            match by_key
                .get(&key.to_ascii_lowercase())
                .and_then(|i| self.net.vnets.get_mut(*i))
            {
                Some(v) => v.peerings.push(link),
                None => self.net.problems.push(Problem::new(
                    ProblemKind::Note,
                    Severity::Note,
                    "this peering belongs to a virtual network not defined in this input; it is not evaluated",
                    span,
                )),
            }
        }
        self.net
    }
}

#[cfg(test)]
mod tests;

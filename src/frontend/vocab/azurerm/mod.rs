//! The `azurerm` vocabulary: the Terraform provider's resource types and attribute names, as
//! HCL configurations and plan JSON both write them.
//!
//! So far the security rule — the largest shared mapping — is read here once for both front
//! ends ([`rule::raw_rule`] over [`Attrs`]); the rest of the azurerm resources are still
//! mapped in `frontend/terraform/lower/` and `frontend/plan/lower/` (their linking differs:
//! HCL links through reference provenance, plans through ids and the configuration), and move
//! here the same way.

pub mod rule;

use crate::model::values::{RawField, RawListField};
use crate::model::{AsgId, Link, Spanned};

/// The attributes of one azurerm resource instance or nested block, from any evaluator: a
/// spanned scalar or list, or Unknown; `None` when unset.
pub trait Attrs {
    fn scalar(&mut self, attr: &'static str) -> Option<RawField>;
    fn list(&mut self, attr: &'static str) -> Option<RawListField>;
    /// A list of application security group ids, as links.
    fn asg_ids(&mut self, attr: &'static str) -> Option<Spanned<Vec<Link<AsgId>>>>;
}

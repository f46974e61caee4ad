//! The two vocabularies input languages describe Azure networks in, and one lowering each
//! into the network model (architecture.md, data flow):
//! - [`arm`]: Azure resource types and their property paths, as ARM templates, Bicep and
//!   `azapi_resource` bodies write them.
//!
//! An evaluator feeds a lowering through a small trait that reads the spanned values of one
//! resource instance; a new resource type is then added once per vocabulary, not once per
//! input language.

pub mod arm;

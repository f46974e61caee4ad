//! nsgate: evaluates Azure network security groups written as infrastructure as code with
//! Azure's exact semantics, and gates deployments on declarative policies.
//!
//! Data flow (see `architecture.md`): [`frontend`] → [`model`] (linked) → [`eval`] ← policy →
//! report. Each module owns one concern; dependencies point one way.

#![cfg_attr(test, allow(clippy::string_slice))]

pub mod cli;
pub mod discover;
pub mod eval;
pub mod frontend;
pub mod model;
pub mod policy;
pub mod report;
pub mod source;

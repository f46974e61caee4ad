//! The evaluator: pure set algebra over flows, with Azure's exact NSG semantics.
//!
//! - [`flowset`]: exact flow sets (protocol × addresses × ports, IPv4 and IPv6) with
//!   intersection, difference, emptiness and witnesses;
//! - [`tags`]: service tags and special ranges offline (nsg-semantics §2.4);
//! - [`compile`]: one rule as a certain and a possible match, in its context (tags, ASGs);
//! - [`compiled`]: each NSG's rules compiled once per context, shared by a check run;
//! - [`fold`]: the first-match fold of one NSG in one direction, with the region each rule
//!   decides, uncertain regions, and dead rules;
//! - [`path`]: NIC and subnet NSGs along a flow's path (§2.6), and the query API
//!   [`path::evaluate_path`].
//!
//! No I/O and no knowledge of files or formats: spans are carried through untouched.

pub mod admin;
pub mod compile;
pub mod compiled;
pub mod flowset;
pub mod fold;
pub mod intervals;
pub mod path;
pub mod tags;

#[cfg(test)]
mod tests;

pub use flowset::{Cube, Flow, FlowSet, TooComplex};
pub use path::{evaluate_path, Endpoint, PathResult};

//! The post-apply world (nsg-semantics §5.2, §5.3): which object each resource instance will
//! be after `terraform apply`, and where in the plan it is written.
//!
//! - `resource_changes`: the `after` object of every instance whose actions do not end in its
//!   removal (`["delete"]` and `["forget"]` are dropped, replacements count as their new
//!   value, `no-op` has `after == before`, data sources being `read` may be unknown); its
//!   `after_unknown` says which values are known only after apply. Deposed objects are being
//!   destroyed and are skipped.
//! - `planned_values`, then `prior_state`: instances that have no change entry (older plans,
//!   data sources read during planning).
//!
//! Each part is skimmed (see [`skim`]); the objects of network resources are read in place.
//! Entries are prepared on several threads (most instances lowered there, see
//! [`Lowerer::lower_apart`]) and applied in the plan's order, so the model is the same as a
//! walk on one thread.

use std::collections::HashSet;
use std::ops::Range;

use rayon::prelude::*;

use crate::frontend::json::JsonError;
use crate::frontend::plan::address::Address;
use crate::frontend::plan::config::{Config, Scope};
use crate::frontend::plan::lower::{is_network_type, Instance, Lowered, Lowerer};
use crate::frontend::plan::skim;
use crate::frontend::plan::value::View;
use crate::model::{Problem, ProblemKind, Severity};
use crate::source::Span;

/// Walks the plan's parts in order and lowers each instance once.
pub struct World<'t, 'c, 'l> {
    pub doc: &'t skim::Doc<'t>,
    pub config: &'c Config<'c>,
    pub lower: &'l mut Lowerer<'c>,
    seen: HashSet<String>,
}

/// Deepest module nesting walked in `planned_values`/`prior_state`.
const MAX_MODULE_DEPTH: usize = 64;

impl<'t, 'c, 'l> World<'t, 'c, 'l> {
    pub fn new(doc: &'t skim::Doc<'t>, config: &'c Config<'c>, lower: &'l mut Lowerer<'c>) -> Self {
        World {
            doc,
            config,
            lower,
            seen: HashSet::new(),
        }
    }

    fn span(&self, range: &Range<usize>) -> Span {
        Span::new(self.lower.file, range.start, range.end)
    }

    fn note(&mut self, range: &Range<usize>, kind: ProblemKind, severity: Severity, msg: String) {
        let span = self.span(range);
        self.lower.problem(Problem::new(kind, severity, msg, span));
    }

    /// `resource_changes[]`.
    pub fn resource_changes(&mut self, range: Range<usize>) -> Result<(), JsonError> {
        let entries = self.doc.items(range);
        self.in_batches(&entries, |prepare, doc, entry| prepare.change(doc, entry));
        Ok(())
    }

    /// Prepare the entries (lowering most instances: see [`Lowerer::lower_apart`]) in
    /// parallel, a batch at a time, and apply each batch in order: the result is the same as
    /// one entry after another.
    fn in_batches<F>(&mut self, entries: &[Range<usize>], prepare_one: F)
    where
        F: Fn(&Prepare<'_, 'c>, &skim::Doc<'_>, Range<usize>) -> Step<'c> + Sync,
    {
        for batch in entries.chunks(BATCH) {
            let prepare = Prepare {
                config: self.config,
                lower: &*self.lower,
                seen: &self.seen,
            };
            // A small plan (most real ones) is prepared on this thread: handing it to the
            // pool costs more than it saves.
            let steps: Vec<Step<'c>> = if batch.len() < PARALLEL_MIN {
                batch
                    .iter()
                    .map(|e| prepare_one(&prepare, self.doc, e.clone()))
                    .collect()
            } else {
                batch
                    .par_iter()
                    .map_init(
                        || self.doc.fork(),
                        |doc, e| prepare_one(&prepare, doc, e.clone()),
                    )
                    .collect()
            };
            for step in steps {
                self.apply(step);
            }
        }
    }

    fn apply(&mut self, step: Step<'c>) {
        if let Some(address) = step.seen {
            // An instance already lowered from an earlier part is not lowered again.
            if !self.seen.insert(address) && step.unless_seen {
                return;
            }
        }
        match step.action {
            Action::None => {}
            Action::Note(range, kind, severity, message) => {
                self.note(&range, kind, severity, message)
            }
            Action::Removed(inst, before) => {
                let view = View::root(self.doc, self.lower.file, Some(before), None, inst.span, "");
                self.lower.removed(&inst, &view);
            }
            Action::Lower(inst, values, unknown) => {
                let view = View::root(self.doc, self.lower.file, values, unknown, inst.span, "");
                self.lower.instance(&inst, &view);
            }
            Action::Lowered(inst, lowered) => self.lower.lowered(&inst, *lowered),
        }
    }

    /// `planned_values` or `prior_state.values`: `root_module` with nested `child_modules`.
    pub fn values(&mut self, range: Range<usize>) -> Result<(), JsonError> {
        if let Some(root) = self.doc.member(range, "root_module") {
            self.module(root, 0)?;
        }
        Ok(())
    }

    fn module(&mut self, range: Range<usize>, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_MODULE_DEPTH {
            return Ok(());
        }
        let doc = self.doc;
        if let Some(resources) = doc.member(range.clone(), "resources") {
            let entries = doc.items(resources);
            self.in_batches(&entries, |prepare, doc, entry| {
                prepare.value_resource(doc, entry)
            });
        }
        if let Some(children) = doc.member(range, "child_modules") {
            for c in doc.items(children) {
                self.module(c, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// Entries prepared at once: bounds what is held between preparing and applying (a few MB),
/// while giving the threads long runs of work.
#[cfg(not(test))]
const BATCH: usize = 4096;
/// Batches smaller than this are prepared on the calling thread.
#[cfg(not(test))]
const PARALLEL_MIN: usize = 64;
/// Tests use batches of two, prepared on the pool (a last batch of one is not), so that their
/// plans cross batch boundaries and take both paths.
#[cfg(test)]
const BATCH: usize = 2;
#[cfg(test)]
const PARALLEL_MIN: usize = 2;

/// What one entry does to the walk, worked out without changing it.
struct Step<'c> {
    /// The instance's canonical address, when it could be read.
    seen: Option<String>,
    /// The action applies only if no earlier entry had this address (`planned_values` and
    /// `prior_state` only add instances that have no change).
    unless_seen: bool,
    action: Action<'c>,
}

impl<'c> Step<'c> {
    fn nothing() -> Step<'c> {
        Step::only(Action::None)
    }

    /// An action that records no address (the entry's could not be read, or is skipped).
    fn only(action: Action<'c>) -> Step<'c> {
        Step {
            seen: None,
            unless_seen: false,
            action,
        }
    }
}

enum Action<'c> {
    None,
    Note(Range<usize>, ProblemKind, Severity, String),
    /// Removed by apply: its `before` object still tells which mirrored copy to drop.
    Removed(Instance<'c>, Range<usize>),
    /// Lowered in order by [`Lowerer::instance`] (its planned object and `after_unknown`).
    Lower(Instance<'c>, Option<Range<usize>>, Option<Range<usize>>),
    /// Lowered already ([`Lowerer::lower_apart`]).
    Lowered(Instance<'c>, Box<Lowered>),
}

impl Action<'_> {
    fn note(range: &Range<usize>, kind: ProblemKind, severity: Severity, message: String) -> Self {
        Action::Note(range.clone(), kind, severity, message)
    }
}

/// The read-only part of a walk, shared by the threads that prepare entries.
struct Prepare<'w, 'c> {
    config: &'c Config<'c>,
    lower: &'w Lowerer<'c>,
    /// Addresses applied by earlier batches.
    seen: &'w HashSet<String>,
}

impl<'c> Prepare<'_, 'c> {
    fn span(&self, range: &Range<usize>) -> Span {
        Span::new(self.lower.file, range.start, range.end)
    }

    /// One entry of `resource_changes`, read with `doc` (this thread's fork of the document).
    fn change(&self, doc: &skim::Doc<'_>, entry: Range<usize>) -> Step<'c> {
        let members = doc.members(entry.clone());
        let get = |k: &str| skim::last_member(&members, k);
        let Some(addr) = address(doc, get("address")) else {
            return Step::only(unreadable_address(doc, get("address"), &entry));
        };
        if get("deposed").is_some_and(|d| !doc.string(d).unwrap_or_default().is_empty()) {
            return Step::nothing();
        }
        let address = addr.canonical();
        let action = self.change_action(doc, addr, &address, &entry, get("change"));
        Step {
            seen: Some(address),
            unless_seen: false,
            action,
        }
    }

    /// One resource of `planned_values` or `prior_state`.
    fn value_resource(&self, doc: &skim::Doc<'_>, entry: Range<usize>) -> Step<'c> {
        let members = doc.members(entry.clone());
        let get = |k: &str| skim::last_member(&members, k);
        let Some(addr) = address(doc, get("address")) else {
            return Step::only(unreadable_address(doc, get("address"), &entry));
        };
        if get("deposed").is_some() || get("deposed_key").is_some() {
            return Step::nothing();
        }
        let address = addr.canonical();
        // Not lowered when an earlier batch had it (nearly always: a plan lists every changed
        // instance in both parts); a repeat within this batch is dropped by `apply`.
        let action = if self.seen.contains(&address) || !is_network_type(addr.mode, &addr.rtype) {
            Action::None
        } else {
            let values = get("values");
            let inst = self.instance(addr, address.clone(), values.as_ref(), self.span(&entry));
            self.lower_in_place(doc, inst, values, None)
        };
        Step {
            seen: Some(address),
            unless_seen: true,
            action,
        }
    }

    /// Lower `inst` here when its type can be ([`Lowerer::lower_apart`]), else later in order.
    fn lower_in_place(
        &self,
        doc: &skim::Doc<'_>,
        inst: Instance<'c>,
        values: Option<Range<usize>>,
        unknown: Option<Range<usize>>,
    ) -> Action<'c> {
        let view = View::root(
            doc,
            self.lower.file,
            values.clone(),
            unknown.clone(),
            inst.span,
            "",
        );
        match self.lower.lower_apart(&inst, &view) {
            Some(lowered) => Action::Lowered(inst, Box::new(lowered)),
            None => Action::Lower(inst, values, unknown),
        }
    }

    fn change_action(
        &self,
        doc: &skim::Doc<'_>,
        addr: Address,
        address: &str,
        entry: &Range<usize>,
        change: Option<Range<usize>>,
    ) -> Action<'c> {
        if !is_network_type(addr.mode, &addr.rtype) {
            return Action::None;
        }
        let Some(change) = change else {
            return Action::note(
                entry,
                ProblemKind::Note,
                Severity::Warning,
                format!("resource change `{address}` has no `change`; it is not evaluated"),
            );
        };
        let change_members = doc.members(change.clone());
        let cget = |k: &str| skim::last_member(&change_members, k);
        let actions: Vec<String> = cget("actions")
            .map(|r| {
                doc.items(r)
                    .into_iter()
                    .filter_map(|a| doc.string(a).map(|s| s.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        if matches!(
            actions.last().map(String::as_str),
            Some("delete" | "forget")
        ) && !actions.iter().any(|a| a == "create")
        {
            // Gone after apply; a removed rule or subnet still tells which mirrored copy to drop.
            let tells = matches!(
                addr.rtype.as_str(),
                "azurerm_network_security_rule" | "azurerm_subnet"
            );
            return match cget("before") {
                Some(before) if tells => {
                    let fallback = self.span(&change);
                    let inst = self.instance(addr, address.to_string(), Some(&before), fallback);
                    Action::Removed(inst, before)
                }
                _ => Action::None,
            };
        }
        let after = cget("after").filter(|r| doc.raw(r.clone()) != "null");
        let unknown = cget("after_unknown");
        if after.is_none() && unknown.is_none() {
            return Action::note(
                &change,
                ProblemKind::Unresolved,
                Severity::Warning,
                format!(
                    "`{address}` ({}) has no planned value; it is not evaluated",
                    actions.join(", ")
                ),
            );
        }
        let fallback = self.span(&change);
        let inst = self.instance(addr, address.to_string(), after.as_ref(), fallback);
        self.lower_in_place(doc, inst, after, unknown)
    }

    fn instance(
        &self,
        addr: Address,
        address: String,
        values: Option<&Range<usize>>,
        fallback: Span,
    ) -> Instance<'c> {
        let config = self
            .config
            .resource(&addr.config_path(), addr.mode, &addr.rtype, &addr.name);
        let span = values
            .map(|r| Span::new(self.lower.file, r.start, r.end))
            .unwrap_or(fallback);
        let scope = Scope {
            module: addr.module.clone(),
            key: addr.key.clone(),
        };
        Instance {
            addr,
            address,
            config,
            scope,
            span,
        }
    }
}

/// The instance address at `range`.
fn address(doc: &skim::Doc<'_>, range: Option<Range<usize>>) -> Option<Address> {
    range
        .and_then(|r| doc.string(r))
        .and_then(|raw| Address::parse(&raw))
}

/// The note for an entry whose address (at `range`) cannot be read.
fn unreadable_address<'c>(
    doc: &skim::Doc<'_>,
    range: Option<Range<usize>>,
    entry: &Range<usize>,
) -> Action<'c> {
    let raw = range.and_then(|r| doc.string(r));
    let shown = raw.as_deref().unwrap_or("<missing>");
    Action::note(
        entry,
        ProblemKind::Note,
        Severity::Warning,
        format!("resource address `{shown}` cannot be read; the resource is not evaluated"),
    )
}

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

use std::collections::HashSet;
use std::ops::Range;

use crate::frontend::json::JsonError;
use crate::frontend::plan::address::Address;
use crate::frontend::plan::config::{Config, Scope};
use crate::frontend::plan::lower::{is_network_type, Instance, Lowerer};
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
        for entry in self.doc.items(range) {
            self.change(entry)?;
        }
        Ok(())
    }

    fn change(&mut self, entry: Range<usize>) -> Result<(), JsonError> {
        let doc = self.doc;
        let members = doc.members(entry.clone());
        let get = |k: &str| {
            members
                .iter()
                .rev()
                .find(|m| m.key == k)
                .map(|m| m.value.clone())
        };
        let Some(addr) = self.address(get("address"), &entry) else {
            return Ok(());
        };
        if get("deposed").is_some_and(|d| !doc.string(d).unwrap_or_default().is_empty()) {
            return Ok(());
        }
        let address = addr.canonical();
        self.seen.insert(address.clone());
        if !is_network_type(addr.mode, &addr.rtype) {
            return Ok(());
        }
        let Some(change) = get("change") else {
            self.note(
                &entry,
                ProblemKind::Note,
                Severity::Warning,
                format!("resource change `{address}` has no `change`; it is not evaluated"),
            );
            return Ok(());
        };
        let change_members = doc.members(change.clone());
        let cget = |k: &str| {
            change_members
                .iter()
                .rev()
                .find(|m| m.key == k)
                .map(|m| m.value.clone())
        };
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
            if matches!(
                addr.rtype.as_str(),
                "azurerm_network_security_rule" | "azurerm_subnet"
            ) {
                if let Some(before) = cget("before") {
                    let fallback = self.span(&change);
                    let inst = self.instance(addr, address, Some(&before), fallback);
                    let view = View::root(doc, self.lower.file, Some(before), None, inst.span, "");
                    self.lower.removed(&inst, &view);
                }
            }
            return Ok(());
        }
        let after = cget("after").filter(|r| doc.raw(r.clone()) != "null");
        let unknown = cget("after_unknown");
        if after.is_none() && unknown.is_none() {
            self.note(
                &change,
                ProblemKind::Unresolved,
                Severity::Warning,
                format!(
                    "`{address}` ({}) has no planned value; it is not evaluated",
                    actions.join(", ")
                ),
            );
            return Ok(());
        }
        let fallback = self.span(&change);
        self.lower_instance(addr, address, after, unknown, fallback);
        Ok(())
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
            for r in doc.items(resources) {
                self.value_resource(r)?;
            }
        }
        if let Some(children) = doc.member(range, "child_modules") {
            for c in doc.items(children) {
                self.module(c, depth + 1)?;
            }
        }
        Ok(())
    }

    fn value_resource(&mut self, entry: Range<usize>) -> Result<(), JsonError> {
        let doc = self.doc;
        let members = doc.members(entry.clone());
        let get = |k: &str| {
            members
                .iter()
                .rev()
                .find(|m| m.key == k)
                .map(|m| m.value.clone())
        };
        let Some(addr) = self.address(get("address"), &entry) else {
            return Ok(());
        };
        if get("deposed").is_some() || get("deposed_key").is_some() {
            return Ok(());
        }
        let address = addr.canonical();
        if !self.seen.insert(address.clone()) || !is_network_type(addr.mode, &addr.rtype) {
            return Ok(());
        }
        let values = get("values");
        let fallback = self.span(&entry);
        self.lower_instance(addr, address, values, None, fallback);
        Ok(())
    }

    fn address(&mut self, range: Option<Range<usize>>, entry: &Range<usize>) -> Option<Address> {
        let raw = range.and_then(|r| self.doc.string(r));
        let parsed = raw.as_deref().and_then(Address::parse);
        if parsed.is_none() {
            let shown = raw.as_deref().unwrap_or("<missing>").to_string();
            self.note(
                entry,
                ProblemKind::Note,
                Severity::Warning,
                format!("resource address `{shown}` cannot be read; the resource is not evaluated"),
            );
        }
        parsed
    }

    fn lower_instance(
        &mut self,
        addr: Address,
        address: String,
        values: Option<Range<usize>>,
        unknown: Option<Range<usize>>,
        fallback: Span,
    ) {
        let inst = self.instance(addr, address, values.as_ref(), fallback);
        let view = View::root(self.doc, self.lower.file, values, unknown, inst.span, "");
        self.lower.instance(&inst, &view);
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

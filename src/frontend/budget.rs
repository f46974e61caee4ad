//! Work budgets for the evaluators. Hostile input makes small text do unbounded work (a list
//! doubled sixty times through shared references is 3 KB of HCL and 2^60 elements to a
//! function that walks it), so each evaluator charges every unit of real work here: an
//! expression evaluated, a value node a function touches (counted through shared parts as if
//! copied), a comparison, a copy-loop instance. When the budget is spent, evaluation yields
//! Unknowns and the load reports one error-level NSG030 naming the budget and the first thing
//! left unevaluated, never a hang, an out-of-memory abort or a silent drop.

use std::cell::{Cell, RefCell};

use crate::model::{Problem, ProblemKind, Severity};
use crate::source::Span;

/// A budget of units of work for one load.
#[derive(Debug)]
pub struct Budget {
    /// Who spends it ("Terraform evaluation"), for the finding.
    name: &'static str,
    limit: u64,
    used: Cell<u64>,
    /// The first thing not evaluated for lack of budget, and where.
    missed: RefCell<Option<(String, Span)>>,
}

impl Budget {
    pub fn new(name: &'static str, limit: u64) -> Budget {
        Budget {
            name,
            limit,
            used: Cell::new(0),
            missed: RefCell::new(None),
        }
    }

    /// Charge `units`; false (and nothing charged) when they are not left. The first refusal
    /// records `what` was not evaluated at `span`.
    pub fn charge(&self, units: u64, span: Span, what: impl FnOnce() -> String) -> bool {
        let used = self.used.get();
        if used.saturating_add(units) <= self.limit {
            self.used.set(used + units);
            return true;
        }
        let mut missed = self.missed.borrow_mut();
        if missed.is_none() {
            *missed = Some((what(), span));
        }
        // Later charges fail too, so one exhausted budget stops the rest of the load quickly.
        self.used.set(self.limit);
        false
    }

    /// Units left before the budget is spent.
    pub fn left(&self) -> u64 {
        self.limit.saturating_sub(self.used.get())
    }

    /// Units charged so far.
    pub fn used(&self) -> u64 {
        self.used.get()
    }

    /// What an exhausted budget says in place of a value.
    pub fn reason(&self) -> String {
        format!(
            "the {} budget of {} units of work is exhausted",
            self.name, self.limit
        )
    }

    /// The NSG030 problem of an exhausted budget (error level: verdicts that depend on what
    /// was not evaluated are unknown), or None when it sufficed.
    pub fn problem(&self) -> Option<Problem> {
        let missed = self.missed.borrow();
        let (what, span) = missed.as_ref()?;
        Some(Problem::new(
            ProblemKind::Unresolved,
            Severity::Error,
            format!(
                "nsgate stopped evaluating: {}; {what} and everything evaluated after it are unknown",
                self.reason()
            ),
            *span,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn an_exhausted_budget_refuses_everything_after_and_names_the_first_miss() {
        let span = Span::new(FileId(1), 3, 5);
        let b = Budget::new("test evaluation", 10);
        assert!(b.charge(6, span, || "a".into()));
        assert!(!b.charge(5, span, || "`flatten(local.x)`".into()));
        assert!(!b.charge(1, span, || "b".into()));
        assert_eq!(b.left(), 0);
        let p = b.problem().unwrap();
        assert_eq!(p.severity, Severity::Error);
        assert_eq!(p.kind, ProblemKind::Unresolved);
        assert!(
            p.message.contains("test evaluation budget of 10 units"),
            "{}",
            p.message
        );
        assert!(p.message.contains("`flatten(local.x)`"), "{}", p.message);
        assert!(Budget::new("x", 1).problem().is_none());
    }
}

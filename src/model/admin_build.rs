//! Building a security admin rule from what a vocabulary read (azurerm arguments or ARM
//! properties), reporting what Azure or the provider rejects.
//!
//! The NSG-like fields go through [`build_rule`] so ports, protocol, direction and name are
//! checked the same way as an NSG rule's. What differs is checked here: priority is 1–4096,
//! `action` is `Allow | AlwaysAllow | Deny`, and addresses are a list of `{address prefix,
//! type}` items whose type says whether the prefix is an IP prefix or a service tag. Absent
//! sources, destinations or port lists match everything (UNCONFIRMED: the API marks them
//! optional and does not say; reading them as `*` never hides a deny).

use super::admin::{AdminAction, AdminCollectionId, AdminRule};
use super::values::{build_rule, parse_address, Dialect, NoteSeverity, Raw, RawField, RawRule};
use super::{AddressItem, AddressSpec, Field, Link, Problem, RuleOrigin, Spanned, Unknown, Val};
use crate::source::Span;

/// One source or destination item as written.
#[derive(Debug, Clone, PartialEq)]
pub struct RawAdminAddress {
    pub prefix: Option<RawField>,
    pub kind: Option<RawField>,
    pub span: Span,
}

/// A source or destination list: its items, or Unknown when the list itself is.
pub type RawAdminAddresses = Spanned<Val<Vec<RawAdminAddress>>>;

/// A security admin rule as written.
#[derive(Debug, Clone)]
pub struct RawAdminRule {
    /// `name`, `description`, `protocol`, `direction`, port lists; `priority` and `access`
    /// are taken from the fields below.
    pub base: RawRule,
    pub priority: Option<RawField>,
    pub action: Option<RawField>,
    pub sources: Option<RawAdminAddresses>,
    pub destinations: Option<RawAdminAddresses>,
    pub collection: Link<AdminCollectionId>,
    pub address: String,
}

/// Build the model's admin rule, pushing every problem found.
pub fn build_admin_rule(
    raw: RawAdminRule,
    dialect: Dialect,
    problems: &mut Vec<Problem>,
) -> AdminRule {
    let span = raw.base.span;
    let address = raw.address.clone();
    let action = action_field(raw.action.as_ref(), span, dialect, problems);
    let mut base = raw.base;
    // Admin rules spell "every protocol" `Any`, where NSG rules write `*`.
    if let Some(f) = base.protocol.as_mut() {
        if let Val::Known(r) = &f.value {
            if r.text().trim().eq_ignore_ascii_case("any") {
                f.value = Val::Known(Raw::Str("*".into()));
            }
        }
    }
    // Placeholders the NSG checks accept; the real values are read below.
    let placeholder = |text: &str| Some(Spanned::new(Val::Known(Raw::Str(text.into())), span));
    base.priority = Some(Spanned::new(Val::Known(Raw::Num(100.0)), span));
    base.access = placeholder("Allow");
    base.source_address_prefix = placeholder("*");
    base.destination_address_prefix = placeholder("*");
    base.source_address_prefixes = None;
    base.destination_address_prefixes = None;
    if base.source_port_range.is_none() && base.source_port_ranges.is_none() {
        base.source_port_range = placeholder("*");
    }
    if base.destination_port_range.is_none() && base.destination_port_ranges.is_none() {
        base.destination_port_range = placeholder("*");
    }
    let mut rule = build_rule(base, dialect, problems);
    rule.origin = RuleOrigin::Standalone {
        address: address.clone(),
    };
    rule.priority = priority_field(raw.priority.as_ref(), span, problems);
    rule.access = Spanned::new(
        match &action.value {
            Val::Known(AdminAction::Deny) => Val::Known(super::Access::Deny),
            Val::Known(_) => Val::Known(super::Access::Allow),
            Val::Unknown(u) => Val::Unknown(u.clone()),
        },
        action.span,
    );
    rule.source = addresses(raw.sources, span, problems);
    rule.destination = addresses(raw.destinations, span, problems);
    AdminRule {
        rule,
        action,
        collection: raw.collection,
        address,
    }
}

fn text_of(f: &RawField) -> Result<String, Unknown> {
    match &f.value {
        Val::Known(r) => Ok(r.text()),
        Val::Unknown(u) => Err((**u).clone()),
    }
}

fn missing<T>(what: &str, span: Span, problems: &mut Vec<Problem>) -> Field<T> {
    let msg = format!("`{what}` is required for a security admin rule");
    problems.push(Problem::invalid(msg.clone(), span));
    Spanned::new(Val::unknown(msg, span), span)
}

fn action_field(
    raw: Option<&RawField>,
    span: Span,
    dialect: Dialect,
    problems: &mut Vec<Problem>,
) -> Field<AdminAction> {
    let Some(f) = raw else {
        return missing("action", span, problems);
    };
    match text_of(f) {
        Err(u) => Spanned::new(Val::Unknown(Box::new(u)), f.span),
        Ok(t) => match AdminAction::parse(t.trim()) {
            Some(a) => {
                if dialect == Dialect::Terraform && a.as_str() != t {
                    problems.push(Problem::invalid(
                        format!("`{t}` must be written `{a}` (the provider compares actions case-sensitively)"),
                        f.span,
                    ));
                }
                Spanned::new(Val::Known(a), f.span)
            }
            None => {
                let msg =
                    format!("`{t}` is not a security admin action (Allow, AlwaysAllow or Deny)");
                problems.push(Problem::invalid(msg.clone(), f.span));
                Spanned::new(Val::unknown(msg, f.span), f.span)
            }
        },
    }
}

fn priority_field(raw: Option<&RawField>, span: Span, problems: &mut Vec<Problem>) -> Field<u32> {
    let Some(f) = raw else {
        return missing("priority", span, problems);
    };
    let text = match text_of(f) {
        Err(u) => return Spanned::new(Val::Unknown(Box::new(u)), f.span),
        Ok(t) => t,
    };
    match text.trim().parse::<u32>() {
        Ok(p) => {
            if !(1..=4096).contains(&p) {
                problems.push(Problem::invalid(
                    format!("admin rule priority {p} is outside 1–4096"),
                    f.span,
                ));
            }
            Spanned::new(Val::Known(p), f.span)
        }
        Err(_) => {
            let msg = format!("admin rule priority `{text}` is not a whole number");
            problems.push(Problem::invalid(msg.clone(), f.span));
            Spanned::new(Val::unknown(msg, f.span), f.span)
        }
    }
}

fn addresses(
    raw: Option<RawAdminAddresses>,
    span: Span,
    problems: &mut Vec<Problem>,
) -> AddressSpec {
    let any =
        |span| AddressSpec::from_items([Spanned::new(Val::Known(AddressItem::Any), span)], span);
    let Some(list) = raw else {
        return any(span);
    };
    let items = match list.value {
        Val::Unknown(u) => {
            return AddressSpec::from_items([Spanned::new(Val::Unknown(u), list.span)], list.span)
        }
        Val::Known(items) if items.is_empty() => return any(list.span),
        Val::Known(items) => items,
    };
    let out = items.iter().map(|item| address_item(item, problems));
    AddressSpec::from_items(out, list.span)
}

fn address_item(item: &RawAdminAddress, problems: &mut Vec<Problem>) -> Field<AddressItem> {
    let Some(prefix) = &item.prefix else {
        return missing("address_prefix", item.span, problems);
    };
    let text = match text_of(prefix) {
        Err(u) => return Spanned::new(Val::Unknown(Box::new(u)), prefix.span),
        Ok(t) => t,
    };
    let parsed = parse_address(&text);
    let kind = item.kind.as_ref().map(text_of);
    let is_tag = matches!(parsed.item, Some(AddressItem::Tag(_)));
    match kind {
        Some(Ok(k)) if k.eq_ignore_ascii_case("ServiceTag") && !is_tag => {
            problems.push(Problem::invalid(
                format!("`{text}` is declared a ServiceTag but is not a service tag"),
                prefix.span,
            ));
        }
        Some(Ok(k)) if k.eq_ignore_ascii_case("IPPrefix") && is_tag => {
            problems.push(Problem::invalid(
                format!("`{text}` is declared an IPPrefix but is not an IP prefix"),
                prefix.span,
            ));
        }
        Some(Ok(k))
            if !k.eq_ignore_ascii_case("ServiceTag") && !k.eq_ignore_ascii_case("IPPrefix") =>
        {
            problems.push(Problem::invalid(
                format!("`{k}` is not an address prefix type (IPPrefix or ServiceTag)"),
                item.span,
            ));
        }
        _ => {}
    }
    for n in &parsed.notes {
        problems.push(match n.severity {
            NoteSeverity::Error => Problem::invalid(n.message.clone(), prefix.span),
            NoteSeverity::Warning => Problem::warning(n.message.clone(), prefix.span),
        });
    }
    match parsed.item {
        Some(i) => Spanned::new(Val::Known(i), prefix.span),
        None => Spanned::new(
            Val::unknown(format!("`{text}` is not understood"), prefix.span),
            prefix.span,
        ),
    }
}

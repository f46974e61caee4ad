//! Value parsing shared by every front end: protocol, access, direction, priority, ports,
//! addresses and the singular/plural rules of nsg-semantics.md §2.1–2.2.
//!
//! A front end fills a [`RawRule`] with what was written (strings or numbers, each spanned, any
//! of them unknown) and calls [`build_rule`]. Bad values become [`Problem`]s with the span of
//! the value; the built rule carries an Unknown where a value could not be understood, so the
//! evaluator stays conservative instead of guessing.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{
    Access, AddressItem, AddressSpec, AsgId, Direction, Field, Link, PortRange, PortSpec, Problem,
    Protocol, ProtocolSpec, RuleOrigin, SecurityRule, ServiceTag, Spanned, Unknown, Val,
};
use crate::source::Span;

/// A scalar exactly as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Str(String),
    Num(f64),
    Bool(bool),
}

impl Raw {
    /// The scalar as text, borrowed when it is a string (a rule may list 4,000 prefixes).
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Raw::Str(s) => std::borrow::Cow::Borrowed(s),
            other => std::borrow::Cow::Owned(other.text()),
        }
    }

    /// The scalar as text, for messages and string-typed fields.
    pub fn text(&self) -> String {
        match self {
            Raw::Str(s) => s.clone(),
            Raw::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Raw::Num(n) => n.to_string(),
            Raw::Bool(b) => b.to_string(),
        }
    }
}

/// A scalar field as written, or unknown.
pub type RawField = Spanned<Val<Raw>>;

/// A list field: the whole list may be unknown, or any of its items.
#[derive(Debug, Clone, PartialEq)]
pub enum RawList {
    Items(Vec<RawField>),
    Unknown(Unknown),
}

/// A spanned list field.
pub type RawListField = Spanned<RawList>;

/// Which input language a rule was written in; it decides which spellings are rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// azurerm provider ≥ 3.0: `protocol`, `access`, `direction` are case-sensitive.
    Terraform,
    /// azurerm values in a `terraform show -json` plan: the provider already accepted their
    /// spelling, so enums compare case-insensitively; fields keep their Terraform names.
    TerraformPlan,
    /// ARM/Bicep and values Azure returns: enums compare case-insensitively.
    Arm,
}

impl Dialect {
    /// A rule field's name as the user wrote it: Terraform's snake case, or ARM's camel case
    /// (`source_port_range` / `sourcePortRange`).
    fn field(self, snake: &str) -> String {
        match self {
            Dialect::Terraform | Dialect::TerraformPlan => snake.to_string(),
            Dialect::Arm => {
                let mut out = String::with_capacity(snake.len());
                let mut upper = false;
                for c in snake.chars() {
                    if c == '_' {
                        upper = true;
                    } else if upper {
                        out.push(c.to_ascii_uppercase());
                        upper = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }

    /// The field holding a side's application security groups.
    fn asg_field(self, side: &str) -> String {
        match self {
            Dialect::Terraform | Dialect::TerraformPlan => {
                format!("{side}_application_security_group_ids")
            }
            Dialect::Arm => format!("{side}ApplicationSecurityGroups"),
        }
    }
}

/// A security rule as written. Absent fields are `None`; front ends normalise the plan's
/// `""`/`[]` placeholders to `None` themselves or leave them for [`build_rule`], which treats an
/// empty string or list as unset.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRule {
    pub name: Option<RawField>,
    pub description: Option<RawField>,
    pub priority: Option<RawField>,
    pub direction: Option<RawField>,
    pub access: Option<RawField>,
    pub protocol: Option<RawField>,
    pub source_port_range: Option<RawField>,
    pub source_port_ranges: Option<RawListField>,
    pub destination_port_range: Option<RawField>,
    pub destination_port_ranges: Option<RawListField>,
    pub source_address_prefix: Option<RawField>,
    pub source_address_prefixes: Option<RawListField>,
    pub source_asgs: Option<Spanned<Vec<Link<AsgId>>>>,
    pub destination_address_prefix: Option<RawField>,
    pub destination_address_prefixes: Option<RawListField>,
    pub destination_asgs: Option<Spanned<Vec<Link<AsgId>>>>,
    /// The whole rule (block, object, resource).
    pub span: Span,
    pub origin: RuleOrigin,
}

impl RawRule {
    pub fn new(span: Span, origin: RuleOrigin) -> RawRule {
        RawRule {
            name: None,
            description: None,
            priority: None,
            direction: None,
            access: None,
            protocol: None,
            source_port_range: None,
            source_port_ranges: None,
            destination_port_range: None,
            destination_port_ranges: None,
            source_address_prefix: None,
            source_address_prefixes: None,
            source_asgs: None,
            destination_address_prefix: None,
            destination_address_prefixes: None,
            destination_asgs: None,
            span,
            origin,
        }
    }
}

impl RawRule {
    /// A rule nothing is known about: `name` as given, every other required field `value`
    /// (an Unknown), so evaluation stays conservative instead of dropping the rule.
    pub fn unknown(span: Span, origin: RuleOrigin, name: RawField, value: RawField) -> RawRule {
        let mut raw = RawRule::new(span, origin);
        raw.name = Some(name);
        raw.priority = Some(value.clone());
        raw.direction = Some(value.clone());
        raw.access = Some(value.clone());
        raw.protocol = Some(value.clone());
        raw.source_port_range = Some(value.clone());
        raw.destination_port_range = Some(value.clone());
        raw.source_address_prefix = Some(value.clone());
        raw.destination_address_prefix = Some(value);
        raw
    }
}

/// Most ASGs one rule side may reference (nsg-semantics §2.2, §2.9).
pub const MAX_ASGS_PER_SIDE: usize = 10;

/// Build a rule from what was written, reporting every invalid or ambiguous value.
pub fn build_rule(raw: RawRule, dialect: Dialect, problems: &mut Vec<Problem>) -> SecurityRule {
    let raw = normalise_empty(raw);
    let span = raw.span;
    let name = match &raw.name {
        Some(Spanned {
            value: Val::Known(v),
            span,
        }) => Spanned::new(v.text(), *span),
        Some(Spanned {
            value: Val::Unknown(u),
            span,
        }) => Spanned::new(format!("<unknown name: {}>", u.reason), *span),
        None => {
            problems.push(Problem::invalid("security rule has no name", span));
            Spanned::new("<unnamed>".to_string(), span)
        }
    };
    let mut ctx = Ctx {
        problems,
        dialect,
        rule_name: name.value.clone(),
        rule_span: span,
        address_notes: Vec::new(),
        more_errors: false,
        more_warnings: false,
        invalid_addresses: 0,
    };
    let description = raw.description.as_ref().and_then(|d| match &d.value {
        Val::Known(v) => Some(Spanned::new(v.text(), d.span)),
        Val::Unknown(_) => None,
    });
    if let Some(d) = &description {
        if d.value.chars().count() > 140 {
            ctx.invalid("description is longer than 140 characters", d.span);
        }
    }
    let priority = ctx.priority(raw.priority.as_ref());
    let direction = ctx.enum_field(
        "direction",
        raw.direction.as_ref(),
        &[
            ("Inbound", Direction::Inbound),
            ("Outbound", Direction::Outbound),
        ],
    );
    let access = ctx.enum_field(
        "access",
        raw.access.as_ref(),
        &[("Allow", Access::Allow), ("Deny", Access::Deny)],
    );
    let protocol = ctx.protocol(raw.protocol.as_ref());
    let source_ports = ctx.port_side(
        "source_port_range",
        raw.source_port_range,
        raw.source_port_ranges,
    );
    let destination_ports = ctx.port_side(
        "destination_port_range",
        raw.destination_port_range,
        raw.destination_port_ranges,
    );
    let source = ctx.address_side(
        "source",
        raw.source_address_prefix,
        raw.source_address_prefixes,
        raw.source_asgs,
    );
    let destination = ctx.address_side(
        "destination",
        raw.destination_address_prefix,
        raw.destination_address_prefixes,
        raw.destination_asgs,
    );
    SecurityRule {
        name,
        description: description.map(Box::new),
        priority,
        direction,
        access,
        protocol,
        source,
        source_ports,
        destination,
        destination_ports,
        span,
        origin: raw.origin,
    }
}

/// Plan JSON and ARM exports write unset strings as `""` and unset lists as `[]`.
fn normalise_empty(mut raw: RawRule) -> RawRule {
    fn scalar(f: &mut Option<RawField>) {
        if matches!(f, Some(Spanned { value: Val::Known(Raw::Str(s)), .. }) if s.is_empty()) {
            *f = None;
        }
    }
    fn list(f: &mut Option<RawListField>) {
        if matches!(f, Some(Spanned { value: RawList::Items(items), .. }) if items.is_empty()) {
            *f = None;
        }
    }
    fn asgs(f: &mut Option<Spanned<Vec<Link<AsgId>>>>) {
        if matches!(f, Some(s) if s.value.is_empty()) {
            *f = None;
        }
    }
    scalar(&mut raw.description);
    for f in [
        &mut raw.source_port_range,
        &mut raw.destination_port_range,
        &mut raw.source_address_prefix,
        &mut raw.destination_address_prefix,
    ] {
        scalar(f);
    }
    for f in [
        &mut raw.source_port_ranges,
        &mut raw.destination_port_ranges,
        &mut raw.source_address_prefixes,
        &mut raw.destination_address_prefixes,
    ] {
        list(f);
    }
    asgs(&mut raw.source_asgs);
    asgs(&mut raw.destination_asgs);
    raw
}

struct Ctx<'a> {
    problems: &'a mut Vec<Problem>,
    dialect: Dialect,
    rule_name: String,
    rule_span: Span,
    /// The distinct problems found in the rule's addresses so far (up to
    /// [`MAX_ADDRESS_NOTES`]), and whether an error or a warning past them has been summarised.
    address_notes: Vec<String>,
    more_errors: bool,
    more_warnings: bool,
    /// Addresses of the side being read that are not addresses (each an unknown) so far.
    invalid_addresses: usize,
}

impl Ctx<'_> {
    fn invalid(&mut self, message: impl Into<String>, span: Span) {
        let message = format!("rule `{}`: {}", self.rule_name, message.into());
        self.problems.push(Problem::invalid(message, span));
    }

    fn warning(&mut self, message: impl Into<String>, span: Span) {
        let message = format!("rule `{}`: {}", self.rule_name, message.into());
        self.problems.push(Problem::warning(message, span));
    }

    /// A problem with one of the rule's addresses: the first [`MAX_ADDRESS_NOTES`] distinct ones
    /// are listed, then one line per severity says more were left out (so an error is never
    /// hidden).
    fn address_note(&mut self, severity: NoteSeverity, message: String, span: Span) {
        if self.address_notes.contains(&message) {
            return;
        }
        if self.address_notes.len() < MAX_ADDRESS_NOTES {
            self.address_notes.push(message.clone());
            return match severity {
                NoteSeverity::Error => self.invalid(message, span),
                NoteSeverity::Warning => self.warning(message, span),
            };
        }
        let more = match severity {
            NoteSeverity::Error => &mut self.more_errors,
            NoteSeverity::Warning => &mut self.more_warnings,
        };
        if std::mem::replace(more, true) {
            return;
        }
        let summary = format!(
            "more than {MAX_ADDRESS_NOTES} problems with its addresses, the rest not listed, such as: {message}"
        );
        match severity {
            NoteSeverity::Error => self.invalid(summary, span),
            NoteSeverity::Warning => self.warning(summary, span),
        }
    }

    fn missing<T>(&mut self, field: &str) -> Field<T> {
        self.invalid(
            format!("required field `{field}` is not set"),
            self.rule_span,
        );
        Spanned::new(
            Val::unknown(format!("`{field}` is not set"), self.rule_span),
            self.rule_span,
        )
    }

    fn priority(&mut self, raw: Option<&RawField>) -> Field<u32> {
        let Some(raw) = raw else {
            return self.missing("priority");
        };
        let value = match &raw.value {
            Val::Unknown(u) => return Spanned::new(Val::Unknown(u.clone()), raw.span),
            Val::Known(Raw::Num(n)) if n.fract() == 0.0 && *n >= 0.0 && *n <= u32::MAX as f64 => {
                Some(*n as u32)
            }
            Val::Known(Raw::Str(s)) => s.trim().parse::<u32>().ok(),
            Val::Known(_) => None,
        };
        match value {
            Some(p) => {
                if !(100..=4096).contains(&p) {
                    self.invalid(
                        format!("priority {p} is outside 100–4096, the range Azure accepts for user rules"),
                        raw.span,
                    );
                }
                Spanned::new(Val::Known(p), raw.span)
            }
            None => {
                let text = raw.value.known().map(Raw::text).unwrap_or_default();
                self.invalid(format!("priority `{text}` is not a whole number"), raw.span);
                Spanned::new(Val::unknown("invalid priority", raw.span), raw.span)
            }
        }
    }

    /// Case-insensitive match against Azure's spellings; Terraform (provider ≥ 3) rejects any
    /// other casing, which we report while still evaluating the intended value.
    fn enum_field<T: Copy>(
        &mut self,
        field: &str,
        raw: Option<&RawField>,
        options: &[(&str, T)],
    ) -> Field<T> {
        let Some(raw) = raw else {
            return self.missing(field);
        };
        let text = match &raw.value {
            Val::Unknown(u) => return Spanned::new(Val::Unknown(u.clone()), raw.span),
            Val::Known(v) => v.text(),
        };
        let trimmed = text.trim();
        let found = options
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(trimmed));
        match found {
            Some((name, value)) => {
                if self.dialect == Dialect::Terraform && *name != trimmed {
                    self.invalid(
                        format!("azurerm provider 3.x and later rejects {field} `{trimmed}`: write `{name}` (evaluated as {name})"),
                        raw.span,
                    );
                }
                Spanned::new(Val::Known(*value), raw.span)
            }
            None => {
                let expected: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
                self.invalid(
                    format!("{field} `{trimmed}` is not one of {}", expected.join(", ")),
                    raw.span,
                );
                Spanned::new(Val::unknown(format!("invalid {field}"), raw.span), raw.span)
            }
        }
    }

    fn protocol(&mut self, raw: Option<&RawField>) -> Field<ProtocolSpec> {
        let Some(raw_field) = raw else {
            return self.missing("protocol");
        };
        let text = match &raw_field.value {
            Val::Unknown(u) => return Spanned::new(Val::Unknown(u.clone()), raw_field.span),
            Val::Known(v) => v.text(),
        };
        let trimmed = text.trim();
        let (canonical, value) = match parse_protocol(trimmed) {
            Some(v) => v,
            None => {
                self.invalid(
                    format!("protocol `{trimmed}` is not one of *, Tcp, Udp, Icmp, Esp, Ah"),
                    raw_field.span,
                );
                return Spanned::new(
                    Val::unknown("invalid protocol", raw_field.span),
                    raw_field.span,
                );
            }
        };
        if self.dialect == Dialect::Terraform && canonical != trimmed {
            self.invalid(
                format!("azurerm provider 3.x and later rejects protocol `{trimmed}`: write `{canonical}` (evaluated as {canonical})"),
                raw_field.span,
            );
        }
        Spanned::new(Val::Known(value), raw_field.span)
    }

    /// Exactly one of the singular and plural port fields (nsg-semantics §2.2).
    fn port_side(
        &mut self,
        singular_name: &str,
        single: Option<RawField>,
        plural: Option<RawListField>,
    ) -> PortSpec {
        // The field names are spelled out only for a problem (this runs for every rule).
        let names = || {
            let singular = self.dialect.field(singular_name);
            let plural = format!("{singular}s");
            (singular, plural)
        };
        let span = match (&single, &plural) {
            (Some(s), Some(p)) => {
                let (singular_name, plural_name) = names();
                self.invalid(
                    format!("only one of `{singular_name}` and `{plural_name}` can be used per security rule"),
                    s.span.to(p.span),
                );
                s.span.to(p.span)
            }
            (Some(s), None) => s.span,
            (None, Some(p)) => p.span,
            (None, None) => {
                let (singular_name, plural_name) = names();
                self.invalid(
                    format!("one of `{singular_name}` or `{plural_name}` is required"),
                    self.rule_span,
                );
                return PortSpec {
                    items: Vec::new(),
                    span: self.rule_span,
                };
            }
        };
        let mut items = Vec::new();
        if let Some(s) = single {
            self.port_items(&s, false, &mut items);
        }
        if let Some(p) = plural {
            match p.value {
                RawList::Unknown(u) => items.push(Spanned::new(Val::Unknown(Box::new(u)), p.span)),
                RawList::Items(list) => {
                    for item in &list {
                        self.port_items(item, true, &mut items);
                    }
                }
            }
        }
        PortSpec { items, span }
    }

    fn port_items(&mut self, raw: &RawField, in_plural: bool, out: &mut Vec<Field<PortRange>>) {
        let text = match &raw.value {
            Val::Unknown(u) => {
                out.push(Spanned::new(Val::Unknown(u.clone()), raw.span));
                return;
            }
            Val::Known(v) => v.text(),
        };
        if text.contains(',') {
            let hint = if in_plural {
                "list each range as its own item"
            } else {
                "use the plural field for several ports"
            };
            self.warning(
                format!("port value `{text}` contains a comma: {hint}"),
                raw.span,
            );
        }
        for part in text.split(',') {
            match parse_port_range(part) {
                Ok(range) => {
                    if in_plural && range == PortRange::ALL && part.trim() == "*" {
                        self.warning("`*` belongs in the singular port field", raw.span);
                    }
                    out.push(Spanned::new(Val::Known(range), raw.span));
                }
                Err(message) => {
                    self.invalid(message, raw.span);
                    out.push(Spanned::new(
                        Val::unknown("invalid port", raw.span),
                        raw.span,
                    ));
                }
            }
        }
    }

    /// Exactly one of prefix, prefixes and ASGs per side (nsg-semantics §2.2).
    fn address_side(
        &mut self,
        side: &str,
        single: Option<RawField>,
        plural: Option<RawListField>,
        asgs: Option<Spanned<Vec<Link<AsgId>>>>,
    ) -> AddressSpec {
        // Counted per side: the unknown standing for the rest must be on the side they are.
        self.invalid_addresses = 0;
        let set: Vec<Span> = [
            single.as_ref().map(|s| s.span),
            plural.as_ref().map(|p| p.span),
            asgs.as_ref().map(|a| a.span),
        ]
        .into_iter()
        .flatten()
        .collect();
        let span = set
            .iter()
            .copied()
            .reduce(Span::to)
            .unwrap_or(self.rule_span);
        // The field names are spelled out only for a problem (this runs for every rule).
        let dialect = self.dialect;
        let names = || {
            let prefix = dialect.field(&format!("{side}_address_prefix"));
            (prefix, dialect.asg_field(side))
        };
        match set.len() {
            0 => {
                let (prefix, asgs_name) = names();
                self.invalid(
                    format!("one of `{prefix}`, `{prefix}es` or `{asgs_name}` is required"),
                    self.rule_span,
                );
            }
            1 => {}
            _ => {
                let (prefix, asgs_name) = names();
                self.invalid(
                    format!("only one of `{prefix}`, `{prefix}es` and `{asgs_name}` can be used per security rule"),
                    span,
                );
            }
        }
        let mut items = Vec::new();
        if let Some(s) = single {
            self.address_items(&s, false, &mut items);
        }
        if let Some(p) = plural {
            match p.value {
                RawList::Unknown(u) => items.push(Spanned::new(Val::Unknown(Box::new(u)), p.span)),
                RawList::Items(list) => {
                    for item in &list {
                        self.address_items(item, true, &mut items);
                    }
                }
            }
        }
        if let Some(a) = asgs {
            if a.value.len() > MAX_ASGS_PER_SIDE {
                self.invalid(
                    format!(
                        "{} application security groups on the {side} side; Azure allows at most {MAX_ASGS_PER_SIDE}",
                        a.value.len()
                    ),
                    a.span,
                );
            }
            for link in a.value {
                let link_span = link.span();
                items.push(Spanned::new(
                    Val::Known(AddressItem::Asg(Box::new(link))),
                    link_span,
                ));
            }
        }
        self.check_families(side, &items);
        AddressSpec::from_items(items, span)
    }

    fn address_items(
        &mut self,
        raw: &RawField,
        in_plural: bool,
        out: &mut Vec<Field<AddressItem>>,
    ) {
        let text = match &raw.value {
            Val::Unknown(u) => {
                out.push(Spanned::new(Val::Unknown(u.clone()), raw.span));
                return;
            }
            Val::Known(v) => v.as_text(),
        };
        if text.contains(',') {
            let parts = text.split(',').count();
            self.address_note(
                NoteSeverity::Error,
                format!("address value `{}` contains a comma; Azure does not accept comma-separated addresses, list them in the plural field", excerpt(&text)),
                raw.span,
            );
            // Each part is read as the address it was probably meant to be, up to what a rule
            // can hold; a longer value is one unknown rather than millions of items.
            if parts > MAX_RULE_ADDRESSES {
                out.push(Spanned::new(
                    Val::unknown(
                        format!("an address value of {parts} comma-separated parts, more than the {MAX_RULE_ADDRESSES} addresses a rule can hold"),
                        raw.span,
                    ),
                    raw.span,
                ));
                return;
            }
        }
        for part in text.split(',') {
            let parsed = parse_address(part);
            for note in &parsed.notes {
                self.address_note(note.severity, note.message.clone(), raw.span);
            }
            match parsed.item {
                Some(item) => {
                    if in_plural && matches!(item, AddressItem::Tag(_) | AddressItem::Any) {
                        self.address_note(
                            NoteSeverity::Warning,
                            format!("`{}` in a plural address field: service tags and `*` are accepted only in the singular field", part.trim()),
                            raw.span,
                        );
                    }
                    out.push(Spanned::new(Val::Known(item), raw.span));
                }
                // Past the first few, one unknown stands for the rest: the side's bounds are
                // the same (an unknown item adds nothing certain and may add anything).
                None => {
                    self.invalid_addresses += 1;
                    let reason = match self.invalid_addresses {
                        n if n <= MAX_ADDRESS_NOTES => {
                            format!("invalid address `{}`", excerpt(part.trim()))
                        }
                        n if n == MAX_ADDRESS_NOTES + 1 => {
                            format!("more than {MAX_ADDRESS_NOTES} invalid addresses")
                        }
                        _ => continue,
                    };
                    out.push(Spanned::new(Val::unknown(reason, raw.span), raw.span));
                }
            }
        }
    }

    fn check_families(&mut self, side: &str, items: &[Field<AddressItem>]) {
        let mut v4 = None;
        let mut v6 = None;
        for item in items {
            if let Val::Known(AddressItem::Prefix(net)) = &item.value {
                match net {
                    IpNet::V4(_) => v4 = v4.or(Some(item.span)),
                    IpNet::V6(_) => v6 = v6.or(Some(item.span)),
                }
            }
        }
        if let (Some(a), Some(b)) = (v4, v6) {
            self.invalid(
                format!("the {side} side mixes IPv4 and IPv6 prefixes (Azure: ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies)"),
                a.to(b),
            );
        }
    }
}

/// Parse a protocol in any case: returns Azure's spelling and the value.
pub fn parse_protocol(text: &str) -> Option<(&'static str, ProtocolSpec)> {
    let t = text.trim();
    if t == "*" || t.eq_ignore_ascii_case("any") {
        return Some(("*", ProtocolSpec::Any));
    }
    Protocol::ALL
        .iter()
        .find(|p| p.as_str().eq_ignore_ascii_case(t))
        .map(|p| (p.as_str(), ProtocolSpec::Only(*p)))
}

/// Parse one port item: `*`, `N` or `A-B`.
pub fn parse_port_range(text: &str) -> Result<PortRange, String> {
    let t = text.trim();
    if t == "*" {
        return Ok(PortRange::ALL);
    }
    let port = |s: &str| -> Result<u16, String> {
        let s = s.trim();
        let n: u64 = s
            .parse()
            .map_err(|_| format!("port `{t}` is not a number, a range `low-high` or `*`"))?;
        u16::try_from(n).map_err(|_| format!("port {n} in `{t}` is outside 0–65535"))
    };
    match t.split_once('-') {
        Some((lo, hi)) => {
            let (lo, hi) = (port(lo)?, port(hi)?);
            if lo > hi {
                return Err(format!(
                    "port range `{t}` is reversed (low end above high end)"
                ));
            }
            Ok(PortRange { lo, hi })
        }
        None => port(t).map(PortRange::single),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteSeverity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressNote {
    pub severity: NoteSeverity,
    pub message: String,
}

/// An address item and what is wrong with how it was written. `item` is `None` when the text
/// cannot be understood at all.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedAddress {
    pub item: Option<AddressItem>,
    pub notes: Vec<AddressNote>,
}

/// Parse one address item: `*`/`Any`, an IPv4/IPv6 address or CIDR, or a service tag.
pub fn parse_address(text: &str) -> ParsedAddress {
    let t = text.trim();
    let ok = |item| ParsedAddress {
        item: Some(item),
        notes: Vec::new(),
    };
    let note = |item: Option<AddressItem>, severity, message: String| ParsedAddress {
        item,
        notes: vec![AddressNote { severity, message }],
    };
    if t == "*" || t.eq_ignore_ascii_case("any") {
        return ok(AddressItem::Any);
    }
    if let Ok(addr) = t.parse::<IpAddr>() {
        return ok(AddressItem::Prefix(IpNet::from(addr)));
    }
    if let Ok(net) = t.parse::<IpNet>() {
        if net.trunc() != net {
            return note(
                Some(AddressItem::Prefix(net.trunc())),
                NoteSeverity::Warning,
                format!(
                    "`{t}` has host bits set; Azure treats it as {}",
                    net.trunc()
                ),
            );
        }
        return ok(AddressItem::Prefix(net));
    }
    if t.contains('/') || looks_like_ip(t) {
        return note(
            None,
            NoteSeverity::Error,
            format!("`{t}` is not a valid IP address or CIDR prefix"),
        );
    }
    if t.contains('-') && t.split('-').all(|p| p.trim().parse::<IpAddr>().is_ok()) {
        return note(
            None,
            NoteSeverity::Warning,
            format!("`{t}` is a hyphenated address range, which Azure does not document as valid; use CIDR prefixes"),
        );
    }
    classify_tag(t)
}

/// Azure's limit on the addresses of one rule (source or destination).
const MAX_RULE_ADDRESSES: usize = 4000;

/// Problems listed per rule for its addresses, and invalid addresses kept as unknowns (see
/// `Ctx::address_note`): a copy loop can give thousands of rules thousands of bad addresses
/// each, a problem and an unknown apiece (1.7 GB for a 945-byte template found by fuzzing).
const MAX_ADDRESS_NOTES: usize = 16;

/// Longest text quoted whole in a message; longer text is cut (a value built by a template
/// can be megabytes, and messages are copied into every unknown that cites them).
const MAX_QUOTED_CHARS: usize = 120;

/// `t`, or its first characters and `…` when it is longer than [`MAX_QUOTED_CHARS`].
fn excerpt(t: &str) -> std::borrow::Cow<'_, str> {
    match t.char_indices().nth(MAX_QUOTED_CHARS) {
        None => std::borrow::Cow::Borrowed(t),
        Some((end, _)) => {
            let head = t.get(..end).unwrap_or_default();
            std::borrow::Cow::Owned(format!("{head}… ({} bytes)", t.len()))
        }
    }
}

fn looks_like_ip(t: &str) -> bool {
    let dotted =
        t.split('.').count() == 4 && t.split('.').all(|p| p.chars().all(|c| c.is_ascii_digit()));
    let colons = t.contains(':')
        && t.chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    dotted || colons
}

fn classify_tag(t: &str) -> ParsedAddress {
    let valid_tag = !t.is_empty()
        && t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !valid_tag {
        return ParsedAddress {
            item: None,
            notes: vec![AddressNote {
                severity: NoteSeverity::Error,
                message: format!(
                    "`{}` is not an address, a CIDR prefix, `*` or a service tag",
                    excerpt(t)
                ),
            }],
        };
    }
    let classic = |tag: ServiceTag, severity, why: &str| ParsedAddress {
        item: Some(AddressItem::Tag(tag.clone())),
        notes: vec![AddressNote {
            severity,
            message: format!("`{t}` is the classic spelling of the `{tag}` tag{why}"),
        }],
    };
    match t {
        "VIRTUAL_NETWORK" => classic(
            ServiceTag::VirtualNetwork,
            NoteSeverity::Error,
            "; Resource Manager rejects it",
        ),
        "AZURE_LOADBALANCER" => classic(
            ServiceTag::AzureLoadBalancer,
            NoteSeverity::Error,
            "; Resource Manager rejects it",
        ),
        "INTERNET" => classic(
            ServiceTag::Internet,
            NoteSeverity::Warning,
            ", kept for classic deployments; write `Internet`",
        ),
        _ if t.eq_ignore_ascii_case("VirtualNetwork") => tag_ok(ServiceTag::VirtualNetwork),
        _ if t.eq_ignore_ascii_case("AzureLoadBalancer") => tag_ok(ServiceTag::AzureLoadBalancer),
        _ if t.eq_ignore_ascii_case("Internet") => tag_ok(ServiceTag::Internet),
        _ => tag_ok(ServiceTag::Other(t.to_string())),
    }
}

fn tag_ok(tag: ServiceTag) -> ParsedAddress {
    ParsedAddress {
        item: Some(AddressItem::Tag(tag)),
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn sp(n: usize) -> Span {
        Span::new(FileId(1), n, n + 1)
    }
    fn s(text: &str, n: usize) -> Option<RawField> {
        Some(Spanned::new(Val::Known(Raw::Str(text.into())), sp(n)))
    }
    fn list(items: &[&str], n: usize) -> Option<RawListField> {
        Some(Spanned::new(
            RawList::Items(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, t)| s(t, n + i).unwrap())
                    .collect(),
            ),
            sp(n),
        ))
    }
    fn base() -> RawRule {
        let mut r = RawRule::new(sp(0), RuleOrigin::Inline);
        r.name = s("AllowInstances", 1);
        r.priority = Some(Spanned::new(Val::Known(Raw::Num(350.0)), sp(2)));
        r.direction = s("Inbound", 3);
        r.access = s("Allow", 4);
        r.protocol = s("Tcp", 5);
        r.source_port_range = s("*", 6);
        r.destination_port_ranges = list(&["3389", "20000"], 7);
        r.source_address_prefix = s("10.1.0.0/24", 10);
        r.destination_address_prefix = s("10.1.0.0/24", 11);
        r
    }
    fn build(raw: RawRule, dialect: Dialect) -> (SecurityRule, Vec<Problem>) {
        let mut problems = Vec::new();
        let rule = build_rule(raw, dialect, &mut problems);
        (rule, problems)
    }

    #[test]
    fn a_well_formed_rule_builds_without_problems() {
        let (rule, problems) = build(base(), Dialect::Terraform);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rule.priority(), Some(350));
        let ports: Vec<_> = rule
            .destination_ports
            .items
            .iter()
            .map(|p| p.value.clone())
            .collect();
        assert_eq!(
            ports,
            vec![
                Val::Known(PortRange::single(3389)),
                Val::Known(PortRange::single(20000))
            ]
        );
    }

    #[test]
    fn missing_fields_are_named_as_the_language_spells_them() {
        let mut raw = base();
        raw.source_address_prefix = None;
        raw.source_port_range = None;
        for (dialect, names) in [
            (
                Dialect::Terraform,
                ["`source_address_prefix`, `source_address_prefixes` or `source_application_security_group_ids`", "`source_port_range` or `source_port_ranges`"],
            ),
            (
                Dialect::TerraformPlan,
                ["`source_address_prefix`, `source_address_prefixes` or `source_application_security_group_ids`", "`source_port_range` or `source_port_ranges`"],
            ),
            (
                Dialect::Arm,
                ["`sourceAddressPrefix`, `sourceAddressPrefixes` or `sourceApplicationSecurityGroups`", "`sourcePortRange` or `sourcePortRanges`"],
            ),
        ] {
            let (_, problems) = build(raw.clone(), dialect);
            for name in names {
                assert!(
                    problems.iter().any(|p| p.message.contains(&format!("one of {name} is required"))),
                    "{dialect:?}: {name} in {problems:?}"
                );
            }
        }
    }

    #[test]
    fn protocol_parses_any_case_and_terraform_reports_wrong_case() {
        for (text, want) in [
            ("tcp", Protocol::Tcp),
            ("UDP", Protocol::Udp),
            ("Icmp", Protocol::Icmp),
            ("esp", Protocol::Esp),
            ("AH", Protocol::Ah),
        ] {
            assert_eq!(
                parse_protocol(text).map(|p| p.1),
                Some(ProtocolSpec::Only(want))
            );
        }
        assert_eq!(parse_protocol("*").map(|p| p.1), Some(ProtocolSpec::Any));
        assert_eq!(parse_protocol("gre"), None);
        let mut raw = base();
        raw.protocol = s("TCP", 5);
        let (rule, problems) = build(raw.clone(), Dialect::Terraform);
        assert_eq!(
            rule.protocol.value,
            Val::Known(ProtocolSpec::Only(Protocol::Tcp))
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("write `Tcp`"));
        assert_eq!(problems[0].span, sp(5));
        let (_, problems) = build(raw, Dialect::Arm);
        assert!(problems.is_empty());
    }

    #[test]
    fn ports_accept_star_single_range_and_numbers() {
        assert_eq!(parse_port_range("*"), Ok(PortRange::ALL));
        assert_eq!(parse_port_range(" 22 "), Ok(PortRange::single(22)));
        assert_eq!(
            parse_port_range("1024-65535"),
            Ok(PortRange {
                lo: 1024,
                hi: 65535
            })
        );
        assert!(parse_port_range("65536")
            .unwrap_err()
            .contains("outside 0–65535"));
        assert!(parse_port_range("90-80").unwrap_err().contains("reversed"));
        assert!(parse_port_range("http").is_err());
        let mut raw = base();
        raw.destination_port_ranges = None;
        raw.destination_port_range = Some(Spanned::new(Val::Known(Raw::Num(3389.0)), sp(7)));
        let (rule, problems) = build(raw, Dialect::Arm);
        assert!(problems.is_empty());
        assert_eq!(
            rule.destination_ports.items[0].value,
            Val::Known(PortRange::single(3389))
        );
    }

    #[test]
    fn bad_ports_are_findings_and_unknown_items() {
        let mut raw = base();
        raw.destination_port_ranges = list(&["3389", "70000", "90-80"], 7);
        let (rule, problems) = build(raw, Dialect::Terraform);
        assert_eq!(problems.len(), 2);
        assert!(rule.destination_ports.items[1].value.as_unknown().is_some());
        assert!(rule.destination_ports.items[2].value.as_unknown().is_some());
    }

    #[test]
    fn comma_list_in_singular_port_is_a_warning_and_parsed_as_list() {
        let mut raw = base();
        raw.destination_port_ranges = None;
        raw.destination_port_range = s("3389, 20000", 7);
        let (rule, problems) = build(raw, Dialect::Arm);
        assert_eq!(rule.destination_ports.items.len(), 2);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].severity, crate::model::Severity::Warning);
    }

    #[test]
    fn singular_and_plural_both_set_is_invalid() {
        let mut raw = base();
        raw.destination_port_range = s("3389", 20);
        let (_, problems) = build(raw, Dialect::Terraform);
        assert!(problems.iter().any(|p| p
            .message
            .contains("only one of `destination_port_range` and `destination_port_ranges`")));
        let mut raw = base();
        raw.source_address_prefixes = list(&["10.0.0.0/8"], 21);
        let (_, problems) = build(raw, Dialect::Terraform);
        assert!(problems
            .iter()
            .any(|p| p.message.contains("only one of `source_address_prefix`")));
    }

    #[test]
    fn plan_placeholders_count_as_unset() {
        let mut raw = base();
        raw.source_port_ranges = list(&[], 30);
        raw.destination_port_range = s("", 31);
        raw.source_address_prefixes = list(&[], 32);
        let (_, problems) = build(raw, Dialect::Terraform);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn addresses_cover_every_spelling() {
        let item = |t: &str| parse_address(t).item;
        assert_eq!(item("*"), Some(AddressItem::Any));
        assert_eq!(item("Any"), Some(AddressItem::Any));
        assert_eq!(
            item("172.16.0.0"),
            Some(AddressItem::Prefix("172.16.0.0/32".parse().unwrap()))
        );
        assert_eq!(
            item("2001:db8::1"),
            Some(AddressItem::Prefix("2001:db8::1/128".parse().unwrap()))
        );
        assert_eq!(
            item("0.0.0.0/0"),
            Some(AddressItem::Prefix("0.0.0.0/0".parse().unwrap()))
        );
        assert_eq!(
            item("::/0"),
            Some(AddressItem::Prefix("::/0".parse().unwrap()))
        );
        assert_eq!(
            item("virtualnetwork"),
            Some(AddressItem::Tag(ServiceTag::VirtualNetwork))
        );
        assert_eq!(
            item("AzureLoadBalancer"),
            Some(AddressItem::Tag(ServiceTag::AzureLoadBalancer))
        );
        assert_eq!(
            item("Storage.WestEurope"),
            Some(AddressItem::Tag(ServiceTag::Other(
                "Storage.WestEurope".into()
            )))
        );
        assert_eq!(item("10.0.0.0/33"), None);
        assert_eq!(item("300.1.1.1"), None);
        assert_eq!(item("10.0.0.1-10.0.0.9"), None);
        assert_eq!(item("not a tag!"), None);
    }

    #[test]
    fn classic_tags_and_host_bits_are_flagged() {
        let p = parse_address("INTERNET");
        assert_eq!(p.item, Some(AddressItem::Tag(ServiceTag::Internet)));
        assert_eq!(p.notes[0].severity, NoteSeverity::Warning);
        let p = parse_address("VIRTUAL_NETWORK");
        assert_eq!(p.item, Some(AddressItem::Tag(ServiceTag::VirtualNetwork)));
        assert_eq!(p.notes[0].severity, NoteSeverity::Error);
        let p = parse_address("10.1.0.5/24");
        assert_eq!(
            p.item,
            Some(AddressItem::Prefix("10.1.0.0/24".parse().unwrap()))
        );
        assert!(p.notes[0].message.contains("host bits"));
    }

    #[test]
    fn tags_in_plural_fields_and_mixed_families_are_flagged() {
        let mut raw = base();
        raw.source_address_prefix = None;
        raw.source_address_prefixes = list(&["VirtualNetwork"], 40);
        let (_, problems) = build(raw, Dialect::Terraform);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("plural"));
        let mut raw = base();
        raw.source_address_prefix = None;
        raw.source_address_prefixes = list(&["10.0.0.0/8", "fd00::/8"], 40);
        let (_, problems) = build(raw, Dialect::Terraform);
        assert!(problems
            .iter()
            .any(|p| p.message.contains("mixes IPv4 and IPv6")));
    }

    #[test]
    fn priority_out_of_range_is_reported_but_kept_for_ordering() {
        let mut raw = base();
        raw.priority = Some(Spanned::new(Val::Known(Raw::Num(5000.0)), sp(2)));
        let (rule, problems) = build(raw, Dialect::Terraform);
        assert_eq!(rule.priority(), Some(5000));
        assert!(problems[0].message.contains("outside 100–4096"));
        let mut raw = base();
        raw.priority = s("abc", 2);
        let (rule, problems) = build(raw, Dialect::Terraform);
        assert!(rule.priority.value.as_unknown().is_some());
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn missing_required_fields_are_reported() {
        let mut raw = base();
        raw.access = None;
        raw.source_address_prefix = None;
        let (rule, problems) = build(raw, Dialect::Arm);
        assert!(rule.access.value.as_unknown().is_some());
        assert!(rule.source.is_empty());
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn unknown_values_stay_unknown_without_findings() {
        let mut raw = base();
        raw.source_address_prefix = Some(Spanned::new(
            Val::unknown("known after apply", sp(9)),
            sp(9),
        ));
        let (rule, problems) = build(raw, Dialect::Terraform);
        assert!(problems.is_empty());
        assert_eq!(
            rule.source
                .get(0)
                .unwrap()
                .value
                .as_unknown()
                .unwrap()
                .reason,
            "known after apply"
        );
    }

    #[test]
    fn more_than_ten_asgs_is_invalid() {
        let mut raw = base();
        raw.source_address_prefix = None;
        let links = (0..11)
            .map(|i| Link::Key(Spanned::new(format!("asg{i}"), sp(50))))
            .collect();
        raw.source_asgs = Some(Spanned::new(links, sp(50)));
        let (rule, problems) = build(raw, Dialect::Terraform);
        assert_eq!(rule.source.len(), 11);
        assert!(problems[0].message.contains("at most 10"));
    }
}

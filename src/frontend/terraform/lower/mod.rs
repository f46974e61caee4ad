//! Lowering: azurerm resources of every module instance into the network model
//! (nsg-semantics §3). One file per family of resources; this file walks the instances and
//! reads arguments uniformly from blocks, `dynamic` blocks and attribute-form objects.

mod azapi;
mod network;
mod nic;
mod nsg;

use std::net::IpAddr;
use std::rc::Rc;

use ipnet::IpNet;

use super::context::{BlockItem, Evaluator, InstKey};
use super::eval::Scope;
use super::value::{Value, V};
use crate::frontend::terraform::keys::{id_link, name_key, name_link, subnet_of_vnet_key};
use crate::frontend::vocab::azurerm::{
    self as vocab, association, network as networks, tenant as tenants,
};
use crate::model::values::{Raw, RawField, RawList, RawListField};
use crate::model::{Field, Link, Network, Problem, Resource, Spanned, Unknown, Val};
use crate::source::Span;

/// One resource instance being lowered.
pub struct Res<'b> {
    /// `module.net.azurerm_subnet.this["a"]`.
    pub address: String,
    /// `tf:` + address.
    pub key: String,
    pub item: Item<'b>,
    /// The resource block.
    pub span: Span,
    pub scope: Scope,
}

/// Something arguments are read from: a block (with its scope) or an object value.
pub enum Item<'b> {
    Block(Box<BlockItem<'b>>),
    Value(Value),
}

impl Item<'_> {
    pub fn span(&self) -> Span {
        match self {
            Item::Block(b) => b.element.as_ref().map(|e| e.span).unwrap_or(b.span),
            Item::Value(v) => v.span,
        }
    }
}

/// An argument's value and the span of where it is set (the attribute's expression).
pub struct Arg {
    pub value: Value,
    pub at: Span,
}

impl Evaluator<'_> {
    /// The argument `name`, or `None` when it is not set or null.
    pub fn arg(&mut self, item: &Item, name: &str) -> Option<Arg> {
        let (value, at) = match item {
            Item::Block(b) => {
                let attr = b.body.attr(name)?;
                (self.eval(&attr.expr, &b.scope), attr.expr.span)
            }
            Item::Value(v) => match &v.v {
                V::Map(m) => {
                    let x = m.get(name)?.clone();
                    let at = x.span;
                    (x, at)
                }
                V::Unknown(_) => (v.clone(), v.span),
                _ => return None,
            },
        };
        if value.is_null() {
            return None;
        }
        Some(Arg { value, at })
    }

    /// The nested blocks `kind` of an item: blocks, `dynamic` blocks and the attribute form
    /// (`security_rule = [{…}]`, JSON syntax).
    pub fn nested<'b>(&mut self, item: &Item<'b>, kind: &str) -> Vec<Item<'b>> {
        let mut out = Vec::new();
        match item {
            Item::Block(b) => {
                for nb in self.dynamic_blocks(b.body, kind, &b.scope) {
                    out.push(Item::Block(Box::new(nb)));
                }
                if let Some(attr) = b.body.attr(kind) {
                    let v = self.eval(&attr.expr, &b.scope);
                    push_values(v, &mut out);
                }
            }
            Item::Value(v) => match &v.v {
                V::Map(m) => {
                    if let Some(x) = m.get(kind) {
                        push_values(x.clone(), &mut out);
                    }
                }
                V::Unknown(_) => out.push(Item::Value(v.clone())),
                _ => {}
            },
        }
        out
    }

    /// A string argument as spanned text; unknown stays unknown.
    pub fn text_arg(&mut self, item: &Item, name: &str) -> Option<Field<String>> {
        let arg = self.arg(item, name)?;
        Some(match arg.value.to_text(name) {
            Ok(t) => Spanned::new(Val::Known(t), arg.value.span),
            Err(u) => Spanned::new(Val::Unknown(Box::new(unknown_of(&u))), arg.at),
        })
    }
}

fn push_values<'b>(v: Value, out: &mut Vec<Item<'b>>) {
    match &v.v {
        V::List(items) => out.extend(
            items
                .iter()
                .filter(|i| !i.is_null())
                .cloned()
                .map(Item::Value),
        ),
        V::Map(_) | V::Unknown(_) => out.push(Item::Value(v)),
        _ => {}
    }
}

/// The model's Unknown for a value that is unknown (or an error).
pub fn unknown_of(v: &Value) -> Unknown {
    match v.unk() {
        Some(u) => u.to_model(),
        None => Unknown {
            reason: format!("unexpected {}", v.type_name()),
            span: v.span,
            origin: None,
        },
    }
}

/// A scalar argument for a [`crate::model::values::RawRule`].
pub fn raw_field(arg: Option<Arg>, name: &str, problems: &mut Vec<Problem>) -> Option<RawField> {
    let arg = arg?;
    raw_scalar(arg.value, arg.at, name, problems)
}

/// One scalar value as written (taken, not copied: a rule may list 4,000 prefixes); `at` is
/// where an unknown is reported.
fn raw_scalar(value: Value, at: Span, name: &str, problems: &mut Vec<Problem>) -> Option<RawField> {
    let span = value.span;
    let type_name = value.type_name();
    let raw = match value.v {
        V::Str(s) => Raw::Str(s),
        V::Num(n) => Raw::Num(n),
        V::Bool(b) => Raw::Bool(b),
        V::Null => return None,
        V::Unknown(u) => return Some(Spanned::new(Val::Unknown(Box::new(u.to_model())), at)),
        _ => {
            let msg = format!("`{name}` must be a string, not a {type_name}");
            problems.push(Problem::invalid(msg.clone(), span));
            return Some(Spanned::new(Val::unknown(msg, span), span));
        }
    };
    Some(Spanned::new(Val::Known(raw), span))
}

/// A list argument for a [`crate::model::values::RawRule`].
pub fn raw_list(arg: Option<Arg>, name: &str, problems: &mut Vec<Problem>) -> Option<RawListField> {
    let arg = arg?;
    let span = arg.value.span;
    let type_name = arg.value.type_name();
    match arg.value.v {
        V::List(items) => {
            // A list read back from the source is held by nothing else: its strings move into
            // the rule instead of being copied.
            let items = Rc::try_unwrap(items).unwrap_or_else(|shared| shared.as_ref().clone());
            let fields = items
                .into_iter()
                .filter_map(|i| raw_scalar(i, arg.at, name, problems))
                .collect();
            Some(Spanned::new(RawList::Items(fields), span))
        }
        V::Unknown(u) => Some(Spanned::new(RawList::Unknown(u.to_model()), arg.at)),
        _ => {
            let msg = format!("`{name}` must be a list, not a {type_name}");
            problems.push(Problem::invalid(msg.clone(), span));
            Some(Spanned::new(
                RawList::Unknown(Unknown {
                    reason: msg,
                    span,
                    origin: None,
                }),
                span,
            ))
        }
    }
}

/// Prefixes (`address_space`, `address_prefixes`) as model fields.
pub fn prefixes(arg: Option<Arg>, field: &str, problems: &mut Vec<Problem>) -> Vec<Field<IpNet>> {
    let Some(arg) = arg else {
        return Vec::new();
    };
    let items = match &arg.value.v {
        V::List(items) => items.as_ref().clone(),
        V::Str(_) => vec![arg.value.clone()],
        V::Unknown(_) => {
            return vec![Spanned::new(
                Val::Unknown(Box::new(unknown_of(&arg.value))),
                arg.at,
            )];
        }
        _ => {
            problems.push(Problem::invalid(
                format!("`{field}` must be a list of prefixes"),
                arg.value.span,
            ));
            return Vec::new();
        }
    };
    items
        .iter()
        .filter(|i| !i.is_null())
        .map(|item| match item.to_text(field) {
            Ok(t) => match t.trim().parse::<IpNet>() {
                Ok(net) => Spanned::new(Val::Known(net), item.span),
                Err(_) => {
                    let msg = format!("`{t}` in `{field}` is not a CIDR prefix");
                    problems.push(Problem::invalid(msg.clone(), item.span));
                    Spanned::new(Val::unknown(msg, item.span), item.span)
                }
            },
            Err(u) => Spanned::new(Val::Unknown(Box::new(unknown_of(&u))), arg.at),
        })
        .collect()
}

/// A private IP address field.
pub fn ip_field(arg: Arg, problems: &mut Vec<Problem>) -> Field<IpAddr> {
    match arg.value.to_text("private_ip_address") {
        Ok(t) => match t.trim().parse::<IpAddr>() {
            Ok(ip) => Spanned::new(Val::Known(ip), arg.value.span),
            Err(_) => {
                let msg = format!("`{t}` is not an IP address");
                problems.push(Problem::invalid(msg.clone(), arg.value.span));
                Spanned::new(Val::unknown(msg, arg.value.span), arg.value.span)
            }
        },
        Err(u) => Spanned::new(Val::Unknown(Box::new(unknown_of(&u))), arg.at),
    }
}

/// A resource's display name: its `name` when known, else its address.
pub fn display_name(
    name: &Option<Field<String>>,
    address: &str,
    fallback_span: Span,
) -> Spanned<String> {
    match name {
        Some(Spanned {
            value: Val::Known(n),
            span,
        }) => Spanned::new(n.clone(), *span),
        Some(f) => Spanned::new(address.to_string(), f.span),
        None => Spanned::new(address.to_string(), fallback_span),
    }
}

pub fn known(f: &Option<Field<String>>) -> Option<&str> {
    f.as_ref().and_then(|f| f.value.known()).map(String::as_str)
}

/// A resource instance being lowered, as the azurerm vocabulary reads it.
pub struct HclInstance<'e, 'x, 'r, 'b> {
    pub ev: &'e mut Evaluator<'x>,
    pub res: &'r Res<'b>,
    /// For a nested block: the known resource group and name of the resource it is in.
    pub within: Option<(Option<String>, Option<String>)>,
}

impl<'e, 'x, 'r, 'b> HclInstance<'e, 'x, 'r, 'b> {
    pub fn new(ev: &'e mut Evaluator<'x>, res: &'r Res<'b>) -> Self {
        HclInstance {
            ev,
            res,
            within: None,
        }
    }

    pub fn known_arg(&mut self, attr: &str) -> Option<String> {
        known(&self.ev.text_arg(&self.res.item, attr)).map(str::to_string)
    }
}

impl vocab::Instance for HclInstance<'_, '_, '_, '_> {
    fn form(&self) -> vocab::Form {
        vocab::Form::Written
    }

    fn is_set(&mut self, attr: &'static str) -> bool {
        self.ev.arg(&self.res.item, attr).is_some()
    }

    fn record(&mut self, kind: vocab::Kind, parents: &[&'static str]) -> Resource {
        let res = self.res;
        let name = self.ev.text_arg(&res.item, "name");
        let (rg, mut names) = match self.within.clone() {
            Some((rg, parent)) => (rg, vec![parent]),
            None => {
                let rg = self.known_arg("resource_group_name");
                let names = parents.iter().map(|p| self.known_arg(p)).collect();
                (rg, names)
            }
        };
        names.push(known(&name).map(str::to_string));
        let mut keys = vec![res.key.clone()];
        let names: Option<Vec<String>> = names.into_iter().collect();
        if let (Some(r), Some(n)) = (rg, names) {
            let n: Vec<&str> = n.iter().map(String::as_str).collect();
            keys.push(name_key(kind.as_str(), &r, &n));
        }
        Resource {
            name: display_name(&name, &res.address, res.span),
            address: res.address.clone(),
            keys,
            span: res.span,
        }
    }

    fn required_link<Id>(&mut self, attr: &'static str, _kind: vocab::Kind) -> Link<Id> {
        network::required_link(self.ev, self.res, attr)
    }

    fn link<Id>(
        &mut self,
        attr: &'static str,
        _kind: vocab::Kind,
    ) -> Option<(Span, Option<Link<Id>>)> {
        let arg = self.ev.arg(&self.res.item, attr)?;
        Some((arg.at, id_link(&arg.value, attr)))
    }

    fn name_link<Id>(&mut self, attr: &'static str, kind: vocab::Kind) -> Link<Id> {
        let res = self.res;
        match self.ev.arg(&res.item, attr) {
            Some(v) => {
                let rg = self
                    .ev
                    .arg(&res.item, "resource_group_name")
                    .map(|a| a.value)
                    .unwrap_or_else(|| Value::null(res.span));
                name_link(&v.value, &rg, kind.as_str(), &[], attr)
            }
            None => Link::Unknown(Box::new(Unknown {
                reason: format!("`{attr}` is not set"),
                span: res.span,
                origin: None,
            })),
        }
    }

    fn prefixes(
        &mut self,
        attr: &'static str,
        problems: &mut Vec<Problem>,
    ) -> Option<(Vec<Field<IpNet>>, Span)> {
        let arg = self.ev.arg(&self.res.item, attr)?;
        let at = arg.at;
        Some((prefixes(Some(arg), attr, problems), at))
    }

    fn address(&self) -> &str {
        &self.res.address
    }

    fn span(&self) -> Span {
        self.res.span
    }

    fn scalar(&mut self, attr: &'static str) -> Option<RawField> {
        let arg = self.ev.arg(&self.res.item, attr);
        raw_field(arg, attr, &mut Vec::new())
    }

    fn list(&mut self, attr: &'static str) -> Option<RawListField> {
        let arg = self.ev.arg(&self.res.item, attr);
        raw_list(arg, attr, &mut Vec::new())
    }

    fn blocks(
        &mut self,
        attr: &'static str,
        names: &[&'static str],
    ) -> Option<vocab::NestedBlocks> {
        let items = self.ev.nested(&self.res.item, attr);
        if items.is_empty() {
            return None;
        }
        let span = items.first().map(Item::span).unwrap_or(self.res.span);
        let mut out = Vec::new();
        for item in items {
            if let Item::Value(v) = &item {
                if let V::Unknown(_) = v.v {
                    return Some(Spanned::new(Val::Unknown(Box::new(unknown_of(v))), v.span));
                }
            }
            let args = names
                .iter()
                .map(|n| {
                    let arg = self.ev.arg(&item, n);
                    raw_field(arg, n, &mut Vec::new())
                })
                .collect();
            out.push((item.span(), args));
        }
        Some(Spanned::new(Val::Known(out), span))
    }

    fn links<Id>(
        &mut self,
        attr: &'static str,
        _kind: vocab::Kind,
    ) -> Option<Spanned<Val<Vec<Link<Id>>>>> {
        let arg = self.ev.arg(&self.res.item, attr)?;
        Some(match &arg.value.v {
            V::List(items) => Spanned::new(
                Val::Known(
                    items
                        .iter()
                        .filter_map(|i| crate::frontend::terraform::keys::id_link(i, attr))
                        .collect(),
                ),
                arg.at,
            ),
            V::Unknown(_) => Spanned::new(Val::Unknown(Box::new(unknown_of(&arg.value))), arg.at),
            _ => Spanned::new(
                Val::unknown(format!("`{attr}` must be a list of ids"), arg.at),
                arg.at,
            ),
        })
    }

    fn elements(
        &mut self,
        path: &[&'static str],
        reads: &[(&'static str, vocab::Read)],
    ) -> vocab::Elements {
        let mut out = Vec::new();
        elements(self.ev, &self.res.item, path, reads, &mut out);
        out
    }
}

/// The elements of the nested blocks at `path` inside `item` ([`vocab::Instance::elements`]).
fn elements(
    ev: &mut Evaluator,
    item: &Item,
    path: &[&'static str],
    reads: &[(&'static str, vocab::Read)],
    out: &mut vocab::Elements,
) {
    let Some((first, rest)) = path.split_first() else {
        let values = reads
            .iter()
            .map(|&(attr, read)| got(ev, item, attr, read))
            .collect();
        out.push(Ok(vocab::Element {
            span: item.span(),
            values,
        }));
        return;
    };
    for nested in ev.nested(item, first) {
        match &nested {
            Item::Value(v) if v.unk().is_some() => out.push(Err(unknown_of(v))),
            _ => elements(ev, &nested, rest, reads, out),
        }
    }
}

fn got(ev: &mut Evaluator, item: &Item, attr: &'static str, read: vocab::Read) -> vocab::Got {
    let untyped = |v: &Value| id_link::<vocab::Untyped>(v, attr);
    match read {
        vocab::Read::Link(_) => match ev.arg(item, attr) {
            Some(a) => vocab::Got::Link(untyped(&a.value), a.at),
            None => vocab::Got::Link(None, item.span()),
        },
        vocab::Read::Links(_) => match ev.arg(item, attr) {
            Some(a) => {
                let links = match &a.value.v {
                    V::List(items) => items.iter().filter_map(untyped).collect(),
                    V::Unknown(_) => vec![Link::Unknown(Box::new(unknown_of(&a.value)))],
                    _ => vec![Link::Unknown(Box::new(Unknown {
                        reason: format!(
                            "`{attr}` must be a list of ids, not a {}",
                            a.value.type_name()
                        ),
                        span: a.value.span,
                        origin: None,
                    }))],
                };
                vocab::Got::Links(Some(links), a.at)
            }
            None => vocab::Got::Links(None, item.span()),
        },
        vocab::Read::Text => match ev.text_arg(item, attr) {
            Some(f) => {
                let at = f.span;
                vocab::Got::Text(Some(f), at)
            }
            None => vocab::Got::Text(None, item.span()),
        },
    }
}

/// Lower every supported resource of every module instance into `out`.
pub fn lower(ev: &mut Evaluator, out: &mut Network) {
    let mut arm = crate::frontend::vocab::arm::Lowering::new();
    let mut lbs = tenants::LbNames::default();
    let mut inst = 0;
    while inst < ev.insts.len() {
        let config = ev.config(inst);
        for idx in 0..config.module_calls.len() {
            ev.call_result(inst, idx);
        }
        let prefix = ev.insts.get(inst).map(|i| i.prefix()).unwrap_or_default();
        for (ridx, def) in config.resources.iter().enumerate() {
            if def.data || !is_supported(&def.rtype) {
                continue;
            }
            let block = std::rc::Rc::clone(&def.block);
            let exp = ev.resource_expansion(inst, ridx);
            for (key, scope) in &exp.items {
                let address = format!("{prefix}{}{}", def.address(), key.suffix());
                let element = match (&scope.each, key) {
                    (Some((_, v)), InstKey::Key(_)) if matches!(v.v, V::Map(_)) => Some(v.clone()),
                    _ => None,
                };
                let res = Res {
                    key: format!("tf:{address}"),
                    address,
                    item: Item::Block(Box::new(BlockItem {
                        body: &block.body,
                        scope: scope.clone(),
                        span: block.span,
                        element,
                    })),
                    span: block.span,
                    scope: scope.clone(),
                };
                match def.rtype.as_str() {
                    azapi::RESOURCE | azapi::UPDATE | azapi::ACTION => {
                        azapi::lower(ev, &def.rtype, &res, &mut arm)
                    }
                    _ => lower_one(ev, &def.rtype, &res, out, &mut lbs),
                }
            }
        }
        inst += 1;
    }
    lbs.apply(out);
    out.merge(arm.finish());
    network::apply_peerings(std::mem::take(&mut ev.peerings), out);
    network::check_inline_subnet_conflicts(out);
}

fn is_supported(rtype: &str) -> bool {
    vocab::is_managed_type(rtype)
        || matches!(rtype, azapi::RESOURCE | azapi::UPDATE | azapi::ACTION)
}

fn lower_one(
    ev: &mut Evaluator,
    rtype: &str,
    res: &Res,
    out: &mut Network,
    lbs: &mut tenants::LbNames,
) {
    if tenants::is_tenant_type(rtype) {
        return tenants::lower(rtype, &mut HclInstance::new(ev, res), out, lbs);
    }
    match rtype {
        "azurerm_network_security_group" => nsg::nsg(ev, res, out),
        "azurerm_network_security_rule" => nsg::standalone_rule(ev, res, out),
        "azurerm_virtual_network" => network::vnet(ev, res, out),
        "azurerm_subnet" => {
            let mut i = HclInstance::new(ev, res);
            let mut subnet = networks::subnet(&mut i, &mut out.problems);
            // `"${azurerm_virtual_network.x.id}/subnets/NAME"` names it too (see
            // `keys::subnet_of_vnet_key`), as it names an inline subnet.
            if let (Link::Key(vnet), Some(name)) = (&subnet.vnet, i.known_arg("name")) {
                if let Some(key) = subnet_of_vnet_key(&vnet.value, &name) {
                    subnet.resource.keys.push(key);
                }
            }
            tenants::delegations(&mut i, &subnet, &mut out.tenants);
            out.subnets.push(subnet);
        }
        "azurerm_subnet_network_security_group_association" => out
            .subnet_nsg_associations
            .push(association::subnet_nsg(&mut HclInstance::new(ev, res))),
        "azurerm_network_interface" => nic::nic(ev, res, out),
        "azurerm_network_interface_security_group_association" => out
            .nic_nsg_associations
            .push(association::nic_nsg(&mut HclInstance::new(ev, res))),
        "azurerm_network_interface_application_security_group_association" => out
            .nic_asg_associations
            .push(association::nic_asg(&mut HclInstance::new(ev, res))),
        "azurerm_application_security_group" => out
            .asgs
            .push(association::asg(&mut HclInstance::new(ev, res))),
        "azurerm_virtual_network_peering" => network::peering(ev, res),
        t if vocab::admin::is_admin_type(t) => {
            vocab::admin::lower(t, &mut HclInstance::new(ev, res), out)
        }
        _ => {}
    }
}

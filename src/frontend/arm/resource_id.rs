//! Resource ids: building them (`resourceId(...)` and a resource's own id) and turning them
//! into the link keys of `frontend` (see its module doc).
//!
//! Ids are symbolic strings ([`Part`]s), because the subscription and resource group of a
//! deployment are unknown offline: the root deployment's are the atoms
//! [`ROOT_SUB`] and [`ROOT_RG`]. Keys chosen (compared case-insensitively by the linker):
//! - in the deployment's own resource group: `arm:<type>/<name>[/<child name>]`, e.g.
//!   `arm:microsoft.network/virtualnetworks/subnets/vnet/roles`;
//! - in another resource group (a nested deployment's `resourceGroup`, or `resourceId('rg', …)`):
//!   `arm:@<subscription>/<resource group>/<type>/<names>`, plus `name:<kind>:<rg>/<names>`
//!   when the group is a literal;
//! - when subscription and group are both literal: also `id:/subscriptions/…` (the Azure id),
//!   which is then the key links use, so links to resources of other inputs resolve.
//!
//! Unknown parts render as `{atom}` (e.g. `{parameters('nsgname')}`), so a name computed from
//! an unknown parameter links to every reference computed the same way.

use super::value::{push_parts, render_sym, split_sym, sym_literal, Part};

/// The root deployment's subscription id and resource group name, as atoms.
pub const ROOT_SUB: &str = "subscription().subscriptionid";
pub const ROOT_RG: &str = "resourcegroup().name";

/// A parsed resource id.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRef {
    /// `None` for a tenant-level id.
    pub sub: Option<Vec<Part>>,
    /// `None` for a subscription- or tenant-level id.
    pub rg: Option<Vec<Part>>,
    /// Full type, e.g. `Microsoft.Network/virtualNetworks/subnets`.
    pub ty: String,
    /// One name per type segment after the namespace.
    pub names: Vec<Vec<Part>>,
}

fn is_atom(parts: &[Part], atom: &str) -> bool {
    matches!(parts, [Part::Atom(a)] if a == atom)
}

impl ResourceRef {
    fn in_root_rg(&self) -> bool {
        let sub_root = self.sub.as_deref().is_none_or(|s| is_atom(s, ROOT_SUB));
        sub_root && self.rg.as_deref().is_some_and(|r| is_atom(r, ROOT_RG))
    }

    fn names_text(&self) -> String {
        self.names
            .iter()
            .map(|n| render_sym(n))
            .collect::<Vec<_>>()
            .join("/")
    }

    fn scoped_key(&self) -> String {
        let part = |p: &Option<Vec<Part>>| p.as_deref().map_or("-".to_string(), render_sym);
        format!(
            "arm:@{}/{}/{}/{}",
            part(&self.sub),
            part(&self.rg),
            self.ty.to_ascii_lowercase(),
            self.names_text()
        )
    }

    /// The Azure id, when every part is literal.
    pub fn literal_id(&self) -> Option<String> {
        let mut out = String::new();
        if let Some(sub) = &self.sub {
            out.push_str("/subscriptions/");
            out.push_str(&sym_literal(sub)?);
        }
        if let Some(rg) = &self.rg {
            out.push_str("/resourceGroups/");
            out.push_str(&sym_literal(rg)?);
        }
        out.push_str("/providers/");
        let mut types = self.ty.split('/');
        out.push_str(types.next().unwrap_or(""));
        for (ty, name) in types.zip(&self.names) {
            out.push('/');
            out.push_str(ty);
            out.push('/');
            out.push_str(&sym_literal(name)?);
        }
        Some(out)
    }

    /// The key a link to this id uses.
    pub fn link_key(&self) -> String {
        if self.in_root_rg() {
            return format!("arm:{}/{}", self.ty.to_ascii_lowercase(), self.names_text());
        }
        match self.literal_id() {
            Some(id) => format!("id:{id}"),
            None => self.scoped_key(),
        }
    }

    /// Every key the resource with this id is known by.
    pub fn keys(&self) -> Vec<String> {
        if self.in_root_rg() {
            return vec![self.link_key()];
        }
        let mut keys = vec![self.scoped_key()];
        if let Some(id) = self.literal_id() {
            keys.push(format!("id:{id}"));
        }
        if let (Some(kind), Some(rg)) = (model_kind(&self.ty), self.rg.as_deref()) {
            if let Some(rg) = sym_literal(rg) {
                keys.push(format!("name:{kind}:{rg}/{}", self.names_text()));
            }
        }
        keys
    }
}

/// The kind used in `name:` keys for the resource types the model knows.
pub fn model_kind(ty: &str) -> Option<&'static str> {
    match ty.to_ascii_lowercase().as_str() {
        "microsoft.network/networksecuritygroups" => Some("nsg"),
        "microsoft.network/virtualnetworks" => Some("vnet"),
        "microsoft.network/virtualnetworks/subnets" => Some("subnet"),
        "microsoft.network/networkinterfaces" => Some("nic"),
        "microsoft.network/applicationsecuritygroups" => Some("asg"),
        _ => None,
    }
}

/// Build an id from scope, type and name segments; `None` when the names do not match the
/// type's segments (Azure rejects such a template).
pub fn build(
    sub: Option<Vec<Part>>,
    rg: Option<Vec<Part>>,
    ty: &str,
    names: Vec<Vec<Part>>,
) -> Option<Vec<Part>> {
    let types: Vec<&str> = ty.split('/').collect();
    if types.len() < 2 || names.len() != types.len() - 1 || names.iter().any(Vec::is_empty) {
        return None;
    }
    let mut out = Vec::new();
    if let Some(sub) = sub {
        push_parts(&mut out, vec![Part::Lit("/subscriptions/".into())]);
        push_parts(&mut out, sub);
    }
    if let Some(rg) = rg {
        push_parts(&mut out, vec![Part::Lit("/resourceGroups/".into())]);
        push_parts(&mut out, rg);
    }
    push_parts(&mut out, vec![Part::Lit("/providers/".into())]);
    push_parts(&mut out, vec![Part::Lit(types.first()?.to_string())]);
    for (ty, name) in types.iter().skip(1).zip(names) {
        push_parts(&mut out, vec![Part::Lit(format!("/{ty}/"))]);
        push_parts(&mut out, name);
    }
    Some(out)
}

/// Parse a resource id (literal or symbolic). Accepts resource-group, subscription and tenant
/// level ids; for an extension id the part after the last `providers` is the resource.
pub fn parse(id: &[Part]) -> Option<ResourceRef> {
    let segs = split_sym(id, '/');
    let lit = |s: &Vec<Part>| sym_literal(s);
    let mut segs = segs.as_slice();
    // A leading `/` gives an empty first segment.
    if let Some((first, rest)) = segs.split_first() {
        if first.is_empty() {
            segs = rest;
        }
    }
    let mut sub = None;
    let mut rg = None;
    if let [key, value, rest @ ..] = segs {
        if lit(key).is_some_and(|k| k.eq_ignore_ascii_case("subscriptions")) {
            sub = Some(value.clone());
            segs = rest;
        }
    }
    if let [key, value, rest @ ..] = segs {
        if lit(key).is_some_and(|k| k.eq_ignore_ascii_case("resourceGroups")) {
            rg = Some(value.clone());
            segs = rest;
        }
    }
    // The resource is after the last `providers` segment.
    let providers = segs
        .iter()
        .rposition(|s| lit(s).is_some_and(|k| k.eq_ignore_ascii_case("providers")))?;
    let after = segs.get(providers + 1..)?;
    let (ns, rest) = after.split_first()?;
    let ns = lit(ns)?;
    if ns.is_empty() || rest.is_empty() || rest.len() % 2 != 0 {
        return None;
    }
    let mut ty = ns;
    let mut names = Vec::new();
    for pair in rest.chunks(2) {
        let [t, n] = pair else { return None };
        let t = lit(t)?;
        if t.is_empty() || n.is_empty() {
            return None;
        }
        ty.push('/');
        ty.push_str(&t);
        names.push(n.clone());
    }
    Some(ResourceRef { sub, rg, ty, names })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Vec<Part> {
        vec![Part::Lit(s.into())]
    }
    fn atom(s: &str) -> Vec<Part> {
        vec![Part::Atom(s.into())]
    }

    #[test]
    fn root_ids_key_by_type_and_names() {
        let id = build(
            Some(atom(ROOT_SUB)),
            Some(atom(ROOT_RG)),
            "Microsoft.Network/virtualNetworks/subnets",
            vec![lit("vnet"), lit("roles")],
        )
        .unwrap();
        let r = parse(&id).unwrap();
        assert_eq!(
            r.link_key(),
            "arm:microsoft.network/virtualnetworks/subnets/vnet/roles"
        );
        assert_eq!(r.keys(), vec![r.link_key()]);
    }

    #[test]
    fn literal_ids_key_by_azure_id_and_name_pair() {
        let text = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/nsg-a";
        let r = parse(&lit(text)).unwrap();
        assert_eq!(r.link_key(), format!("id:{text}"));
        assert!(r.keys().contains(&"name:nsg:rg1/nsg-a".to_string()));
    }

    #[test]
    fn other_resource_group_with_root_subscription() {
        let id = build(
            Some(atom(ROOT_SUB)),
            Some(lit("net-rg")),
            "Microsoft.Network/networkSecurityGroups",
            vec![atom("parameters('n')")],
        )
        .unwrap();
        let r = parse(&id).unwrap();
        assert_eq!(
            r.link_key(),
            "arm:@{subscription().subscriptionid}/net-rg/microsoft.network/networksecuritygroups/{parameters('n')}"
        );
        assert!(r
            .keys()
            .contains(&"name:nsg:net-rg/{parameters('n')}".to_string()));
    }

    #[test]
    fn mismatched_names_and_garbage_do_not_parse() {
        assert!(build(
            None,
            None,
            "Microsoft.Network/virtualNetworks/subnets",
            vec![lit("v")]
        )
        .is_none());
        for bad in [
            "",
            "nsg",
            "/providers/",
            "/providers/Microsoft.Network/x",
            "a/b/c",
        ] {
            assert!(parse(&lit(bad)).is_none(), "{bad}");
        }
    }

    #[test]
    fn extension_ids_use_the_last_provider() {
        let r = parse(&lit("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/providers/Microsoft.Authorization/locks/l")).unwrap();
        assert_eq!(r.ty, "Microsoft.Authorization/locks");
    }
}

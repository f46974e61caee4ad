//! Azure resource ids a lowering can compute itself.

/// The id of a resource named `name` of type `ty` (`Microsoft.Network/virtualNetworks/subnets`)
/// under the id `parent`: a resource group for a top-level type, the parent resource for a
/// child type (an azapi `parent_id`).
pub fn child_id(parent: &str, ty: &str, name: &str) -> String {
    let parent = parent.trim().trim_end_matches('/');
    let mut segments = ty.split('/');
    let namespace = segments.next().unwrap_or_default();
    let types: Vec<&str> = segments.collect();
    match types.as_slice() {
        [own] => format!("{parent}/providers/{namespace}/{own}/{name}"),
        [.., child] => format!("{parent}/{child}/{name}"),
        [] => parent.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::child_id;

    #[test]
    fn top_level_and_child_ids() {
        let rg = "/subscriptions/s/resourceGroups/rg/";
        let vnet = child_id(rg, "Microsoft.Network/virtualNetworks", "v");
        assert_eq!(
            vnet,
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
        );
        assert_eq!(
            child_id(&vnet, "Microsoft.Network/virtualNetworks/subnets", "a"),
            format!("{vnet}/subnets/a")
        );
    }
}

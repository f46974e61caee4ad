//! Concrete fixes: a free priority before the deciding rule, and the rule to add written in
//! the input's own language (an HCL `security_rule` block, an ARM JSON object, a Bicep object).

use crate::model::{Direction, Nsg};
use crate::source::{FileId, Sources};

/// The language a snippet must be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Hcl,
    ArmJson,
    Bicep,
}

/// The language of the file a resource was written in. Plans come from Terraform, so their
/// fixes are HCL.
pub fn language_of(sources: &Sources, file: FileId) -> Language {
    let Some(f) = sources.get(file) else {
        return Language::Hcl;
    };
    let name = f.name.to_ascii_lowercase();
    // Standard input has no name: its language is what it was sniffed and loaded as.
    if f.name == crate::frontend::STDIN {
        use crate::frontend::InputKind;
        return match crate::frontend::stdin_kind(&f.text) {
            Some(InputKind::Bicep) => Language::Bicep,
            Some(InputKind::Arm) => Language::ArmJson,
            _ => Language::Hcl,
        };
    }
    let terraform = name.ends_with(".tf")
        || name.ends_with(".tf.json")
        || (f.text.contains("\"format_version\"") && f.text.contains("\"terraform_version\""));
    if name.ends_with(".bicep") {
        Language::Bicep
    } else if !terraform && (name.ends_with(".json") || f.text.trim_start().starts_with('{')) {
        Language::ArmJson
    } else {
        Language::Hcl
    }
}

/// A rule to add.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSuggestion {
    pub name: String,
    pub priority: u32,
    pub direction: Direction,
    pub access: crate::model::Access,
    /// Azure's spelling: `Tcp`, `Udp`, `*`.
    pub protocol: String,
    pub sources: Vec<String>,
    pub destinations: Vec<String>,
    pub ports: Vec<String>,
}

/// Where a new rule can go so it is evaluated before the rule at `before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A free priority, as round as the gap allows.
    Free(u32),
    /// No free priority between `after` (the previous rule) and `before`.
    Full { after: u32, before: u32 },
}

/// A free user priority in `direction` strictly between the previous rule and `before`
/// (defaults sit above 4096, so a rule before them may use up to 4096).
pub fn free_priority(nsg: &Nsg, direction: Direction, before: u32) -> Slot {
    let limit = before.min(4097);
    let mut used: Vec<u32> = nsg
        .rules
        .iter()
        .filter(|r| r.direction() == Some(direction))
        .filter_map(|r| r.priority())
        .collect();
    used.sort_unstable();
    let after = used
        .iter()
        .copied()
        .filter(|p| *p < limit)
        .max()
        .unwrap_or(99);
    if limit <= after + 1 {
        return Slot::Full { after, before };
    }
    let free = |p: u32| p > after && p < limit && !used.contains(&p);
    // Prefer the middle of the gap on a multiple of 50, then 10, then any number.
    let mid = after + (limit - after) / 2;
    for step in [50, 10, 5, 1] {
        let candidate = mid - mid % step;
        if free(candidate) {
            return Slot::Free(candidate);
        }
        if free(candidate + step) {
            return Slot::Free(candidate + step);
        }
    }
    match (after + 1..limit).find(|p| free(*p)) {
        Some(p) => Slot::Free(p),
        None => Slot::Full { after, before },
    }
}

pub fn render(s: &RuleSuggestion, language: Language) -> String {
    match language {
        Language::Hcl => hcl(s),
        Language::ArmJson => arm(s),
        Language::Bicep => bicep(s),
    }
}

fn quoted_list(items: &[String], quote: char) -> String {
    let parts: Vec<String> = items.iter().map(|i| format!("{quote}{i}{quote}")).collect();
    parts.join(", ")
}

/// Singular or plural field, as Azure wants: tags and `*` only in the singular.
fn pick<'a>(items: &'a [String], singular: &'a str, plural: &'a str) -> (&'a str, bool) {
    if items.len() == 1 {
        (singular, false)
    } else {
        (plural, true)
    }
}

fn hcl(s: &RuleSuggestion) -> String {
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), format!("\"{}\"", s.name)),
        ("priority".into(), s.priority.to_string()),
        ("direction".into(), format!("\"{}\"", s.direction)),
        ("access".into(), format!("\"{}\"", s.access)),
        ("protocol".into(), format!("\"{}\"", s.protocol)),
    ];
    let mut side = |items: &[String], singular: &str, plural: &str| {
        let (key, many) = pick(items, singular, plural);
        let value = if many {
            format!("[{}]", quoted_list(items, '"'))
        } else {
            format!("\"{}\"", items.first().map(String::as_str).unwrap_or("*"))
        };
        fields.push((key.to_string(), value));
    };
    side(
        &s.sources,
        "source_address_prefix",
        "source_address_prefixes",
    );
    side(
        &["*".to_string()],
        "source_port_range",
        "source_port_ranges",
    );
    side(
        &s.destinations,
        "destination_address_prefix",
        "destination_address_prefixes",
    );
    side(
        &s.ports,
        "destination_port_range",
        "destination_port_ranges",
    );
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::from("security_rule {\n");
    for (k, v) in fields {
        out.push_str(&format!("  {k:<width$} = {v}\n"));
    }
    out.push('}');
    out
}

fn arm(s: &RuleSuggestion) -> String {
    let mut props = vec![
        format!("\"priority\": {}", s.priority),
        format!("\"direction\": \"{}\"", s.direction),
        format!("\"access\": \"{}\"", s.access),
        format!("\"protocol\": \"{}\"", s.protocol),
    ];
    let mut side = |items: &[String], singular: &str, plural: &str| {
        let (key, many) = pick(items, singular, plural);
        if many {
            props.push(format!("\"{key}\": [{}]", quoted_list(items, '"')));
        } else {
            props.push(format!(
                "\"{key}\": \"{}\"",
                items.first().map(String::as_str).unwrap_or("*")
            ));
        }
    };
    side(&s.sources, "sourceAddressPrefix", "sourceAddressPrefixes");
    side(&["*".to_string()], "sourcePortRange", "sourcePortRanges");
    side(
        &s.destinations,
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
    );
    side(&s.ports, "destinationPortRange", "destinationPortRanges");
    format!(
        "{{\n  \"name\": \"{}\",\n  \"properties\": {{\n    {}\n  }}\n}}",
        s.name,
        props.join(",\n    ")
    )
}

fn bicep(s: &RuleSuggestion) -> String {
    let mut props = vec![
        format!("priority: {}", s.priority),
        format!("direction: '{}'", s.direction),
        format!("access: '{}'", s.access),
        format!("protocol: '{}'", s.protocol),
    ];
    let mut side = |items: &[String], singular: &str, plural: &str| {
        let (key, many) = pick(items, singular, plural);
        if many {
            let list: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
            props.push(format!("{key}: [\n      {}\n    ]", list.join("\n      ")));
        } else {
            props.push(format!(
                "{key}: '{}'",
                items.first().map(String::as_str).unwrap_or("*")
            ));
        }
    };
    side(&s.sources, "sourceAddressPrefix", "sourceAddressPrefixes");
    side(&["*".to_string()], "sourcePortRange", "sourcePortRanges");
    side(
        &s.destinations,
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
    );
    side(&s.ports, "destinationPortRange", "destinationPortRanges");
    format!(
        "{{\n  name: '{}'\n  properties: {{\n    {}\n  }}\n}}",
        s.name,
        props.join("\n    ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::{nsg, RuleSpec};
    use crate::model::Access;

    fn prio(list: &[u32], before: u32) -> Slot {
        let rules = list
            .iter()
            .map(|p| RuleSpec::new(&format!("r{p}"), *p).build())
            .collect();
        free_priority(&nsg("n", &[], rules), Direction::Inbound, before)
    }

    #[test]
    fn free_priority_prefers_a_round_middle() {
        assert_eq!(prio(&[200, 300, 400], 400), Slot::Free(350));
        assert_eq!(prio(&[100, 110], 110), Slot::Free(105));
        assert_eq!(
            prio(&[300, 301], 301),
            Slot::Full {
                after: 300,
                before: 301
            }
        );
        assert_eq!(prio(&[], 65500), Slot::Free(2050));
        assert_eq!(
            prio(&[4096], 65000),
            Slot::Full {
                after: 4096,
                before: 65000
            }
        );
    }

    #[test]
    fn snippets_in_each_language() {
        let s = RuleSuggestion {
            name: "AllowInstances".into(),
            priority: 350,
            direction: Direction::Inbound,
            access: Access::Allow,
            protocol: "Tcp".into(),
            sources: vec!["10.1.0.0/24".into()],
            destinations: vec!["10.1.0.0/24".into()],
            ports: vec!["3389".into(), "20000".into()],
        };
        let h = render(&s, Language::Hcl);
        assert!(
            h.contains("destination_port_ranges    = [\"3389\", \"20000\"]"),
            "{h}"
        );
        assert!(h.contains("priority                   = 350"));
        let a = render(&s, Language::ArmJson);
        assert!(serde_json::from_str::<serde_json::Value>(&a).is_ok(), "{a}");
        let b = render(&s, Language::Bicep);
        assert!(b.contains("destinationPortRanges: [\n      '3389'"), "{b}");
    }
}

//! Cloud Services files (nsg-semantics §6.1, §6.3): the service configuration (`.cscfg`),
//! which places each role in subnets of a VNet, and the service definition (`.csdef`), whose
//! `RemoteAccess` import is the classic signal that a role accepts Remote Desktop.
//!
//! Only what the network model needs is read, by local element name (the files carry the
//! `ServiceHosting/2008/10` namespaces, which are not checked). Positions become spans: in
//! the file, or — for XML written inline in a JSON string, whose escapes make offsets inside
//! it unreliable — the whole string. DTDs are refused (roxmltree's default), so entity
//! expansion cannot blow up.

use std::ops::Range;

use roxmltree::{Document, Node, TextPos};

use crate::model::Spanned;
use crate::source::{FileId, Span};

/// Where positions in an XML text point.
#[derive(Debug, Clone, Copy)]
pub enum SpanMap {
    /// The text is the whole of this file.
    File(FileId),
    /// The text was decoded from a value written here.
    Whole(Span),
}

impl SpanMap {
    fn span(&self, r: Range<usize>) -> Span {
        match *self {
            SpanMap::File(file) => Span::new(file, r.start, r.end),
            SpanMap::Whole(s) => s,
        }
    }
}

/// XML that could not be read, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlError {
    pub message: String,
    pub span: Span,
}

/// A role's `InstanceAddress`: the subnets its instances get addresses in.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleAddress {
    pub role: Spanned<String>,
    pub subnets: Vec<Spanned<String>>,
    pub span: Span,
}

/// What a `.cscfg` says about the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    pub service: Option<Spanned<String>>,
    /// `Role@name`, in order.
    pub roles: Vec<Spanned<String>>,
    /// `NetworkConfiguration/VirtualNetworkSite@name`: a VNet name, or a VNet's Azure id.
    pub vnet_site: Option<Spanned<String>>,
    pub addresses: Vec<RoleAddress>,
    /// Elements of `NetworkConfiguration` read but not evaluated (`AccessControls`,
    /// `EndpointAcls`, `NetworkSecurityGroupRefs`; nsg-semantics §6.3), by name.
    pub unevaluated: Vec<Spanned<String>>,
    pub span: Span,
}

/// Elements of `NetworkConfiguration` that nsgate reports without evaluating.
const UNEVALUATED: [&str; 3] = ["AccessControls", "EndpointAcls", "NetworkSecurityGroupRefs"];

/// A role of a `.csdef`, and its `RemoteAccess` import when it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleDefinition {
    pub name: Spanned<String>,
    pub remote_access: Option<Span>,
}

/// What a `.csdef` says about Remote Desktop.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub roles: Vec<RoleDefinition>,
}

/// The Cloud Services files beside an input, parsed; `name` is the file's display name.
#[derive(Debug, Clone, Default)]
pub struct ServiceFiles {
    pub configurations: Vec<(String, Configuration)>,
    pub definitions: Vec<(String, Definition)>,
}

impl ServiceFiles {
    /// The configuration a cloud service deployed by URL uses: the only `.cscfg` beside the
    /// input, or the only `*.Cloud.cscfg` among several (Visual Studio's convention beside
    /// `*.Local.cscfg`). `Err` says why none can be chosen.
    pub fn configuration(&self) -> Result<&(String, Configuration), String> {
        match self.configurations.as_slice() {
            [] => Err("no ServiceConfiguration*.cscfg file is beside the template".into()),
            [one] => Ok(one),
            many => {
                let cloud: Vec<_> = many
                    .iter()
                    .filter(|(name, _)| name.to_ascii_lowercase().ends_with(".cloud.cscfg"))
                    .collect();
                match cloud.as_slice() {
                    [one] => Ok(one),
                    _ => Err(format!(
                        "several .cscfg files are beside the template ({}); nsgate cannot tell which one is deployed",
                        many.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
                    )),
                }
            }
        }
    }

    /// Where a `.csdef` imports `RemoteAccess` into role `role`, if one does.
    pub fn remote_access(&self, role: &str) -> Option<Span> {
        self.definitions
            .iter()
            .flat_map(|(_, d)| &d.roles)
            .filter(|r| r.name.value.eq_ignore_ascii_case(role))
            .find_map(|r| r.remote_access)
    }
}

fn parse<'t>(text: &'t str, at: SpanMap, what: &str) -> Result<Document<'t>, XmlError> {
    Document::parse(text).map_err(|e| {
        let offset = offset_of(text, e.pos());
        XmlError {
            message: format!("{what} is not well-formed XML: {e}"),
            span: at.span(offset..offset),
        }
    })
}

/// The byte offset of a row/column position (1-based; columns count characters).
fn offset_of(text: &str, pos: TextPos) -> usize {
    let mut line_start = 0;
    for _ in 1..pos.row {
        match text.get(line_start..).and_then(|rest| rest.find('\n')) {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = text.get(line_start..).unwrap_or_default();
    let col: usize = line
        .chars()
        .take(pos.col.saturating_sub(1) as usize)
        .map(char::len_utf8)
        .sum();
    line_start + col
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name().eq_ignore_ascii_case(name))
}

fn attr(node: Node<'_, '_>, name: &str, at: SpanMap) -> Option<Spanned<String>> {
    let a = node
        .attributes()
        .find(|a| a.name().eq_ignore_ascii_case(name))?;
    Some(Spanned::new(
        a.value().to_string(),
        at.span(a.range_value()),
    ))
}

/// Read a service configuration.
pub fn configuration(text: &str, at: SpanMap) -> Result<Configuration, XmlError> {
    let doc = parse(text, at, "the service configuration")?;
    let root = doc.root_element();
    if !root
        .tag_name()
        .name()
        .eq_ignore_ascii_case("ServiceConfiguration")
    {
        return Err(XmlError {
            message: format!(
                "a service configuration's root element is `ServiceConfiguration`, not `{}`",
                root.tag_name().name()
            ),
            span: at.span(root.range()),
        });
    }
    let roles = children(root, "Role")
        .filter_map(|r| attr(r, "name", at))
        .collect();
    let mut vnet_site = None;
    let mut addresses = Vec::new();
    let mut unevaluated = Vec::new();
    for net in children(root, "NetworkConfiguration") {
        for name in UNEVALUATED {
            for e in children(net, name) {
                unevaluated.push(Spanned::new(name.to_string(), at.span(e.range())));
            }
        }
        if let Some(site) = children(net, "VirtualNetworkSite").next() {
            vnet_site = attr(site, "name", at);
        }
        for assignments in children(net, "AddressAssignments") {
            for ia in children(assignments, "InstanceAddress") {
                let Some(role) = attr(ia, "roleName", at) else {
                    continue;
                };
                let subnets = children(ia, "Subnets")
                    .flat_map(|s| children(s, "Subnet"))
                    .filter_map(|s| attr(s, "name", at))
                    .collect();
                addresses.push(RoleAddress {
                    role,
                    subnets,
                    span: at.span(ia.range()),
                });
            }
        }
    }
    Ok(Configuration {
        service: attr(root, "serviceName", at),
        roles,
        vnet_site,
        addresses,
        unevaluated,
        span: at.span(root.range()),
    })
}

/// Read a service definition.
pub fn definition(text: &str, at: SpanMap) -> Result<Definition, XmlError> {
    let doc = parse(text, at, "the service definition")?;
    let root = doc.root_element();
    if !root
        .tag_name()
        .name()
        .eq_ignore_ascii_case("ServiceDefinition")
    {
        return Err(XmlError {
            message: format!(
                "a service definition's root element is `ServiceDefinition`, not `{}`",
                root.tag_name().name()
            ),
            span: at.span(root.range()),
        });
    }
    let roles = root
        .children()
        .filter(|c| {
            c.is_element()
                && ["WebRole", "WorkerRole"]
                    .iter()
                    .any(|k| c.tag_name().name().eq_ignore_ascii_case(k))
        })
        .filter_map(|role| {
            let name = attr(role, "name", at)?;
            let remote_access = children(role, "Imports")
                .flat_map(|i| children(i, "Import"))
                .find(|i| {
                    attr(i.to_owned(), "moduleName", at)
                        .is_some_and(|m| m.value.eq_ignore_ascii_case("RemoteAccess"))
                })
                .map(|i| at.span(i.range()));
            Some(RoleDefinition {
                name,
                remote_access,
            })
        })
        .collect();
    Ok(Definition { roles })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: FileId = FileId(7);

    const CSCFG: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>
<ServiceConfiguration serviceName=\"ContosoCS\" xmlns=\"http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration\">
  <Role name=\"WebRole1\"><Instances count=\"1\" /></Role>
  <NetworkConfiguration>
    <VirtualNetworkSite name=\"vnet-cs\" />
    <AddressAssignments>
      <InstanceAddress roleName=\"WebRole1\">
        <Subnets><Subnet name=\"roles\" /><Subnet name=\"more\" /></Subnets>
      </InstanceAddress>
    </AddressAssignments>
  </NetworkConfiguration>
</ServiceConfiguration>";

    fn text_at(s: Span) -> &'static str {
        CSCFG
            .get(s.start as usize..s.end as usize)
            .unwrap_or_default()
    }

    #[test]
    fn a_configuration_places_roles_in_subnets_with_spans_into_the_file() {
        let c = configuration(CSCFG, SpanMap::File(FILE)).expect("parses");
        assert_eq!(
            c.service.as_ref().map(|s| s.value.as_str()),
            Some("ContosoCS")
        );
        let site = c.vnet_site.expect("site");
        assert_eq!(site.value, "vnet-cs");
        assert_eq!(text_at(site.span), "vnet-cs");
        assert_eq!(c.addresses.len(), 1);
        let a = &c.addresses[0];
        assert_eq!(a.role.value, "WebRole1");
        let subnets: Vec<_> = a
            .subnets
            .iter()
            .map(|s| (s.value.as_str(), text_at(s.span)))
            .collect();
        assert_eq!(subnets, vec![("roles", "roles"), ("more", "more")]);
    }

    #[test]
    fn endpoint_acls_and_nsg_refs_are_read_to_be_reported() {
        let text = r#"<ServiceConfiguration><NetworkConfiguration>
  <AccessControls><AccessControl name="a"><Rule order="1" action="permit" remoteSubnet="203.0.113.10/32"/></AccessControl></AccessControls>
  <EndpointAcls><EndpointAcl role="Web" endpoint="E" accessControl="a"/></EndpointAcls>
  <NetworkSecurityGroupRefs><NetworkSecurityGroupRef name="nsg"/></NetworkSecurityGroupRefs>
</NetworkConfiguration></ServiceConfiguration>"#;
        let c = configuration(text, SpanMap::File(FILE)).expect("parses");
        let names: Vec<&str> = c.unevaluated.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(
            names,
            ["AccessControls", "EndpointAcls", "NetworkSecurityGroupRefs"]
        );
    }

    #[test]
    fn inline_xml_points_at_the_string_that_holds_it() {
        let whole = Span::new(FILE, 10, 20);
        let c = configuration(CSCFG, SpanMap::Whole(whole)).expect("parses");
        assert_eq!(c.addresses[0].subnets[0].span, whole);
    }

    #[test]
    fn malformed_xml_is_an_error_at_its_position() {
        let text = "<ServiceConfiguration>\n  <Role name=\"a\">\n</ServiceConfiguration>";
        let e = configuration(text, SpanMap::File(FILE)).expect_err("malformed");
        assert!(e.message.contains("not well-formed XML"), "{}", e.message);
        assert!(e.span.start > 20, "{:?}", e.span);
    }

    #[test]
    fn another_document_is_no_configuration() {
        let e = configuration("<ServiceDefinition/>", SpanMap::File(FILE)).expect_err("wrong root");
        assert!(e.message.contains("ServiceConfiguration"));
    }

    #[test]
    fn a_dtd_is_refused() {
        let text = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><ServiceConfiguration/>";
        assert!(configuration(text, SpanMap::File(FILE)).is_err());
    }

    #[test]
    fn a_definition_importing_remote_access_marks_the_role() {
        let text = r#"<ServiceDefinition name="cs">
  <WebRole name="Web"><Imports><Import moduleName="Diagnostics"/><Import moduleName="RemoteAccess"/></Imports></WebRole>
  <WorkerRole name="Worker"><Imports><Import moduleName="RemoteForwarder"/></Imports></WorkerRole>
</ServiceDefinition>"#;
        let d = definition(text, SpanMap::File(FILE)).expect("parses");
        let files = ServiceFiles {
            configurations: Vec::new(),
            definitions: vec![("ServiceDefinition.csdef".into(), d)],
        };
        let web = files.remote_access("web").expect("imported");
        assert_eq!(
            text.get(web.start as usize..web.end as usize),
            Some(r#"<Import moduleName="RemoteAccess"/>"#)
        );
        assert_eq!(files.remote_access("Worker"), None);
    }

    #[test]
    fn the_cloud_configuration_is_chosen_among_several() {
        let c = configuration(CSCFG, SpanMap::File(FILE)).expect("parses");
        let mut files = ServiceFiles::default();
        assert!(files.configuration().is_err());
        files
            .configurations
            .push(("ServiceConfiguration.Local.cscfg".into(), c.clone()));
        assert!(files.configuration().is_ok());
        files
            .configurations
            .push(("ServiceConfiguration.Cloud.cscfg".into(), c.clone()));
        assert_eq!(
            files.configuration().map(|(n, _)| n.as_str()),
            Ok("ServiceConfiguration.Cloud.cscfg")
        );
        files.configurations.push(("Other.Cloud.cscfg".into(), c));
        assert!(files.configuration().is_err());
    }
}

//! `nsgate flow`: an offline "IP flow verify" of one flow through the NSGs on its path, for
//! one protocol or all of them, in human or JSON form (schema/flow-v2.schema.json).
//!
//! The evaluation is `eval::path`; this file picks the endpoints, asks once per protocol and
//! explains each hop (what decides it, or that it is not reached, or what it depends on). The
//! verdict line is derived from the same results as the hops, so the two cannot disagree.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::ValueEnum;

use super::roots::{exclude_of, load_roots, LoadedRoot};
use super::InputArgs;
use super::{input_options, load_config, print_errors};
use super::{read_stdin, relative_paths, Io};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_TOOL_ERROR};
use crate::discover::Skipped;
use crate::eval::flowset::{all_ports, AddrSet, Cube, FlowSet, ProtoSet, NO_PORT};
use crate::eval::intervals::IntervalSet;
use crate::eval::path::{evaluate_path, Endpoint, HopKind, HopNsg, PathResult};
use crate::model::{Network, NicId, Protocol, SubnetId, Unknown, Val};
use crate::source::{Sources, Span};

mod render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlowProtocol {
    Tcp,
    Udp,
    Icmp,
    Esp,
    Ah,
    /// TCP, UDP, ICMP, ESP and AH, each on its own.
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlowFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Ports apply to TCP and UDP only: --to needs a port for tcp, udp and any; for icmp, esp and ah a \
port is an error. With --protocol any, the ICMP, ESP and AH flows carry no port.
Paths: files or directories as for `check`; `-` reads standard input (kind sniffed from content).
Each root (a Terraform configuration, plan, template or Bicep entry file) is evaluated on its own,
never merged with another: the flow is answered in every root that holds one of its addresses
(in a subnet or on a NIC), or in the one named by --root.

Exit codes:
  0  the flow is allowed (for every protocol asked)
  1  the flow is denied, or the verdict depends on a value nsgate could not resolve
  2  nsgate could not do its job (unreadable or malformed input, bad arguments)")]
pub struct FlowArgs {
    /// Source address, optionally with a port: 10.1.0.4, 10.1.0.4:49152, [fd00::4]:49152.
    #[arg(long)]
    pub from: String,
    /// Destination address, with a port for TCP and UDP: 10.1.0.5:3389, 10.1.0.5 (ICMP).
    #[arg(long)]
    pub to: String,
    #[arg(long, value_enum, default_value = "tcp")]
    pub protocol: FlowProtocol,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FlowFormat,
    /// Project configuration (default: nsgate.toml in the current directory or its parents);
    /// its variable files and parameters apply.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Answer in this root only (a root's name as `nsgate inventory` prints it).
    #[arg(long)]
    pub root: Option<String>,
    /// Files or directories (default: the current directory); `-` reads standard input.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// `10.1.0.4`, `10.1.0.4:49152`, `[fd00::4]:49152`, `fd00::4`.
fn parse_endpoint(text: &str) -> Option<(IpAddr, Option<u16>)> {
    if let Ok(a) = text.parse::<IpAddr>() {
        return Some((a, None));
    }
    if let Ok(sa) = text.parse::<std::net::SocketAddr>() {
        return Some((sa.ip(), Some(sa.port())));
    }
    None
}

/// Where an address sits in the input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Place {
    Nic {
        nic: NicId,
        subnet: Option<SubnetId>,
    },
    Subnet(SubnetId),
    Outside,
}

/// The endpoint an address belongs to: a NIC with that static address, else the subnet that
/// contains it, else outside every subnet of the input.
fn endpoint_for(net: &Network, addr: IpAddr) -> (Endpoint, Place) {
    for (n, nic) in net.nics.iter().enumerate() {
        for (i, ip) in nic.ip_configs.iter().enumerate() {
            if matches!(ip.private_ip.as_ref().map(|f| &f.value), Some(Val::Known(a)) if *a == addr)
            {
                if let Some(mut e) = Endpoint::nic(net, NicId(n), i) {
                    e.addresses = AddrSet::addr(addr);
                    let subnet = e.subnet;
                    return (
                        e,
                        Place::Nic {
                            nic: NicId(n),
                            subnet,
                        },
                    );
                }
            }
        }
    }
    for (s, subnet) in net.subnets.iter().enumerate() {
        if subnet
            .prefixes
            .iter()
            .any(|p| p.value.known().is_some_and(|n| n.contains(&addr)))
        {
            let mut e = Endpoint::subnet_hosts(net, SubnetId(s));
            e.addresses = AddrSet::addr(addr);
            return (e, Place::Subnet(SubnetId(s)));
        }
    }
    (
        Endpoint::external(AddrSet::addr(addr), addr.to_string()),
        Place::Outside,
    )
}

/// The query as given, checked.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub protocol: FlowProtocol,
    pub src: IpAddr,
    pub src_port: Option<u16>,
    pub dst: IpAddr,
    pub dst_port: Option<u16>,
}

impl Query {
    fn parse(args: &FlowArgs) -> Result<Query, String> {
        let (Some((src, src_port)), Some((dst, dst_port))) =
            (parse_endpoint(&args.from), parse_endpoint(&args.to))
        else {
            return Err("--from and --to take an address with an optional port (10.1.0.4, 10.1.0.5:3389, [fd00::5]:3389)".into());
        };
        if src.is_ipv4() != dst.is_ipv4() {
            return Err("--from and --to must be of the same address family (IPv4 or IPv6)".into());
        }
        let name = protocol_name(args.protocol);
        match args.protocol {
            FlowProtocol::Icmp | FlowProtocol::Esp | FlowProtocol::Ah => {
                if src_port.is_some() || dst_port.is_some() {
                    return Err(format!(
                        "ports do not apply to {name}: only TCP and UDP flows carry ports (give --from and --to without a port)"
                    ));
                }
            }
            FlowProtocol::Tcp | FlowProtocol::Udp | FlowProtocol::Any => {
                if dst_port.is_none() {
                    return Err(format!(
                        "--to needs a port for {name} (e.g. {dst_example}:3389)",
                        dst_example = bracket(dst)
                    ));
                }
            }
        }
        Ok(Query {
            protocol: args.protocol,
            src,
            src_port,
            dst,
            dst_port,
        })
    }

    /// The protocols asked about, each evaluated on its own.
    pub fn protocols(&self) -> Vec<Protocol> {
        match self.protocol {
            FlowProtocol::Tcp => vec![Protocol::Tcp],
            FlowProtocol::Udp => vec![Protocol::Udp],
            FlowProtocol::Icmp => vec![Protocol::Icmp],
            FlowProtocol::Esp => vec![Protocol::Esp],
            FlowProtocol::Ah => vec![Protocol::Ah],
            FlowProtocol::Any => Protocol::ALL.to_vec(),
        }
    }

    /// The flows of one protocol: TCP and UDP with the ports given (every source port when
    /// none is), the portless protocols with none.
    fn flows(&self, protocol: Protocol) -> FlowSet {
        let port = |p: Option<u16>| {
            if !protocol.has_ports() {
                return IntervalSet::point(NO_PORT);
            }
            match p {
                Some(p) => IntervalSet::point(u32::from(p)),
                None => all_ports().difference(&IntervalSet::point(NO_PORT)),
            }
        };
        FlowSet::from_cube(Cube {
            protocols: ProtoSet::only(protocol),
            src: AddrSet::addr(self.src),
            src_ports: port(self.src_port),
            dst: AddrSet::addr(self.dst),
            dst_ports: port(self.dst_port),
            ..Cube::universe()
        })
    }
}

fn bracket(a: IpAddr) -> String {
    match a {
        IpAddr::V4(_) => a.to_string(),
        IpAddr::V6(_) => format!("[{a}]"),
    }
}

pub(crate) fn protocol_name(p: FlowProtocol) -> &'static str {
    match p {
        FlowProtocol::Tcp => "TCP",
        FlowProtocol::Udp => "UDP",
        FlowProtocol::Icmp => "ICMP",
        FlowProtocol::Esp => "ESP",
        FlowProtocol::Ah => "AH",
        FlowProtocol::Any => "any protocol",
    }
}

/// What a hop did with the flows of one protocol.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// No NSG at this level: everything that reaches it passes.
    NoNsg,
    /// Decided by these rules (access, rule name, priority, span), in order.
    Decided(Vec<Decision>),
    /// Depends on values nsgate could not resolve (and possibly also decided in part).
    Indeterminate {
        decided: Vec<Decision>,
        reasons: Vec<Unknown>,
    },
    /// Every flow was certainly denied at an earlier hop.
    NotReached,
    /// Every flow reaching this side was let past its NSGs by an admin `AlwaysAllow`.
    Bypassed,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub allow: bool,
    /// For a security admin rule: its action (`Allow` hands over to the NSGs).
    pub admin_action: Option<crate::model::admin::AdminAction>,
    pub rule: String,
    pub priority: Option<u32>,
    pub span: Span,
}

/// One hop of the path, explained.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HopReport {
    pub kind: HopKind,
    /// `nsg` (with its name and resource address), `none`, or `unknown` (with why).
    pub nsg: Option<(String, String, Span)>,
    pub nsg_unknown: Option<Unknown>,
    pub outcome: Outcome,
}

/// The overall verdict on the flows of one protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allow,
    Deny,
    Indeterminate,
    /// Some flows certainly denied, the others allowed or indeterminate.
    Partial,
    /// Some flows allowed, the rest indeterminate; none certainly denied.
    AllowedInPart,
}

impl Verdict {
    fn of(r: &PathResult) -> Verdict {
        match (
            r.allowed.is_empty(),
            r.denied.is_empty(),
            r.indeterminate.is_empty(),
        ) {
            (_, true, true) => Verdict::Allow,
            (true, false, true) => Verdict::Deny,
            (true, true, false) => Verdict::Indeterminate,
            (false, true, false) => Verdict::AllowedInPart,
            (_, false, _) => Verdict::Partial,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Indeterminate => "indeterminate",
            Verdict::Partial => "partial",
            Verdict::AllowedInPart => "allowed-in-part",
        }
    }
}

/// The answer for one protocol.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProtocolReport {
    pub protocol: Protocol,
    pub hops: Vec<HopReport>,
    pub verdict: Verdict,
    /// Every unknown the verdict depends on.
    pub unknowns: Vec<Unknown>,
    /// The verdict if an address that no NIC has statically is instead the dynamic address
    /// of a NIC in its subnet (whose NSG and ASGs then apply).
    pub alternatives: Vec<Alternative>,
}

/// One reading of an address as a NIC's dynamic address, and the verdict under it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Alternative {
    /// `true`: the source address; `false`: the destination address.
    pub source: bool,
    pub nic: String,
    pub span: Span,
    pub verdict: Verdict,
}

/// The flow answered in one root.
#[derive(Debug, Clone)]
pub(crate) struct RootAnswer {
    /// Index into the loaded roots (for its network).
    pub root: usize,
    pub source: (Endpoint, Place),
    pub destination: (Endpoint, Place),
    pub protocols: Vec<ProtocolReport>,
}

impl RootAnswer {
    /// One word for this root: the protocols' verdict when they agree.
    pub fn verdict(&self) -> &'static str {
        let first = self.protocols.first().map(|p| p.verdict);
        if self.protocols.iter().all(|p| Some(p.verdict) == first) {
            first.map_or("allow", Verdict::as_str)
        } else {
            "mixed"
        }
    }

    fn allowed(&self) -> bool {
        self.protocols.iter().all(|p| p.verdict == Verdict::Allow)
    }
}

/// Everything printed.
#[derive(Debug, Clone)]
pub(crate) struct FlowReport {
    pub query: Query,
    /// The roots the flow was answered in, in discovery order.
    pub answers: Vec<RootAnswer>,
    /// Roots left out because neither address is in any of their subnets (no NSG of theirs is
    /// on the path), by name.
    pub off_path: Vec<String>,
    /// Paths discovery did not read, and why.
    pub skipped: Vec<Skipped>,
}

impl FlowReport {
    /// One word for the whole query: the roots' verdict when they agree.
    pub fn verdict(&self) -> &'static str {
        let first = self.answers.first().map(RootAnswer::verdict);
        if self.answers.iter().all(|a| Some(a.verdict()) == first) {
            first.unwrap_or("allow")
        } else {
            "mixed"
        }
    }

    pub fn allowed(&self) -> bool {
        self.answers.iter().all(RootAnswer::allowed)
    }
}

fn decision(
    net: &Network,
    nsg: Option<crate::model::NsgId>,
    rule: crate::eval::fold::RuleRef,
    allow: bool,
) -> Option<Decision> {
    let r = crate::policy::describe::rule_of(net, nsg, rule)?;
    let admin_action = match rule {
        crate::eval::fold::RuleRef::Admin(i) => net
            .admin_rules
            .get(i)
            .and_then(|a| a.action.value.known().copied()),
        _ => None,
    };
    Some(Decision {
        allow,
        admin_action,
        rule: r.name.value.clone(),
        priority: r.priority(),
        span: r.span,
    })
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Explain each hop of `result` (see the module doc).
fn explain(net: &Network, protocol: Protocol, result: &PathResult) -> ProtocolReport {
    let mut hops = Vec::new();
    let mut unknowns = Vec::new();
    // Flows certainly denied before the current hop cover everything once no flow is left.
    let mut reached = true;
    // The side whose NSGs an admin `AlwaysAllow` took every flow past.
    let mut bypassed_side: Option<bool> = None;
    for hop in &result.hops {
        let mut decided = Vec::new();
        for d in result.denied.iter().filter(|d| d.hop == hop.kind) {
            if let Some(x) = decision(net, d.nsg, d.rule, false) {
                push_unique(&mut decided, x);
            }
        }
        for p in result.passes.iter().filter(|p| p.hop == hop.kind) {
            if let Some(x) = decision(net, p.nsg, p.rule, true) {
                push_unique(&mut decided, x);
            }
        }
        let mut reasons = Vec::new();
        for u in result
            .indeterminate
            .iter()
            .filter(|u| u.hop == hop.kind || u.also.contains(&hop.kind))
        {
            for r in &u.reasons {
                push_unique(&mut reasons, r.clone());
                push_unique(&mut unknowns, r.clone());
            }
        }
        let (nsg, nsg_unknown) = match &hop.nsg {
            HopNsg::Nsg { nsg, .. } => (
                net.nsg(*nsg).map(|n| {
                    (
                        n.resource.name.value.clone(),
                        n.resource.address.clone(),
                        n.resource.span,
                    )
                }),
                None,
            ),
            HopNsg::Unknown(u) => (None, Some(u.clone())),
            HopNsg::None => (None, None),
            HopNsg::Admin { vnet } => (
                net.vnet(*vnet).map(|v| {
                    (
                        v.resource.name.value.clone(),
                        v.resource.address.clone(),
                        v.resource.span,
                    )
                }),
                None,
            ),
        };
        if hop.kind.is_admin() {
            bypassed_side = None;
        }
        let skipped = bypassed_side == Some(hop.kind.is_source());
        let outcome = if !reached {
            Outcome::NotReached
        } else if !reasons.is_empty() {
            Outcome::Indeterminate { decided, reasons }
        } else if skipped && decided.is_empty() {
            Outcome::Bypassed
        } else if matches!(hop.nsg, HopNsg::None) {
            Outcome::NoNsg
        } else if hop.kind.is_admin() && decided.is_empty() {
            // No admin rule matches: the NSGs decide.
            Outcome::NoNsg
        } else if decided.is_empty() {
            Outcome::NotReached
        } else {
            Outcome::Decided(decided)
        };
        // Once a hop denies every flow that reaches it, later hops see none.
        if let Outcome::Decided(d) = &outcome {
            if d.iter().all(|x| !x.allow) {
                reached = false;
            }
            let always = Some(crate::model::admin::AdminAction::AlwaysAllow);
            if hop.kind.is_admin() && d.iter().all(|x| x.admin_action == always) {
                bypassed_side = Some(hop.kind.is_source());
            }
        }
        if matches!(outcome, Outcome::NotReached) {
            reached = false;
        }
        hops.push(HopReport {
            kind: hop.kind,
            nsg,
            nsg_unknown,
            outcome,
        });
    }
    ProtocolReport {
        protocol,
        hops,
        verdict: Verdict::of(result),
        unknowns,
        alternatives: Vec::new(),
    }
}

/// Most NIC readings tried per address (NICs alike in NSG and ASGs count once).
const MAX_ALTERNATIVES: usize = 8;

/// NICs of `place`'s subnet whose address is dynamic or unknown, so that `addr` may be
/// theirs: one endpoint per distinct NIC NSG and ASG membership, leaving out NICs with
/// neither (they answer as a plain host of the subnet does).
fn dynamic_nics(net: &Network, place: &Place, addr: IpAddr) -> Vec<(Endpoint, Span)> {
    let Place::Subnet(subnet) = place else {
        return Vec::new();
    };
    let mut out: Vec<(Endpoint, Span)> = Vec::new();
    for (n, nic) in net.nics.iter().enumerate() {
        for (i, ip) in nic.ip_configs.iter().enumerate() {
            let in_subnet = ip.subnet.as_ref().and_then(|l| l.resolved()) == Some(*subnet);
            let family = matches!(
                (ip.version, addr),
                (crate::model::IpVersion::V4, IpAddr::V4(_))
                    | (crate::model::IpVersion::V6, IpAddr::V6(_))
            );
            let dynamic = !matches!(
                ip.private_ip.as_ref().map(|f| &f.value),
                Some(Val::Known(_))
            );
            if !(in_subnet && family && dynamic) {
                continue;
            }
            let Some(mut e) = Endpoint::nic(net, NicId(n), i) else {
                continue;
            };
            let plain = e.nic_nsg.is_none()
                && e.membership == crate::eval::compile::Membership::Known(Vec::new());
            let alike = out
                .iter()
                .any(|(o, _)| o.nic_nsg == e.nic_nsg && o.membership == e.membership);
            if plain || alike || out.len() >= MAX_ALTERNATIVES {
                continue;
            }
            e.addresses = AddrSet::addr(addr);
            e.uncertainty = None;
            out.push((e, ip.span));
        }
    }
    out
}

/// The flow answered in `root`'s network.
fn answer(root: usize, net: &Network, query: &Query) -> Result<RootAnswer, String> {
    let source = endpoint_for(net, query.src);
    let destination = endpoint_for(net, query.dst);
    let readings: Vec<(bool, Endpoint, Span)> = dynamic_nics(net, &source.1, query.src)
        .into_iter()
        .map(|(e, s)| (true, e, s))
        .chain(
            dynamic_nics(net, &destination.1, query.dst)
                .into_iter()
                .map(|(e, s)| (false, e, s)),
        )
        .collect();
    let mut protocols = Vec::new();
    for protocol in query.protocols() {
        let flows = query.flows(protocol);
        let r = evaluate_path(net, &flows, &source.0, &destination.0).map_err(|e| e.to_string())?;
        let mut report = explain(net, protocol, &r);
        for (is_source, e, span) in &readings {
            let (src, dst) = if *is_source {
                (e, &destination.0)
            } else {
                (&source.0, e)
            };
            let alt = evaluate_path(net, &flows, src, dst).map_err(|e| e.to_string())?;
            report.alternatives.push(Alternative {
                source: *is_source,
                nic: e
                    .nics
                    .first()
                    .and_then(|id| net.nic(*id))
                    .map(|n| n.resource.name.value.clone())
                    .unwrap_or_default(),
                span: *span,
                verdict: Verdict::of(&alt),
            });
        }
        // Which host the address is cannot be known offline: when the readings disagree, so
        // does the verdict.
        if let Some(a) = report
            .alternatives
            .iter()
            .find(|a| a.verdict != report.verdict)
        {
            let addr = if a.source { query.src } else { query.dst };
            report.unknowns.push(Unknown {
                reason: format!(
                    "{addr} may be the dynamic address of NIC `{}` (its NSG and application security groups then apply, and the verdict is {})",
                    a.nic,
                    a.verdict.as_str()
                ),
                span: a.span,
                origin: None,
            });
            report.verdict = Verdict::Indeterminate;
        }
        protocols.push(report);
    }
    Ok(RootAnswer {
        root,
        source,
        destination,
        protocols,
    })
}

/// Whether the flow touches `answer`'s root: one of its addresses is on a NIC or in a subnet.
fn on_path(answer: &RootAnswer) -> bool {
    answer.source.1 != Place::Outside || answer.destination.1 != Place::Outside
}

pub(crate) fn flow(args: FlowArgs, io: &mut Io<'_>) -> u8 {
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    let query = match Query::parse(&args) {
        Ok(q) => q,
        Err(message) => {
            let _ = writeln!(io.stderr, "error: {message}");
            return EXIT_TOOL_ERROR;
        }
    };
    let paths = relative_paths(&args.paths, &io.cwd);
    let config = load_config(args.config.as_deref(), io, &mut sources, &mut errors);
    let opts = input_options(&config, &args.input, io, &mut errors);
    let stdin = read_stdin(&paths, io, &mut errors);
    let exclude = exclude_of(&config, io);
    let (mut roots, skipped) = load_roots(
        &paths,
        &exclude,
        stdin.as_deref(),
        &opts,
        &mut sources,
        &mut errors,
    );
    if !errors.is_empty() {
        return print_errors(errors, &sources, io);
    }
    if let Some(wanted) = &args.root {
        roots.retain(|r| r.name == *wanted);
        if roots.is_empty() {
            let _ = writeln!(
                io.stderr,
                "error: --root {wanted}: no root of that name under the paths given (`nsgate inventory` lists them)"
            );
            return EXIT_TOOL_ERROR;
        }
    }
    let mut answers = Vec::with_capacity(roots.len());
    for (i, root) in roots.iter().enumerate() {
        match answer(i, &root.network, &query) {
            Ok(a) => answers.push(a),
            Err(e) => {
                let _ = writeln!(io.stderr, "error: root {}: {e}", root.name);
                return EXIT_TOOL_ERROR;
            }
        }
    }
    // A root the flow does not touch (neither address on a NIC or in a subnet of it) has no
    // NSG on the path: it is named, not answered.
    let mut off_path = Vec::new();
    answers.retain(|a| {
        let keep = on_path(a);
        if !keep {
            off_path.push(root_name(&roots, a));
        }
        keep
    });
    let report = FlowReport {
        query,
        answers,
        off_path,
        skipped,
    };
    let text = match args.format {
        FlowFormat::Human => render::human(&report, &roots, &sources),
        FlowFormat::Json => render::json(&report, &roots, &sources),
    };
    if io.stdout.write_all(text.as_bytes()).is_err() {
        return EXIT_TOOL_ERROR;
    }
    if report.allowed() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

fn root_name(roots: &[LoadedRoot], a: &RootAnswer) -> String {
    roots
        .get(a.root)
        .map(|r| r.name.clone())
        .unwrap_or_default()
}

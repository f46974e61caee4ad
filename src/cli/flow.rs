//! `nsgate flow`: an offline "IP flow verify" of one flow through the NSGs on its path.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::ValueEnum;

use super::{build_network, input_errors, load_options, print_errors, relative_paths, Io};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_TOOL_ERROR};
use crate::eval::flowset::{AddrSet, Cube, FlowSet, ProtoSet};
use crate::eval::intervals::IntervalSet;
use crate::eval::path::{evaluate_path, Endpoint, HopNsg};
use crate::frontend::load_paths;
use crate::model::{Network, NicId, Protocol, SubnetId, Val};
use crate::source::Sources;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlowProtocol {
    Tcp,
    Udp,
    Icmp,
    Any,
}

#[derive(Debug, clap::Args)]
pub struct FlowArgs {
    /// Source address, optionally with a port: 10.1.0.4, 10.1.0.4:49152, [fd00::4]:49152.
    #[arg(long)]
    pub from: String,
    /// Destination address and port: 10.1.0.5:3389.
    #[arg(long)]
    pub to: String,
    #[arg(long, value_enum, default_value = "tcp")]
    pub protocol: FlowProtocol,
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
    #[arg(long = "var")]
    pub vars: Vec<String>,
    #[arg(long = "var-file")]
    pub var_files: Vec<PathBuf>,
    #[arg(long)]
    pub parameters: Option<PathBuf>,
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

/// The endpoint an address belongs to: a NIC with that static address, else the subnet that
/// contains it, else outside the model.
fn endpoint_for(net: &Network, addr: IpAddr) -> Endpoint {
    for (n, nic) in net.nics.iter().enumerate() {
        for (i, ip) in nic.ip_configs.iter().enumerate() {
            if matches!(ip.private_ip.as_ref().map(|f| &f.value), Some(Val::Known(a)) if *a == addr)
            {
                if let Some(mut e) = Endpoint::nic(net, NicId(n), i) {
                    e.addresses = AddrSet::addr(addr);
                    return e;
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
            return e;
        }
    }
    Endpoint::external(AddrSet::addr(addr), addr.to_string())
}

pub(crate) fn flow(args: FlowArgs, io: &mut Io<'_>) -> u8 {
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    let (Some((src, src_port)), Some((dst, dst_port))) =
        (parse_endpoint(&args.from), parse_endpoint(&args.to))
    else {
        let _ = writeln!(io.stderr, "error: --from and --to take an address with an optional port (10.1.0.4, 10.1.0.5:3389, [fd00::5]:3389)");
        return EXIT_TOOL_ERROR;
    };
    let ported = matches!(
        args.protocol,
        FlowProtocol::Tcp | FlowProtocol::Udp | FlowProtocol::Any
    );
    if ported && dst_port.is_none() {
        let _ = writeln!(
            io.stderr,
            "error: --to needs a port for {:?} (e.g. 10.1.0.5:3389)",
            args.protocol
        );
        return EXIT_TOOL_ERROR;
    }
    let paths = relative_paths(&args.paths, &io.cwd);
    let opts = load_options(
        &args.vars,
        &args.var_files,
        args.parameters.clone(),
        None,
        io,
        &mut errors,
    );
    let mut loaded = load_paths(&paths, None, &opts, &mut sources);
    errors.extend(input_errors(&mut loaded));
    if !errors.is_empty() {
        return print_errors(errors, &sources, io);
    }
    let net = build_network(&mut loaded);
    let protocols = match args.protocol {
        FlowProtocol::Tcp => ProtoSet::only(Protocol::Tcp),
        FlowProtocol::Udp => ProtoSet::only(Protocol::Udp),
        FlowProtocol::Icmp => ProtoSet::only(Protocol::Icmp),
        FlowProtocol::Any => ProtoSet::ALL,
    };
    let port = |p: Option<u16>| {
        p.map(|p| IntervalSet::point(u32::from(p)))
            .unwrap_or_else(crate::eval::flowset::all_ports)
    };
    let flows = FlowSet::from_cube(Cube {
        protocols,
        src: AddrSet::addr(src),
        src_ports: port(src_port),
        dst: AddrSet::addr(dst),
        dst_ports: port(dst_port),
        ..Cube::universe()
    });
    let from = endpoint_for(&net, src);
    let to = endpoint_for(&net, dst);
    let result = match evaluate_path(&net, &flows, &from, &to) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {e}");
            return EXIT_TOOL_ERROR;
        }
    };
    let mut out = String::new();
    let describe_flow = |p: Option<u16>| p.map(|p| format!(":{p}")).unwrap_or_default();
    out.push_str(&format!(
        "flow {} {src}{} → {dst}{} ({} → {})\n",
        format!("{:?}", args.protocol).to_ascii_uppercase(),
        describe_flow(src_port),
        describe_flow(dst_port),
        from.label,
        to.label
    ));
    let at = |span: crate::source::Span| {
        let (start, _) = sources.line_col(span);
        format!("{}:{}", sources.name(span.file), start)
    };
    for (i, hop) in result.hops.iter().enumerate() {
        let line = match &hop.nsg {
            HopNsg::None => "no NSG: passes".to_string(),
            HopNsg::Unknown(u) => format!("NSG unknown ({}): indeterminate", u.reason),
            HopNsg::Nsg { nsg, .. } => {
                let name = net
                    .nsg(*nsg)
                    .map(|n| n.resource.name.value.clone())
                    .unwrap_or_default();
                let decided: Vec<String> = result
                    .passes
                    .iter()
                    .filter(|p| p.hop == hop.kind)
                    .map(|p| (p.rule, "Allow"))
                    .chain(
                        result
                            .denied
                            .iter()
                            .filter(|d| d.hop == hop.kind)
                            .map(|d| (d.rule, "Deny")),
                    )
                    .filter_map(|(r, access)| {
                        let (_, rule) = crate::policy::describe::resolve(&net, *nsg, r)?;
                        Some(format!(
                            "{access} by {} at {}",
                            crate::policy::describe::rule(rule),
                            at(rule.span)
                        ))
                    })
                    .collect();
                let undecided = result.indeterminate.iter().any(|u| u.hop == hop.kind);
                let what = if decided.is_empty() && undecided {
                    "indeterminate (depends on unknown values)".to_string()
                } else if decided.is_empty() {
                    "not reached".to_string()
                } else {
                    decided.join("; ")
                };
                format!("NSG `{name}`: {what}")
            }
        };
        out.push_str(&format!("  {}. {}: {line}\n", i + 1, hop.kind));
    }
    let verdict = if !result.denied.is_empty()
        && result.allowed.is_empty()
        && result.indeterminate.is_empty()
    {
        "Deny"
    } else if result.is_fully_allowed() {
        "Allow"
    } else if result.denied.is_empty() && result.allowed.is_empty() {
        "Indeterminate"
    } else {
        "Partial (some of these flows are denied)"
    };
    out.push_str(&format!("verdict: {verdict}\n"));
    for u in &result.indeterminate {
        for r in &u.reasons {
            out.push_str(&format!("  unknown: {} at {}\n", r.reason, at(r.span)));
        }
    }
    let _ = io.stdout.write_all(out.as_bytes());
    if verdict == "Allow" {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

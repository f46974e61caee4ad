//! The command line (clap derive): `check`, `flow`, `policies`, `explain`. `main` only parses
//! the environment into [`Io`] and calls [`run`], so every command is testable in-process.

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::eval::flowset::{AddrSet, Cube, FlowSet, ProtoSet};
use crate::eval::intervals::IntervalSet;
use crate::eval::path::{evaluate_path, Endpoint, HopNsg};
use crate::frontend::{load_paths, LoadOptions, Loaded};
use crate::model::{Network, NicId, Protocol, Severity, SubnetId, Val};
use crate::policy::{self, CheckContext, Policy, PolicyError};
use crate::report::{self, Format, Report, Style, ToolError};
use crate::source::Sources;

#[derive(Debug, Parser)]
#[command(
    name = "nsgate",
    version,
    about = "Policy gate for Azure network security groups written as infrastructure as code"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlowProtocol {
    Tcp,
    Udp,
    Icmp,
    Any,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check Terraform directories, plans (`terraform show -json`) and ARM templates against
    /// the policies.
    Check(CheckArgs),
    /// Offline "IP flow verify": each NSG on a flow's path and the rule that decides it.
    Flow(FlowArgs),
    /// List the built-in and loaded policies.
    Policies(PoliciesArgs),
    /// Explain a policy: what it checks, why, and how to fix a finding.
    Explain(ExplainArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories (default: the current directory); `-` reads standard input.
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Extra rule files or folders (repeatable).
    #[arg(long = "policies")]
    pub policies: Vec<PathBuf>,
    /// Project configuration (default: nsgate.toml in the current directory or its parents).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Run only these policies (comma-separated IDs).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Skip these policies (comma-separated IDs).
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Exit with code 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Terraform variable (repeatable): NAME=VALUE.
    #[arg(long = "var")]
    pub vars: Vec<String>,
    /// Terraform variable file (repeatable).
    #[arg(long = "var-file")]
    pub var_files: Vec<PathBuf>,
    /// ARM parameters file.
    #[arg(long)]
    pub parameters: Option<PathBuf>,
    /// Terraform configuration behind a plan.
    #[arg(long)]
    pub source: Option<PathBuf>,
    /// Report only findings not recorded in this baseline file.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file.
    #[arg(long)]
    pub write_baseline: Option<PathBuf>,
    /// Write the report here instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
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

#[derive(Debug, clap::Args)]
pub struct PoliciesArgs {
    /// Extra rule files or folders to load and list.
    #[arg(long = "policies")]
    pub policies: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Policy ID, e.g. NSG001.
    pub id: String,
    #[arg(long = "policies")]
    pub policies: Vec<PathBuf>,
}

/// What the process gives the commands.
pub struct Io<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Standard input, read only when a path is `-`.
    pub stdin: &'a mut dyn std::io::Read,
    pub env: Vec<(String, String)>,
    /// Whether standard output is a terminal (colour, unless NO_COLOR).
    pub stdout_is_terminal: bool,
    pub cwd: PathBuf,
}

/// Exit codes (architecture.md).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_TOOL_ERROR: u8 = 2;

pub fn run(cli: Cli, io: &mut Io<'_>) -> u8 {
    match cli.command {
        Command::Check(args) => check(args, io),
        Command::Flow(args) => flow(args, io),
        Command::Policies(args) => list_policies(args, io),
        Command::Explain(args) => explain(args, io),
    }
}

fn style(io: &Io<'_>, to_file: bool) -> Style {
    let no_color = io.env.iter().any(|(k, v)| k == "NO_COLOR" && !v.is_empty());
    Style {
        color: io.stdout_is_terminal && !to_file && !no_color,
        width: 100,
    }
}

fn policy_error(e: PolicyError) -> ToolError {
    ToolError {
        message: e.message,
        span: e.span,
        path: None,
        help: e.help,
    }
}

/// Built-ins plus rule files from `paths` (files or folders of `.toml`).
fn load_policies(
    paths: &[PathBuf],
    sources: &mut Sources,
    errors: &mut Vec<ToolError>,
) -> Vec<Policy> {
    let mut policies = match policy::builtin::builtin_policies(sources) {
        Ok(p) => p,
        Err(e) => {
            errors.push(policy_error(e));
            Vec::new()
        }
    };
    for path in paths {
        let files = if path.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|d| {
                    d.filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                        .collect()
                })
                .unwrap_or_default();
            v.sort();
            if v.is_empty() {
                errors.push(ToolError {
                    message: format!("{} holds no rule files (*.toml)", path.display()),
                    span: None,
                    path: Some(path.display().to_string()),
                    help: None,
                });
            }
            v
        } else {
            vec![path.clone()]
        };
        for f in files {
            let display = f.display().to_string();
            let text = match std::fs::read_to_string(&f) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(ToolError {
                        message: format!("cannot read policy file {display}: {e}"),
                        span: None,
                        path: Some(display),
                        help: None,
                    });
                    continue;
                }
            };
            let id = sources.add(display, text);
            match policy::load_policy(id, sources) {
                Ok(p) => {
                    // A user file with a built-in's ID replaces the built-in.
                    policies.retain(|q| q.meta.id != p.meta.id);
                    policies.push(p);
                }
                Err(e) => errors.push(policy_error(e)),
            }
        }
    }
    policies
}

/// Inputs under the working directory are named relative to it, so reports say
/// `infra/main.tf` rather than an absolute path (architecture.md: relative when possible).
fn relative_paths(paths: &[PathBuf], cwd: &Path) -> Vec<PathBuf> {
    let given = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    given
        .into_iter()
        .map(|p| match p.strip_prefix(cwd) {
            Ok(rel) if p.is_absolute() && rel.as_os_str().is_empty() => PathBuf::from("."),
            Ok(rel) if p.is_absolute() => rel.to_path_buf(),
            _ => p,
        })
        .collect()
}

fn load_options(
    vars: &[String],
    var_files: &[PathBuf],
    parameters: Option<PathBuf>,
    source: Option<PathBuf>,
    io: &Io<'_>,
    errors: &mut Vec<ToolError>,
) -> LoadOptions {
    let mut parsed = Vec::new();
    for v in vars {
        match v.split_once('=') {
            Some((k, val)) if !k.is_empty() => parsed.push((k.to_string(), val.to_string())),
            _ => errors.push(ToolError {
                message: format!("--var `{v}` is not NAME=VALUE"),
                span: None,
                path: None,
                help: None,
            }),
        }
    }
    LoadOptions {
        vars: parsed,
        var_files: var_files.to_vec(),
        parameters,
        source_dir: source,
        env: io.env.clone(),
    }
}

fn read_stdin(paths: &[PathBuf], io: &mut Io<'_>) -> Option<String> {
    if !paths.iter().any(|p| p.as_os_str() == "-") {
        return None;
    }
    let mut text = String::new();
    io.stdin.read_to_string(&mut text).ok()?;
    Some(text)
}

fn input_errors(loaded: &mut Loaded) -> Vec<ToolError> {
    loaded
        .errors
        .drain(..)
        .map(|e| ToolError {
            message: e.message,
            span: e.span,
            path: Some(e.path),
            help: e.help,
        })
        .collect()
}

fn build_network(loaded: &mut Loaded) -> Network {
    let mut network = crate::model::link::link(std::mem::take(&mut loaded.network));
    crate::model::validate::validate(&mut network);
    network
}

/// The project configuration: `--config`, else `nsgate.toml` in the working directory or a parent.
fn load_config(
    explicit: Option<&Path>,
    io: &Io<'_>,
    sources: &mut Sources,
    errors: &mut Vec<ToolError>,
) -> policy::config::Config {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => policy::config::discover(&io.cwd),
    };
    let Some(path) = path else {
        return policy::config::Config::default();
    };
    let display = path.display().to_string();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(ToolError {
                message: format!("cannot read configuration {display}: {e}"),
                span: None,
                path: Some(display),
                help: None,
            });
            return policy::config::Config::default();
        }
    };
    let file = sources.add(display, text);
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    match policy::config::parse(file, sources, &base) {
        Ok(c) => c,
        Err(e) => {
            errors.push(policy_error(e));
            policy::config::Config::default()
        }
    }
}

fn check(args: CheckArgs, io: &mut Io<'_>) -> u8 {
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    let paths = relative_paths(&args.paths, &io.cwd);
    let config = load_config(args.config.as_deref(), io, &mut sources, &mut errors);
    let policy_paths: Vec<PathBuf> = config
        .policy_paths
        .iter()
        .chain(args.policies.iter())
        .cloned()
        .collect();
    let mut policies = load_policies(&policy_paths, &mut sources, &mut errors);
    if let Err(e) = config.apply(&mut policies) {
        errors.push(policy_error(e));
    }
    for id in args.only.iter().chain(args.skip.iter()) {
        if !policies.iter().any(|p| p.meta.id.eq_ignore_ascii_case(id)) {
            errors.push(ToolError {
                message: format!("no policy has the ID `{id}`"),
                span: None,
                path: None,
                help: Some("`nsgate policies` lists them".into()),
            });
        }
    }
    policies.retain(|p| {
        (args.only.is_empty()
            || args
                .only
                .iter()
                .any(|id| id.eq_ignore_ascii_case(&p.meta.id)))
            && !args
                .skip
                .iter()
                .any(|id| id.eq_ignore_ascii_case(&p.meta.id))
    });
    // Command-line values come after (and so override) the configuration's.
    let var_files: Vec<PathBuf> = config
        .var_files
        .iter()
        .chain(args.var_files.iter())
        .cloned()
        .collect();
    let parameters = args
        .parameters
        .clone()
        .or_else(|| config.parameters.clone());
    let opts = load_options(
        &args.vars,
        &var_files,
        parameters,
        args.source.clone(),
        io,
        &mut errors,
    );
    if let Some(dir) = &opts.source_dir {
        if !crate::frontend::terraform::detect(dir) {
            errors.push(ToolError {
                message: format!(
                    "--source {}: not a Terraform configuration directory",
                    dir.display()
                ),
                span: None,
                path: Some(dir.display().to_string()),
                help: Some(
                    "give the directory holding the .tf files the plan was made from".into(),
                ),
            });
        }
    }
    let stdin = read_stdin(&paths, io);
    let mut loaded = load_paths(&paths, stdin.as_deref(), &opts, &mut sources);
    errors.extend(input_errors(&mut loaded));
    let network = build_network(&mut loaded);
    let to_configuration = configuration_spans(&loaded, &network, &opts, &mut sources);
    let unknown_value = policies
        .iter()
        .find(|p| p.meta.kind == "unknown-value")
        .map(|p| &p.meta);
    let ctx = CheckContext {
        network: &network,
        sources: &sources,
        unknown_value,
    };
    let mut findings = policy::run(&policies, &ctx);
    // Before suppressions, so an `nsgate:ignore` in a .tf file also covers plan findings.
    point_at_configuration(&mut findings, &to_configuration);
    let mut findings = policy::suppress::apply(findings, &sources);
    policy::sort_findings(&mut findings);
    if let Some(path) = &args.write_baseline {
        if let Err(e) = std::fs::write(path, policy::suppress::baseline_of(&findings)) {
            errors.push(ToolError {
                message: format!("cannot write baseline {}: {e}", path.display()),
                span: None,
                path: Some(path.display().to_string()),
                help: None,
            });
        }
    }
    if let Some(path) = &args.baseline {
        let display = path.display().to_string();
        match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| policy::suppress::parse_baseline(&t))
        {
            Ok(known) => findings.retain(|f| !known.contains(&f.fingerprint)),
            Err(e) => errors.push(ToolError {
                message: format!("baseline {display}: {e}"),
                span: None,
                path: Some(display),
                help: Some("write one with --write-baseline FILE".into()),
            }),
        }
    }
    let report = Report {
        inputs: loaded.inputs,
        findings,
        errors,
        policies: policies.iter().map(|p| p.meta.clone()).collect(),
    };
    let to_file = args.output.is_some();
    let text = report::render(args.format, &report, &sources, style(io, to_file));
    if let Err(code) = write_report(&text, args.output.as_deref(), io) {
        return code;
    }
    exit_code(&report, args.fail_on)
}

/// For plan inputs whose Terraform configuration is at hand (`--source DIR`, or `.tf` files
/// beside the plan), where each place in the plan is written in the configuration.
fn configuration_spans(
    loaded: &Loaded,
    network: &Network,
    opts: &LoadOptions,
    sources: &mut Sources,
) -> std::collections::HashMap<crate::source::Span, crate::source::Span> {
    let mut map = std::collections::HashMap::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for input in loaded
        .inputs
        .iter()
        .filter(|i| i.kind == crate::frontend::InputKind::Plan)
    {
        let beside = match Path::new(&input.path).parent() {
            _ if input.path == "<stdin>" => None,
            Some(p) if p.as_os_str().is_empty() => Some(PathBuf::from(".")),
            p => p.map(Path::to_path_buf),
        };
        let dir = opts
            .source_dir
            .clone()
            .or(beside)
            .filter(|d| crate::frontend::terraform::detect(d));
        if let Some(d) = dir {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    for dir in dirs {
        let mut configuration = Loaded::default();
        crate::frontend::terraform::load(&dir, opts, sources, &mut configuration);
        // A configuration that does not parse only costs the extra locations.
        if configuration.errors.is_empty() {
            map.extend(crate::frontend::plan_source::map_spans(
                network,
                &configuration.network,
            ));
        }
    }
    map
}

fn point_at_configuration(
    findings: &mut [policy::Finding],
    map: &std::collections::HashMap<crate::source::Span, crate::source::Span>,
) {
    if map.is_empty() {
        return;
    }
    for f in findings {
        let extra: Vec<(crate::source::Span, String)> = std::iter::once(&f.primary)
            .chain(f.labels.iter())
            .filter_map(|l| {
                map.get(&l.span)
                    .map(|t| (*t, format!("{} (in the configuration)", l.message)))
            })
            .collect();
        if let Some(r) = f.resource_span.and_then(|s| map.get(&s)) {
            f.resource_span = Some(*r);
        }
        for (span, message) in extra {
            let label = policy::Label::new(span, message);
            if !f.labels.contains(&label) {
                f.labels.push(label);
            }
        }
    }
}

fn write_report(text: &str, output: Option<&Path>, io: &mut Io<'_>) -> Result<(), u8> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            let _ = writeln!(io.stderr, "error: cannot write {}: {e}", path.display());
            EXIT_TOOL_ERROR
        }),
        None => io
            .stdout
            .write_all(text.as_bytes())
            .map_err(|_| EXIT_TOOL_ERROR),
    }
}

fn exit_code(report: &Report, fail_on: FailOn) -> u8 {
    if !report.errors.is_empty() {
        return EXIT_TOOL_ERROR;
    }
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    match threshold {
        Some(t) if report.findings.iter().any(|f| f.severity >= t) => EXIT_FINDINGS,
        _ => EXIT_OK,
    }
}

fn list_policies(args: PoliciesArgs, io: &mut Io<'_>) -> u8 {
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    let policies = load_policies(&args.policies, &mut sources, &mut errors);
    if !errors.is_empty() {
        return print_errors(errors, &sources, io);
    }
    let mut out = String::new();
    for p in &policies {
        out.push_str(&format!(
            "{:<8} {:<26} {:<8} {}\n",
            p.meta.id,
            p.meta.name,
            p.meta.severity.as_str(),
            p.meta.summary
        ));
    }
    let _ = io.stdout.write_all(out.as_bytes());
    EXIT_OK
}

fn explain(args: ExplainArgs, io: &mut Io<'_>) -> u8 {
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    let policies = load_policies(&args.policies, &mut sources, &mut errors);
    if !errors.is_empty() {
        return print_errors(errors, &sources, io);
    }
    match policies
        .iter()
        .find(|p| p.meta.id.eq_ignore_ascii_case(&args.id) || p.meta.name == args.id)
    {
        Some(p) => {
            let _ = io.stdout.write_all(explain_text(&p.meta).as_bytes());
            EXIT_OK
        }
        None => {
            let _ = writeln!(
                io.stderr,
                "error: no policy has the ID `{}` (`nsgate policies` lists them)",
                args.id
            );
            EXIT_TOOL_ERROR
        }
    }
}

/// The text `explain` prints (also the SARIF help text).
pub fn explain_text(p: &policy::PolicyMeta) -> String {
    policy::explain_text(p)
}

fn print_errors(errors: Vec<ToolError>, sources: &Sources, io: &mut Io<'_>) -> u8 {
    let report = Report {
        errors,
        ..Report::default()
    };
    let text = report::render(Format::Human, &report, sources, style(io, false));
    let _ = io.stderr.write_all(text.as_bytes());
    EXIT_TOOL_ERROR
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

fn flow(args: FlowArgs, io: &mut Io<'_>) -> u8 {
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

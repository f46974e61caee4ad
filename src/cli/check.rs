//! `nsgate check`: load the inputs, run the policies, report.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use rayon::prelude::*;

use super::roots::{exclude_of, load_roots, LoadedRoot};
use super::InputArgs;
use super::{
    input_options, load_config, load_policies, policy_error, read_stdin, relative_paths, style,
    write_output, Io, EXIT_FINDINGS, EXIT_OK, EXIT_TOOL_ERROR,
};
use crate::eval::compiled::CompiledRules;
use crate::frontend::{LoadOptions, Loaded};
use crate::model::Severity;
use crate::policy::{self, CheckContext};
use crate::report::{self, Coverage, Format, Report, ToolError};
use crate::source::Sources;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
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
    #[command(flatten)]
    pub input: InputArgs,
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

pub(crate) fn check(args: CheckArgs, io: &mut Io<'_>) -> u8 {
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
    let selected = !args.only.is_empty() || !args.skip.is_empty();
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
    if selected && policies.is_empty() && errors.is_empty() {
        errors.push(misuse("--only and --skip leave no policy to run"));
    }
    let opts = input_options(&config, &args.input, io, &mut errors);
    let stdin = read_stdin(&paths, io, &mut errors);
    let exclude = exclude_of(&config, io);
    let (roots, skipped) = load_roots(
        &paths,
        &exclude,
        stdin.as_deref(),
        &opts,
        &mut sources,
        &mut errors,
    );
    let to_configuration: Vec<_> = roots
        .iter()
        .map(|r| configuration_spans(r, &opts, &mut sources))
        .collect();
    let unknown_value = policies
        .iter()
        .find(|p| p.meta.kind == "unknown-value")
        .map(|p| &p.meta);
    // Each root is evaluated on its own, in parallel; findings name their root.
    let per_root: Vec<Vec<policy::Finding>> = roots
        .par_iter()
        .zip(to_configuration.par_iter())
        .map(|(root, to_configuration)| {
            // Each NSG's rules are compiled once per context and shared by the policies.
            let rules = CompiledRules::new(&root.network);
            let ctx = CheckContext {
                network: &root.network,
                sources: &sources,
                unknown_value,
                rules: &rules,
            };
            let mut findings = policy::run(&policies, &ctx);
            // Before suppressions, so an `nsgate:ignore` in a .tf file also covers plan findings.
            point_at_configuration(&mut findings, to_configuration);
            for f in &mut findings {
                f.in_root(&root.name);
            }
            findings
        })
        .collect();
    let findings = policy::concat(per_root);
    let comments = crate::frontend::comment_spans(&sources);
    let (mut findings, suppressed) = policy::suppress::apply_split(findings, &sources, &comments);
    policy::sort_findings(&mut findings);
    if let Some(path) = args.write_baseline.as_ref().filter(|_| !errors.is_empty()) {
        errors.push(misuse(format!(
            "--write-baseline {}: not written, because this run could not read everything (a baseline of an incomplete run would hide findings)",
            path.display()
        )));
    } else if let Some(path) = &args.write_baseline {
        if let Err(e) = std::fs::write(path, policy::suppress::baseline_of(&findings)) {
            errors.push(ToolError {
                message: format!("cannot write baseline {}: {e}", path.display()),
                span: None,
                path: Some(path.display().to_string()),
                help: None,
            });
        }
    }
    let mut baselined: Vec<policy::Finding> = Vec::new();
    if let Some(path) = &args.baseline {
        let display = path.display().to_string();
        match crate::frontend::read::read_text(path)
            .map_err(|e| e.to_string())
            .and_then(|t| policy::suppress::parse_baseline(&t))
        {
            Ok(known) => {
                let known: std::collections::HashSet<String> = known.into_iter().collect();
                let (recorded, rest) = findings
                    .into_iter()
                    .partition(|f| known.contains(&f.fingerprint));
                findings = rest;
                baselined = recorded;
            }
            Err(e) => errors.push(ToolError {
                message: format!("baseline {display}: {e}"),
                span: None,
                path: Some(display),
                help: Some("write one with --write-baseline FILE".into()),
            }),
        }
    }
    let mut coverage = Coverage {
        suppressed: suppressed.len(),
        baselined: baselined.len(),
        skipped,
        ..Coverage::default()
    };
    for r in &roots {
        coverage.add_network(&r.network);
    }
    let config_input = config
        .file
        .and_then(|f| sources.get(f))
        .map(|f| crate::frontend::Input {
            path: relative_paths(&[PathBuf::from(&f.name)], &io.cwd)
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| f.name.clone()),
            kind: crate::frontend::InputKind::Config,
        });
    let report = Report {
        config: config_input,
        suppressed,
        baselined,
        roots: roots.iter().map(LoadedRoot::info).collect(),
        coverage,
        findings,
        errors,
        policies: policies.iter().map(|p| p.meta.clone()).collect(),
    };
    let style = style(io, args.output.is_some());
    let mut write =
        |w: &mut dyn std::io::Write| report::write(args.format, &report, &sources, style, w);
    if let Err(code) = write_output(args.output.as_deref(), io, &mut write) {
        return code;
    }
    let code = exit_code(&report, args.fail_on);
    io.release((report, roots, sources));
    code
}

/// For plan inputs whose Terraform configuration is at hand (`--source DIR`, or `.tf` files
/// beside the plan), where each place in the plan is written in the configuration.
fn configuration_spans(
    root: &LoadedRoot,
    opts: &LoadOptions,
    sources: &mut Sources,
) -> std::collections::HashMap<crate::source::Span, crate::source::Span> {
    let network = &root.network;
    let mut map = std::collections::HashMap::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for input in root
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

/// A command-line mistake: exit 2 with this message.
fn misuse(message: impl Into<String>) -> ToolError {
    ToolError {
        message: message.into(),
        span: None,
        path: None,
        help: Some("see `nsgate check --help`".into()),
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

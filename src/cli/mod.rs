//! The command line (clap derive): one file per subcommand (`check`, `flow`, `policies`,
//! `explain`); this file holds what they share. `main` only parses the environment into [`Io`]
//! and calls [`run`], so every command is testable in-process.

mod check;
mod explain;
mod flow;
mod inventory;
mod policies;
mod roots;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

pub use check::{CheckArgs, FailOn};
pub use explain::{explain_text, ExplainArgs};
pub use flow::{FlowArgs, FlowProtocol};
pub use inventory::{InventoryArgs, InventoryFormat};
pub use policies::PoliciesArgs;

use crate::frontend::{LoadOptions, Loaded};
use crate::model::Network;
use crate::policy::{self, Policy, PolicyError};
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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check Terraform directories, plans (`terraform show -json`) and ARM templates against
    /// the policies.
    Check(CheckArgs),
    /// Offline "IP flow verify": each NSG on a flow's path and the rule that decides it.
    Flow(FlowArgs),
    /// What nsgate read and will evaluate, root by root: NSGs with rules and attachments,
    /// subnets, NICs, and every value it could not compute.
    Inventory(InventoryArgs),
    /// List the built-in and loaded policies.
    Policies(PoliciesArgs),
    /// Explain a policy: what it checks, why, and how to fix a finding.
    Explain(ExplainArgs),
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
    /// The process exits as soon as the command returns (the binary, not tests or fuzzing):
    /// the loaded model, findings and sources are then left to the operating system, which
    /// takes the memory back at once, instead of being freed object by object (a tenth of the
    /// run on a 20,000-NSG plan).
    pub exits_after: bool,
}

impl Io<'_> {
    /// Free `value`, unless the process is about to exit (see [`Io::exits_after`]).
    pub fn release<T>(&self, value: T) {
        if self.exits_after {
            std::mem::forget(value);
        }
    }
}

/// Exit codes (architecture.md).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_TOOL_ERROR: u8 = 2;

pub fn run(cli: Cli, io: &mut Io<'_>) -> u8 {
    match cli.command {
        Command::Check(args) => check::check(args, io),
        Command::Flow(args) => flow::flow(args, io),
        Command::Inventory(args) => inventory::inventory(args, io),
        Command::Policies(args) => policies::list_policies(args, io),
        Command::Explain(args) => explain::explain(args, io),
    }
}

pub(crate) fn style(io: &Io<'_>, to_file: bool) -> Style {
    let no_color = io.env.iter().any(|(k, v)| k == "NO_COLOR" && !v.is_empty());
    Style {
        color: io.stdout_is_terminal && !to_file && !no_color,
        width: 100,
    }
}

pub(crate) fn policy_error(e: PolicyError) -> ToolError {
    ToolError {
        message: e.message,
        span: e.span,
        path: None,
        help: e.help,
    }
}

/// Built-ins plus rule files from `paths` (files or folders of `.toml`).
pub(crate) fn load_policies(
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
            let text = match crate::frontend::read::read_text(&f) {
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
pub(crate) fn relative_paths(paths: &[PathBuf], cwd: &Path) -> Vec<PathBuf> {
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

/// How the inputs are read, the same for every command that reads them (`check`, `flow`,
/// `inventory`).
#[derive(Debug, Default, clap::Args)]
pub struct InputArgs {
    /// Terraform variable (repeatable): NAME=VALUE.
    #[arg(long = "var")]
    pub vars: Vec<String>,
    /// Terraform variable file (repeatable).
    #[arg(long = "var-file")]
    pub var_files: Vec<PathBuf>,
    /// ARM/Bicep parameters file (`.json` or `.bicepparam`).
    #[arg(long)]
    pub parameters: Option<PathBuf>,
    /// Terraform configuration behind a plan.
    #[arg(long)]
    pub source: Option<PathBuf>,
    /// Evaluate an errored or incomplete plan (what it leaves out is reported as NSG030).
    #[arg(long)]
    pub allow_incomplete_plan: bool,
    /// Terraform workspace: the value of `terraform.workspace` (unknown without it).
    #[arg(long)]
    pub workspace: Option<String>,
}

/// The front ends' options for a command: the configuration's variable files and parameters,
/// then the command line's, which come after and so override them. A file or directory named
/// on the command line that does not exist is an error (exit 2), never silently ignored.
pub(crate) fn input_options(
    config: &policy::config::Config,
    args: &InputArgs,
    io: &Io<'_>,
    errors: &mut Vec<ToolError>,
) -> LoadOptions {
    for file in args.var_files.iter().chain(&args.parameters) {
        if !file.is_file() {
            errors.push(ToolError {
                message: format!("{}: no such file", file.display()),
                span: None,
                path: None,
                help: Some("`--var-file` and `--parameters` name files that must exist".into()),
            });
        }
    }
    let var_files: Vec<PathBuf> = config
        .var_files
        .iter()
        .chain(&args.var_files)
        .cloned()
        .collect();
    let parameters = args
        .parameters
        .clone()
        .or_else(|| config.parameters.clone());
    let mut opts = load_options(
        &args.vars,
        &var_files,
        parameters,
        args.source.clone(),
        io,
        errors,
    );
    opts.allow_incomplete_plan = args.allow_incomplete_plan;
    opts.workspace = args.workspace.clone();
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
    opts
}

pub(crate) fn load_options(
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
        ..LoadOptions::default()
    }
}

pub(crate) fn read_stdin(
    paths: &[PathBuf],
    io: &mut Io<'_>,
    errors: &mut Vec<ToolError>,
) -> Option<String> {
    if !paths.iter().any(|p| p.as_os_str() == "-") {
        return None;
    }
    match crate::frontend::read::read_stream(&mut *io.stdin) {
        Ok(text) => Some(text),
        Err(e) => {
            errors.push(ToolError {
                message: format!("cannot read standard input: {e}"),
                span: None,
                path: Some(crate::frontend::STDIN.into()),
                help: None,
            });
            None
        }
    }
}

pub(crate) fn input_errors(loaded: &mut Loaded) -> Vec<ToolError> {
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

pub(crate) fn build_network(loaded: &mut Loaded) -> Network {
    let mut network = crate::model::link::link(std::mem::take(&mut loaded.network));
    crate::model::validate::validate(&mut network);
    network
}

/// The project configuration: `--config`, else `nsgate.toml` in the working directory or a parent.
pub(crate) fn load_config(
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
    let text = match crate::frontend::read::read_text(&path) {
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

pub(crate) fn write_report(text: &str, output: Option<&Path>, io: &mut Io<'_>) -> Result<(), u8> {
    write_output(output, io, &mut |w| w.write_all(text.as_bytes()))
}

/// Write the output with `write` to `--output`'s file, else standard output (buffered: the
/// line-oriented reports are written a piece at a time).
pub(crate) fn write_output(
    output: Option<&Path>,
    io: &mut Io<'_>,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), u8> {
    match output {
        Some(path) => {
            let written = std::fs::File::create(path).and_then(|file| {
                let mut w = std::io::BufWriter::new(file);
                write(&mut w)?;
                w.flush()
            });
            written.map_err(|e| {
                let _ = writeln!(io.stderr, "error: cannot write {}: {e}", path.display());
                EXIT_TOOL_ERROR
            })
        }
        None => {
            let mut w = std::io::BufWriter::new(&mut *io.stdout);
            write(&mut w)
                .and_then(|()| w.flush())
                .map_err(|_| EXIT_TOOL_ERROR)
        }
    }
}

pub(crate) fn print_errors(errors: Vec<ToolError>, sources: &Sources, io: &mut Io<'_>) -> u8 {
    let report = Report {
        errors,
        ..Report::default()
    };
    let text = report::render(Format::Human, &report, sources, style(io, false));
    let _ = io.stderr.write_all(text.as_bytes());
    EXIT_TOOL_ERROR
}

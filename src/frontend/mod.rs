//! Front ends: each turns one input kind into a [`Network`] fragment with spans and Unknowns.
//!
//! Contract for every front end:
//! - never panic; a construct it does not understand becomes a [`Problem`] or an Unknown;
//! - text it reads is added to [`Sources`] first, and every span points into it;
//! - cross-resource references are written as [`Link::Key`](crate::model::Link)s, resolved
//!   later by [`model::link`](crate::model::link). Key conventions (compared
//!   case-insensitively), so inputs of different kinds can link to each other where they name
//!   the same Azure resource:
//!   - `id:<azure resource id>` for a literal, fully known Azure resource id;
//!   - `name:<kind>:<resource group>/<name>[/<child name>]` for a name pair, where kind is
//!     `nsg`, `vnet`, `subnet`, `nic` or `asg` (a subnet: `name:subnet:<rg>/<vnet>/<subnet>`);
//!   - a front-end address such as `tf:module.net.azurerm_subnet.this["a"]` or
//!     `arm:<deployment path>/<resource type>/<names>`.
//! - input that cannot be read at all (a syntax error, an unreadable file) is an
//!   [`InputError`]: the run ends with exit code 2 after reporting everything else.

pub mod arm;
pub mod bicep;
pub mod budget;
pub mod json;
pub mod plan;
pub mod plan_source;
pub mod read;
pub mod service_files;
pub mod terraform;
pub mod vocab;

use std::fmt;
use std::path::PathBuf;

use crate::model::Network;
use crate::source::{Sources, Span};

/// The kinds of input nsgate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputKind {
    Terraform,
    Plan,
    Arm,
    Bicep,
    /// The `nsgate.toml` the run used (listed so every report names it).
    Config,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Terraform => "terraform",
            InputKind::Plan => "plan",
            InputKind::Arm => "arm",
            InputKind::Bicep => "bicep",
            InputKind::Config => "config",
        }
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Options that feed values into front ends.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--var NAME=VALUE` (Terraform), in command-line order.
    pub vars: Vec<(String, String)>,
    /// `--var-file FILE` (Terraform), in command-line order.
    pub var_files: Vec<PathBuf>,
    /// `--parameters FILE` (ARM/Bicep).
    pub parameters: Option<PathBuf>,
    /// Terraform configuration behind a plan (`--source DIR`).
    pub source_dir: Option<PathBuf>,
    /// Environment variables (`TF_VAR_*`), passed in so loading stays testable.
    pub env: Vec<(String, String)>,
    /// `--allow-incomplete-plan`: evaluate an errored or incomplete plan (its gap is NSG030)
    /// instead of refusing it.
    pub allow_incomplete_plan: bool,
    /// `--workspace NAME`: the value of `terraform.workspace` (unknown without it).
    pub workspace: Option<String>,
}

/// One input that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: String,
    pub kind: InputKind,
}

/// Input nsgate could not read: the run exits with code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub message: String,
    /// Where, when the file could be read at all.
    pub span: Option<Span>,
    /// The path concerned (for errors without a span).
    pub path: String,
    pub help: Option<String>,
}

/// Everything the front ends produced for one run.
#[derive(Debug, Default)]
pub struct Loaded {
    pub inputs: Vec<Input>,
    pub network: Network,
    pub errors: Vec<InputError>,
}

/// Read a file for a front end, adding it to `sources`.
pub fn read_source(
    path: &std::path::Path,
    display: &str,
    sources: &mut Sources,
) -> Result<crate::source::FileId, InputError> {
    match read::read_text(path) {
        Ok(text) => Ok(sources.add(display, text)),
        Err(e) => Err(InputError {
            message: format!("cannot read {display}: {e}"),
            span: None,
            path: display.to_string(),
            help: None,
        }),
    }
}

/// Load every root under `paths` into one network (`-` is standard input, given as `stdin`).
/// `nsgate flow` asks about one network; `check` loads and evaluates each root on its own
/// ([`load_root`]).
pub fn load_paths(
    paths: &[PathBuf],
    stdin: Option<&str>,
    opts: &LoadOptions,
    sources: &mut Sources,
) -> Loaded {
    let found = crate::discover::discover(paths, &crate::discover::Exclude::default());
    let mut out = Loaded {
        errors: found.errors,
        ..Loaded::default()
    };
    let mut texts = found.plan_texts;
    for root in &found.roots {
        let loaded = load_root(root, texts.remove(&root.path), stdin, opts, sources);
        out.inputs.extend(loaded.inputs);
        out.errors.extend(loaded.errors);
        out.network.merge(loaded.network);
    }
    out
}

/// Load one root found by [`discover`](crate::discover::discover). `text`: a plan's text as
/// discovery read it (read from the file when `None`). `stdin` is standard input's text;
/// `None` when it could not be read (the caller reports why), and the root is then empty.
pub fn load_root(
    root: &crate::discover::Root,
    text: Option<String>,
    stdin: Option<&str>,
    opts: &LoadOptions,
    sources: &mut Sources,
) -> Loaded {
    use crate::discover::RootKind;
    let mut out = Loaded::default();
    let display = root.name();
    match root.kind {
        RootKind::Stdin => {
            if let Some(text) = stdin {
                load_stdin(text, opts, sources, &mut out);
            }
        }
        RootKind::Terraform => terraform::load(&root.path, opts, sources, &mut out),
        RootKind::Arm => arm::load(&root.path, opts, sources, &mut out),
        RootKind::Plan => match text.map_or_else(|| read::read_text(&root.path), Ok) {
            Ok(text) => plan::load_text(&display, text, opts, sources, &mut out),
            Err(e) => out.errors.push(InputError {
                message: format!("cannot read {display}: {e}"),
                span: None,
                path: display,
                help: None,
            }),
        },
        RootKind::Bicep => bicep::load(&root.path, opts, sources, &mut out),
    }
    out
}

/// The source name of standard input.
pub const STDIN: &str = "<stdin>";

/// What standard input holds, sniffed from its content (it has no name to go by).
pub fn stdin_kind(text: &str) -> Option<InputKind> {
    if plan::detect(text) {
        Some(InputKind::Plan)
    } else if arm::detect(text) {
        Some(InputKind::Arm)
    } else if bicep::sniff(text) {
        Some(InputKind::Bicep)
    } else if terraform::sniff(text) {
        Some(InputKind::Terraform)
    } else {
        None
    }
}

fn load_stdin(text: &str, opts: &LoadOptions, sources: &mut Sources, out: &mut Loaded) {
    match stdin_kind(text) {
        Some(InputKind::Plan) => plan::load_text(STDIN, text.to_string(), opts, sources, out),
        Some(InputKind::Arm) => arm::load_text(STDIN, text, None, sources, out),
        Some(InputKind::Bicep) => bicep::load_text(STDIN, text, sources, out),
        Some(InputKind::Terraform) => terraform::load_text(STDIN, text, opts, sources, out),
        Some(InputKind::Config) | None => out.errors.push(InputError {
            message: "standard input is neither a Terraform plan (`terraform show -json`), an ARM template, Bicep nor Terraform HCL".into(),
            span: None,
            path: STDIN.into(),
            help: Some("pipe `terraform show -json plan.tfplan`, or give a file or directory".into()),
        }),
    }
}

/// Every real comment of the user's files, as their languages' parsers see them (HCL, JSON
/// with comments, Bicep): what `nsgate:ignore` suppressions are read from — never text in a
/// string.
pub fn comment_spans(sources: &Sources) -> Vec<Span> {
    let mut out = Vec::new();
    for (file, f) in sources
        .iter()
        .filter(|(_, f)| f.origin == crate::source::Origin::User)
    {
        if !f.text.contains("nsgate:ignore") {
            continue;
        }
        let name = f.name.to_ascii_lowercase();
        // Standard input has no name to go by: its kind is sniffed as when it was loaded.
        let stdin = if name == STDIN {
            stdin_kind(&f.text)
        } else {
            None
        };
        let stdin_hcl = stdin == Some(InputKind::Terraform);
        let stdin_json = matches!(stdin, Some(InputKind::Plan | InputKind::Arm));
        let ranges = if stdin_hcl || [".tf", ".tfvars", ".hcl"].iter().any(|e| name.ends_with(e)) {
            terraform::parse::comments(&f.text)
        } else if stdin == Some(InputKind::Bicep)
            || name.ends_with(".bicep")
            || name.ends_with(".bicepparam")
        {
            bicep::comments(&f.text)
                .into_iter()
                .map(|c| c.start..c.end)
                .collect()
        } else if stdin_json
            || [".json", ".jsonc"].iter().any(|e| name.ends_with(e)) && !name.ends_with(".tf.json")
        {
            json::comments(&f.text)
        } else {
            Vec::new()
        };
        out.extend(ranges.into_iter().map(|r| Span::new(file, r.start, r.end)));
    }
    out
}

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
pub mod budget;
pub mod json;
pub mod plan;
pub mod plan_source;
pub mod terraform;

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
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Terraform => "terraform",
            InputKind::Plan => "plan",
            InputKind::Arm => "arm",
            InputKind::Bicep => "bicep",
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
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(sources.add(display, text)),
        Err(e) => Err(InputError {
            message: format!("cannot read {display}: {e}"),
            span: None,
            path: display.to_string(),
            help: None,
        }),
    }
}

/// Load every path (files or directories; `-` is standard input, given as `stdin`), detecting
/// each input's kind. A directory is a Terraform root module when it holds `.tf` files;
/// otherwise the plans and ARM templates in it are read.
pub fn load_paths(
    paths: &[PathBuf],
    stdin: Option<&str>,
    opts: &LoadOptions,
    sources: &mut Sources,
) -> Loaded {
    let mut out = Loaded::default();
    for path in paths {
        if path.as_os_str() == "-" {
            load_stdin(stdin.unwrap_or(""), opts, sources, &mut out);
        } else if path.is_dir() {
            load_dir(path, opts, sources, &mut out);
        } else {
            load_file(path, opts, sources, &mut out);
        }
    }
    out
}

fn load_stdin(text: &str, opts: &LoadOptions, sources: &mut Sources, out: &mut Loaded) {
    if plan::detect(text) {
        plan::load_text("<stdin>", text, opts, sources, out);
    } else if arm::detect(text) {
        arm::load_text("<stdin>", text, None, sources, out);
    } else if terraform::sniff(text) {
        terraform::load_text("<stdin>", text, opts, sources, out);
    } else {
        out.errors.push(InputError {
            message: "standard input is neither a Terraform plan (`terraform show -json`), an ARM template nor Terraform HCL".into(),
            span: None,
            path: "<stdin>".into(),
            help: Some("pipe `terraform show -json plan.tfplan`, or give a file or directory".into()),
        });
    }
}

fn load_dir(path: &std::path::Path, opts: &LoadOptions, sources: &mut Sources, out: &mut Loaded) {
    if terraform::detect(path) {
        terraform::load(path, opts, sources, out);
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut found = false;
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        found |= load_json_text(&f, text, opts, sources, out);
    }
    if !found {
        out.errors.push(InputError {
            message: format!(
                "{} holds no Terraform files, plans or ARM templates",
                path.display()
            ),
            span: None,
            path: path.display().to_string(),
            help: None,
        });
    }
}

fn load_file(path: &std::path::Path, opts: &LoadOptions, sources: &mut Sources, out: &mut Loaded) {
    let display = path.display().to_string();
    if terraform::is_config_file(path) {
        terraform::load(path, opts, sources, out);
        return;
    }
    if path.extension().is_some_and(|x| x == "bicep") {
        out.errors.push(InputError {
            message: format!("{display}: Bicep source is not read directly yet"),
            span: None,
            path: display,
            help: Some("compile it with `bicep build main.bicep` (or `az bicep build`) and check the JSON template it writes".into()),
        });
        return;
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(InputError {
                message: format!("cannot read {display}: {e}"),
                span: None,
                path: display,
                help: None,
            });
            return;
        }
    };
    if arm::is_parameters_file(&text) {
        out.errors.push(InputError {
            message: format!("{display} is an ARM parameters file, not a template"),
            span: None,
            path: display,
            help: Some(
                "check the template it belongs to, with `--parameters` naming this file".into(),
            ),
        });
    } else if !load_json_text(path, text, opts, sources, out) {
        out.errors.push(InputError {
            message: format!("{display} is neither a Terraform configuration, a Terraform plan (`terraform show -json`) nor an ARM template"),
            span: None,
            path: display,
            help: Some("nsgate reads .tf directories, plan JSON and ARM template JSON (what `bicep build` writes)".into()),
        });
    }
}

/// Load a plan or an ARM template whose text was read to tell which it is; `false` when it is
/// neither. The text is handed over (a plan) or dropped before the template is read with its
/// parameters files, so a large file is never held twice.
fn load_json_text(
    path: &std::path::Path,
    text: String,
    opts: &LoadOptions,
    sources: &mut Sources,
    out: &mut Loaded,
) -> bool {
    if plan::detect(&text) {
        plan::load_text(&path.display().to_string(), text, opts, sources, out);
        true
    } else if arm::detect(&text) {
        drop(text);
        arm::load(path, opts, sources, out);
        true
    } else {
        false
    }
}

//! Terraform plan JSON (`terraform show -json plan.tfplan`): the world after `terraform apply`,
//! with values unknown until apply kept as Unknowns (nsg-semantics §5).
//!
//! - [`detect`] recognises a plan by content: an object with `format_version` and
//!   `planned_values` or `resource_changes`. Majors 0 and 1 of `format_version` are read; any
//!   other is an [`InputError`] (exit 2), as the format's compatibility promise asks.
//! - `world` picks each instance's post-apply object (`resource_changes`, then
//!   `planned_values`, then `prior_state`); `lower` turns azurerm resources into the model
//!   (values exactly as written, `after_unknown` leaves as Unknowns with their attribute path);
//!   [`config`] links what only the configuration's references can link (first deploys, where
//!   every id is unknown), with the documented `count.index`/`each.key` pairing heuristic.
//! - Computed attributes that mirror separately managed rules and subnets are not counted twice
//!   (see `lower/mirror.rs`).
//! - Spans point into the plan JSON: a rule at its object in `after`, each field at its value.
//!   Every model resource keeps its plan address ([`Resource::address`](crate::model::Resource)
//!   and a `tf:` key), which is the seam for mapping findings back to the `.tf` block that
//!   wrote it when the configuration directory is available (not done here).
//! - Large plans are skimmed, not parsed whole: see [`skim`].

pub mod address;
pub mod config;
mod lower;
pub mod skim;
pub mod value;
mod world;

use std::ops::Range;
use std::path::Path;

use crate::frontend::json::JsonError;
use crate::frontend::{Input, InputError, InputKind, LoadOptions, Loaded};
use crate::model::{Problem, ProblemKind, Severity};
use crate::source::{FileId, Sources, Span};

/// Whether `text` is a Terraform plan JSON: a top-level object with `format_version` and
/// `planned_values` or `resource_changes` (any `format_version`: [`load_text`] rejects the
/// majors it does not read, and malformed JSON with an error). Walks the top-level members
/// only until both are seen: Terraform writes them first, so a 100 MB plan is recognised
/// without scanning it.
pub fn detect(text: &str) -> bool {
    let doc = skim::Doc::unchecked(text);
    let (mut version, mut parts) = (false, false);
    for key in doc.keys(doc.root.clone()) {
        match key.as_ref() {
            "format_version" => version = true,
            "planned_values" | "resource_changes" => parts = true,
            _ => {}
        }
        if version && parts {
            return true;
        }
    }
    false
}

/// Load a plan file (`-` reads standard input).
pub fn load(path: &Path, opts: &LoadOptions, sources: &mut Sources, out: &mut Loaded) {
    let display = path.display().to_string();
    if display == "-" {
        match crate::frontend::read::read_stream(std::io::stdin()) {
            Ok(text) => load_text("<stdin>", text, opts, sources, out),
            Err(e) => out.errors.push(InputError {
                message: format!("cannot read standard input: {e}"),
                span: None,
                path: "<stdin>".into(),
                help: None,
            }),
        }
        return;
    }
    match crate::frontend::read::read_text(path) {
        Ok(text) => load_text(&display, text, opts, sources, out),
        Err(e) => out.errors.push(InputError {
            message: format!("cannot read {display}: {e}"),
            span: None,
            path: display,
            help: None,
        }),
    }
}

/// Load a plan from text (tests, the fuzz target, standard input).
pub fn load_text(
    name: &str,
    text: impl Into<String>,
    opts: &LoadOptions,
    sources: &mut Sources,
    out: &mut Loaded,
) {
    let file = sources.add(name, text);
    let Some(text) = sources.get(file).map(|f| f.text.clone()) else {
        return;
    };
    out.inputs.push(Input {
        path: name.to_string(),
        kind: InputKind::Plan,
    });
    match read(file, &text, opts.allow_incomplete_plan) {
        Ok(network) => out.network.merge(network),
        Err(e) => out.errors.push(e.into_input_error(name)),
    }
}

/// Why a plan could not be read at all.
struct Fatal {
    message: String,
    span: Span,
    help: Option<String>,
}

impl Fatal {
    fn json(file: FileId, e: JsonError) -> Fatal {
        let at = e.offset as usize;
        Fatal {
            message: format!("malformed plan JSON: {}", e.message),
            span: Span::new(file, at, at),
            help: None,
        }
    }

    fn into_input_error(self, path: &str) -> InputError {
        InputError {
            message: self.message,
            span: Some(self.span),
            path: path.to_string(),
            help: self.help,
        }
    }
}

fn read(file: FileId, text: &str, allow_incomplete: bool) -> Result<crate::model::Network, Fatal> {
    let doc = skim::validate(text).map_err(|e| Fatal::json(file, e))?;
    let root = doc.root.clone();
    let span = |r: &Range<usize>| Span::new(file, r.start, r.end);
    if text.as_bytes().get(root.start) != Some(&b'{') {
        return Err(Fatal {
            message: "not a Terraform plan: the document is not a JSON object".into(),
            span: span(&root),
            help: Some("produce it with `terraform show -json plan.tfplan`".into()),
        });
    }
    let members = doc.members(root.clone());
    let get = |k: &str| skim::last_member(&members, k);
    check_version(&doc, get("format_version"), span(&root))?;
    if get("planned_values").is_none() && get("resource_changes").is_none() {
        return Err(Fatal {
            message: "not a Terraform plan: it has neither `planned_values` nor `resource_changes` (a state file from `terraform show -json` without a plan?)".into(),
            span: span(&root),
            help: Some("produce it with `terraform show -json plan.tfplan`".into()),
        });
    }

    let configuration = match get("configuration") {
        Some(r) => Some(doc.parse(r).map_err(|e| Fatal::json(file, e))?),
        None => None,
    };
    let config = config::Config::new(configuration.as_ref());
    let mut lowerer = lower::Lowerer::new(file, &config);
    plan_gaps(&doc, &get, file, allow_incomplete, &mut lowerer)?;
    {
        let mut world = world::World::new(&doc, &config, &mut lowerer);
        let walk = |world: &mut world::World<'_, '_, '_>| -> Result<(), JsonError> {
            if let Some(r) = get("resource_changes") {
                world.resource_changes(r)?;
            }
            if let Some(r) = get("planned_values") {
                world.values(r)?;
            }
            if let Some(r) = get("prior_state").and_then(|p| doc.member(p, "values")) {
                world.values(r)?;
            }
            Ok(())
        };
        walk(&mut world).map_err(|e| Fatal::json(file, e))?;
    }
    Ok(lowerer.finish())
}

fn check_version(
    doc: &skim::Doc<'_>,
    range: Option<Range<usize>>,
    whole: Span,
) -> Result<(), Fatal> {
    let file = whole.file;
    let Some(range) = range else {
        return Err(Fatal {
            message: "not a Terraform plan: `format_version` is missing".into(),
            span: whole,
            help: Some("produce it with `terraform show -json plan.tfplan`".into()),
        });
    };
    let span = Span::new(file, range.start, range.end);
    // A string as Terraform writes it; a bare number is read too.
    let version = doc
        .string(range.clone())
        .map(|v| v.into_owned())
        .unwrap_or_else(|| doc.raw(range).to_string());
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(0 | 1) => Ok(()),
        _ => Err(Fatal {
            message: format!(
                "unsupported plan format_version `{version}`: nsgate reads plan JSON format versions 0.x and 1.x"
            ),
            span,
            help: Some(
                "a new major version may change the format incompatibly; use a Terraform release whose `terraform show -json` writes format 1.x, or a newer nsgate".into(),
            ),
        }),
    }
}

/// An `errored` or incomplete plan does not show everything that will be deployed: a gate
/// never passes on it. It is an input error, unless `--allow-incomplete-plan` asks to evaluate
/// what it shows; the gap is then an error finding (NSG030).
fn plan_gaps(
    doc: &skim::Doc<'_>,
    get: &dyn Fn(&str) -> Option<Range<usize>>,
    file: FileId,
    allow_incomplete: bool,
    lowerer: &mut lower::Lowerer<'_>,
) -> Result<(), Fatal> {
    let gaps = [
        ("errored", "true", "the plan errored: Terraform could not plan everything, so resources may be missing"),
        ("complete", "false", "the plan is incomplete (deferred changes): another plan and apply are needed, and resources they add are not evaluated"),
    ];
    for (key, bad, message) in gaps {
        let Some(r) = get(key).filter(|r| doc.raw(r.clone()) == bad) else {
            continue;
        };
        let span = Span::new(file, r.start, r.end);
        if !allow_incomplete {
            return Err(Fatal {
                message: message.to_string(),
                span,
                help: Some("fix the plan, or pass --allow-incomplete-plan to evaluate what it shows (the gap is then reported as NSG030)".into()),
            });
        }
        lowerer.problem(Problem::new(
            ProblemKind::Unresolved,
            Severity::Error,
            message,
            span,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

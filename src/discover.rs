//! From the paths on the command line to roots, the unit of work (architecture.md, data flow).
//!
//! A directory is searched recursively (honouring `.gitignore`, never entering `.git`,
//! `.terraform` or Bicep's module cache, and leaving out what `exclude` globs name) for:
//! - Terraform root modules: directories with `.tf`/`.tf.json` files, except those that other
//!   directories found in the same run call as local modules (those are evaluated through
//!   their callers, with the values the callers give them);
//! - Terraform plans and ARM templates: JSON files (`.json`, `.jsonc`, any case) recognised by
//!   their content;
//! - Bicep files (`.bicep`).
//!
//! Every file passed over is recorded with its reason. A file that looks like an input but
//! cannot be read (not a regular file, not text, too large, permission denied) is an error:
//! a gate must not pass on what it could not read.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::frontend::read::{self, ReadError};
use crate::frontend::terraform::ast::{Body, ExprKind};
use crate::frontend::terraform::files::{config_file_kind, FileKind};
use crate::frontend::terraform::fs::normalize;
use crate::frontend::{arm, plan, service_files, InputError, InputKind};

/// One unit of work: loaded, linked and evaluated on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// What to load: a directory (Terraform), a file, or `-` (standard input).
    pub path: PathBuf,
    pub kind: RootKind,
}

impl Root {
    /// The root as reports name it.
    pub fn name(&self) -> String {
        match self.kind {
            RootKind::Stdin => "<stdin>".to_string(),
            _ => display(&self.path),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RootKind {
    Terraform,
    Plan,
    Arm,
    Bicep,
    /// Standard input: its kind is sniffed from the content when it is read.
    Stdin,
}

impl RootKind {
    pub fn input_kind(self) -> Option<InputKind> {
        match self {
            RootKind::Terraform => Some(InputKind::Terraform),
            RootKind::Plan => Some(InputKind::Plan),
            RootKind::Arm => Some(InputKind::Arm),
            RootKind::Bicep => Some(InputKind::Bicep),
            RootKind::Stdin => None,
        }
    }
}

/// A file the search passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// In path order (the order of the command line, then sorted within a directory).
    pub roots: Vec<Root>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<InputError>,
    /// The text of each plan root, read to tell its kind: loading takes it instead of reading
    /// the file a second time (a plan may be hundreds of megabytes).
    pub plan_texts: HashMap<PathBuf, String>,
}

/// What leaves paths out of the search besides `.gitignore`.
#[derive(Debug, Default)]
pub struct Exclude {
    pub globs: Option<GlobSet>,
    /// Globs match paths relative to this directory (where `nsgate.toml` is).
    pub base: PathBuf,
    /// The working directory relative paths are read from.
    pub cwd: PathBuf,
}

impl Exclude {
    fn matches(&self, path: &Path) -> bool {
        let Some(globs) = &self.globs else {
            return false;
        };
        let absolute = |p: &Path| normalize(&self.cwd.join(p));
        let (path, base) = (absolute(path), absolute(&self.base));
        let rel = path.strip_prefix(&base).unwrap_or(&path);
        // A glob naming a folder leaves out everything below it.
        rel.ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| globs.is_match(a))
    }
}

/// Find the roots under `paths` (`-` is standard input).
pub fn discover(paths: &[PathBuf], exclude: &Exclude) -> Discovery {
    let mut out = Discovery::default();
    let mut seen: BTreeSet<(PathBuf, RootKind)> = BTreeSet::new();
    for path in paths {
        let before = out.roots.len();
        let errors_before = out.errors.len();
        let mut found = Vec::new();
        if path.as_os_str() == "-" {
            found.push(Root {
                path: path.clone(),
                kind: RootKind::Stdin,
            });
        } else if path.is_dir() {
            search_dir(path, exclude, &mut found, &mut out);
        } else {
            given_file(path, &mut found, &mut out);
        }
        for root in found {
            let key = (canonical(&root.path), root.kind);
            if root.kind == RootKind::Stdin || seen.insert(key) {
                out.roots.push(root);
            }
        }
        if out.roots.len() == before && out.errors.len() == errors_before && path.is_dir() {
            out.errors.push(InputError {
                message: format!(
                    "{} holds no Terraform configuration, plan, ARM template or Bicep file",
                    display(path)
                ),
                span: None,
                path: display(path),
                help: Some(
                    "nsgate reads .tf directories, plan JSON (`terraform show -json`), ARM template JSON and .bicep files".into(),
                ),
            });
        }
    }
    out.skipped.sort();
    out.skipped.dedup();
    out
}

/// A file named on the command line: its kind decides the root (a `.tf` file stands for its
/// directory); anything else is an error, since the user asked for it explicitly.
fn given_file(path: &Path, found: &mut Vec<Root>, out: &mut Discovery) {
    let shown = display(path);
    if !path.exists() {
        out.errors
            .push(error(&shown, format!("{shown} does not exist"), None));
        return;
    }
    if is_terraform_file(path) {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        found.push(Root {
            path: dir,
            kind: RootKind::Terraform,
        });
        return;
    }
    if is_bicep(path) {
        found.push(Root {
            path: path.to_path_buf(),
            kind: RootKind::Bicep,
        });
        return;
    }
    match classify_json(path) {
        Json::Root(kind, text) => {
            keep_text(out, path, text);
            found.push(Root {
                path: path.to_path_buf(),
                kind,
            })
        }
        Json::Parameters => out.errors.push(error(
            &shown,
            format!("{shown} is an ARM parameters file, not a template"),
            Some("check the template it belongs to, with `--parameters` naming this file".into()),
        )),
        Json::Unreadable(e) => out
            .errors
            .push(error(&shown, format!("cannot read {shown}: {e}"), None)),
        Json::Other(_) | Json::Undecodable => out.errors.push(error(
            &shown,
            format!("{shown} is neither a Terraform configuration, a Terraform plan (`terraform show -json`), an ARM template nor a Bicep file"),
            Some("nsgate reads .tf directories, plan JSON, ARM template JSON and .bicep files".into()),
        )),
    }
}

/// Walk a directory: Terraform directories, JSON inputs and Bicep files.
fn search_dir(dir: &Path, exclude: &Exclude, found: &mut Vec<Root>, out: &mut Discovery) {
    let mut terraform_dirs: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut files: Vec<Root> = Vec::new();
    let mut cloud_service_files: Vec<PathBuf> = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_path(|a, b| a.cmp(b))
        .filter_entry(|e| {
            let name = e.file_name();
            // `.terraform` holds installed modules and Bicep's module cache (a `.bicep` folder,
            // entries named `<tag>$`) holds restored ones: both are read through their callers.
            !(e.file_type().is_some_and(|t| t.is_dir())
                && (name == ".git"
                    || name == ".terraform"
                    || name == ".bicep"
                    || name.to_string_lossy().ends_with('$')))
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.errors.push(error(
                    &display(dir),
                    format!("cannot search {}: {e}", display(dir)),
                    None,
                ));
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        let shown = display(path);
        if service_files::is_service_file(path) {
            cloud_service_files.push(path.to_path_buf());
            continue;
        }
        let interesting = is_terraform_file(path) || is_bicep(path) || is_json_name(path);
        if !interesting {
            continue;
        }
        if exclude.matches(path) {
            out.skipped.push(Skipped {
                path: shown,
                reason: "excluded by `exclude` in nsgate.toml".into(),
            });
            continue;
        }
        // Inputs must be regular files (following links): a FIFO or a device would hang.
        if let Err(e) = std::fs::metadata(path)
            .map_err(|e| ReadError::Io(e.to_string()))
            .and_then(|m| read::regular_file(&m))
        {
            out.errors
                .push(error(&shown, format!("cannot read {shown}: {e}"), None));
            continue;
        }
        if is_terraform_file(path) {
            let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
            terraform_dirs
                .entry(parent)
                .or_default()
                .push(path.to_path_buf());
        } else if is_bicep(path) {
            files.push(Root {
                path: path.to_path_buf(),
                kind: RootKind::Bicep,
            });
        } else {
            match classify_json(path) {
                Json::Root(kind, text) => {
                    keep_text(out, path, text);
                    files.push(Root {
                        path: path.to_path_buf(),
                        kind,
                    })
                }
                Json::Parameters => out.skipped.push(Skipped {
                    path: shown,
                    reason: "ARM parameters file (read with its template)".into(),
                }),
                Json::Other(why) => out.skipped.push(Skipped {
                    path: shown,
                    reason: why.into(),
                }),
                Json::Undecodable => out.skipped.push(Skipped {
                    path: shown,
                    reason: "not UTF-8 or UTF-16 text, and not a template or plan".into(),
                }),
                Json::Unreadable(e) => {
                    out.errors
                        .push(error(&shown, format!("cannot read {shown}: {e}"), None))
                }
            }
        }
    }
    let files = bicep_entries_and_twins(files, out);
    skip_unread_service_files(&cloud_service_files, &files, exclude, out);
    let mut terraform = terraform_roots(&terraform_dirs, out);
    // A plan beside its configuration is the more exact view of the same deployment (values
    // known at plan time): evaluate the plan, not the configuration a second time.
    terraform.retain(|t| {
        let plan = files.iter().find(|f| {
            f.kind == RootKind::Plan
                && f.path.parent().map(canonical) == Some(canonical(&t.path))
        });
        if let Some(plan) = plan {
            out.skipped.push(Skipped {
                path: display(&t.path),
                reason: format!(
                    "the Terraform configuration of plan `{}`, which is evaluated instead (its findings also point at the .tf files)",
                    display(&plan.path)
                ),
            });
        }
        plan.is_none()
    });
    found.extend(terraform);
    found.extend(files);
}

/// `.cscfg` and `.csdef` files are read with the ARM template or Bicep file beside them that
/// deploys a cloud service (see `frontend::service_files`); any other is recorded as skipped.
fn skip_unread_service_files(
    found: &[PathBuf],
    roots: &[Root],
    exclude: &Exclude,
    out: &mut Discovery,
) {
    let mut deploying_dirs: BTreeMap<PathBuf, bool> = BTreeMap::new();
    for path in found {
        let dir = path.parent().map(canonical).unwrap_or_default();
        let read = *deploying_dirs.entry(dir.clone()).or_insert_with(|| {
            roots.iter().any(|r| {
                matches!(r.kind, RootKind::Arm | RootKind::Bicep)
                    && r.path.parent().map(canonical) == Some(dir.clone())
                    && read::read_text(&r.path)
                        .is_ok_and(|t| service_files::deploys_cloud_service(&t))
            })
        });
        if read {
            continue;
        }
        let reason = if exclude.matches(path) {
            "excluded by `exclude` in nsgate.toml".to_string()
        } else {
            "Cloud Services file: read only with an ARM template or Bicep file beside it that deploys `Microsoft.Compute/cloudServices`, and none does".to_string()
        };
        out.skipped.push(Skipped {
            path: display(path),
            reason,
        });
    }
}

/// The Terraform directories that are roots: those no other directory of the run calls as a
/// local module. Directories only reachable through a cycle of calls are roots too, so a
/// directory is never dropped without being evaluated.
fn terraform_roots(dirs: &BTreeMap<PathBuf, Vec<PathBuf>>, out: &mut Discovery) -> Vec<Root> {
    let canon: BTreeMap<PathBuf, PathBuf> =
        dirs.keys().map(|d| (canonical(d), d.clone())).collect();
    let mut calls: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    for (dir, files) in dirs {
        let callees: Vec<PathBuf> = files
            .iter()
            .flat_map(|f| local_module_sources(f))
            .map(|src| canonical(&dir.join(src)))
            .filter(|c| canon.contains_key(c))
            .collect();
        calls.insert(canonical(dir), callees);
    }
    let called: BTreeSet<&PathBuf> = calls.values().flatten().collect();
    let mut roots: Vec<PathBuf> = canon
        .keys()
        .filter(|c| !called.contains(c))
        .cloned()
        .collect();
    // Whatever the roots reach is evaluated through them.
    let mut reached: BTreeSet<PathBuf> = BTreeSet::new();
    let mut stack: Vec<PathBuf> = roots.clone();
    while let Some(d) = stack.pop() {
        if reached.insert(d.clone()) {
            stack.extend(calls.get(&d).into_iter().flatten().cloned());
        }
    }
    for c in canon.keys() {
        if !reached.contains(c) {
            // Only reachable through a cycle: evaluate it on its own (the loader reports the
            // cycle).
            roots.push(c.clone());
            let mut stack = vec![c.clone()];
            while let Some(d) = stack.pop() {
                if reached.insert(d.clone()) {
                    stack.extend(calls.get(&d).into_iter().flatten().cloned());
                }
            }
        }
    }
    for (c, dir) in &canon {
        if roots.contains(c) {
            continue;
        }
        // Name a root that reaches it, so the reader knows where it was evaluated.
        let through = roots
            .iter()
            .find(|r| reaches(&calls, r, c))
            .and_then(|r| canon.get(r))
            .map(|d| format!(" `{}`", display(d)))
            .unwrap_or_default();
        out.skipped.push(Skipped {
            path: display(dir),
            reason: format!(
                "not a root: a Terraform module called by another directory of this run; evaluated through{through}"
            ),
        });
    }
    let mut result: Vec<Root> = roots
        .iter()
        .filter_map(|c| canon.get(c))
        .map(|d| Root {
            path: d.clone(),
            kind: RootKind::Terraform,
        })
        .collect();
    result.sort_by(|a, b| a.path.cmp(&b.path));
    result
}

/// Bicep files that other Bicep files of the run use as modules are evaluated through them.
/// A Bicep entry file whose compiled template sits beside it has a compiled twin: the template
/// is evaluated, once, because it is exactly what Azure receives with every registry module
/// inlined (no `bicep restore` needed). A template is a twin only when it says Bicep made it
/// (`metadata._generator`, see [`arm::compiled_from_bicep`]); a hand-written template beside a
/// `.bicep` file is a deployment of its own. The twin is the template of the same name
/// (`main.bicep` and `main.json`, as Azure Verified Modules keep them), else the only
/// Bicep-made template of a folder with a single Bicep entry file (`main.bicep` and
/// `azuredeploy.json`, as the quickstart templates keep them).
fn bicep_entries_and_twins(files: Vec<Root>, out: &mut Discovery) -> Vec<Root> {
    let bicep: Vec<PathBuf> = files
        .iter()
        .filter(|r| r.kind == RootKind::Bicep)
        .map(|r| r.path.clone())
        .collect();
    let entries = crate::frontend::bicep::entry_points(&bicep);
    let folders: BTreeSet<&Path> = entries.iter().filter_map(|p| p.parent()).collect();
    // Only templates beside a Bicep entry file are read again for their generator.
    let generated: Vec<PathBuf> = files
        .iter()
        .filter(|r| r.kind == RootKind::Arm)
        .map(|r| r.path.clone())
        .filter(|p| p.parent().is_some_and(|d| folders.contains(d)))
        .filter(|p| {
            read::read_bytes(p)
                .ok()
                .and_then(read::decode)
                .is_some_and(|t| arm::compiled_from_bicep(&t))
        })
        .collect();
    let twin_of = |path: &Path| -> Option<PathBuf> {
        let same_name = path.with_extension("json");
        if generated.contains(&same_name) {
            return Some(same_name);
        }
        let dir = path.parent();
        let alone = entries.iter().filter(|p| p.parent() == dir).count() == 1;
        let mut made: Vec<&PathBuf> = generated
            .iter()
            .filter(|p| p.parent() == dir)
            // A template named after another `.bicep` file of the folder is that file's.
            .filter(|t| !bicep.contains(&t.with_extension("bicep")))
            .collect();
        match (alone, made.pop(), made.is_empty()) {
            (true, Some(t), true) => Some(t.clone()),
            _ => None,
        }
    };
    let mut kept = Vec::new();
    for root in files {
        if root.kind != RootKind::Bicep {
            kept.push(root);
        } else if !entries.contains(&root.path) {
            out.skipped.push(Skipped {
                path: display(&root.path),
                reason: "not a root: a Bicep module used by another Bicep file of this run; evaluated through it".into(),
            });
        } else if let Some(twin) = twin_of(&root.path) {
            out.skipped.push(Skipped {
                path: display(&root.path),
                reason: format!(
                    "its compiled template `{}` (made by `bicep build`, says its metadata) is evaluated instead",
                    display(&twin)
                ),
            });
        } else {
            kept.push(root);
        }
    }
    kept
}

/// Whether `from` calls `to`, directly or through other directories.
fn reaches(calls: &HashMap<PathBuf, Vec<PathBuf>>, from: &PathBuf, to: &PathBuf) -> bool {
    let mut seen: BTreeSet<&PathBuf> = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(d) = stack.pop() {
        if d == to && d != from {
            return true;
        }
        if seen.insert(d) {
            stack.extend(calls.get(d).into_iter().flatten());
        }
    }
    false
}

/// The `source` of each `module` block in a Terraform file when it is a local path
/// (`./x`, `../x`). A file that does not parse calls nothing here; loading reports the error.
fn local_module_sources(file: &Path) -> Vec<String> {
    let Ok(text) = read::read_text(file) else {
        return Vec::new();
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let dummy = crate::source::FileId(0);
    let body: Option<Body> = match config_file_kind(&name) {
        Some(FileKind::Hcl) => crate::frontend::terraform::parse::parse_body(dummy, &text).ok(),
        Some(FileKind::Json) => {
            crate::frontend::terraform::json_syntax::parse_config(dummy, &text).ok()
        }
        None => None,
    };
    let Some(body) = body else {
        return Vec::new();
    };
    body.blocks_of("module")
        .filter_map(|b| b.body.attr("source"))
        .filter_map(|a| match &a.expr.kind {
            ExprKind::Str(s) if s.starts_with("./") || s.starts_with("../") => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// Keep a plan's text for loading (see [`Discovery::plan_texts`]).
fn keep_text(out: &mut Discovery, path: &Path, text: Option<String>) {
    if let Some(text) = text {
        out.plan_texts.insert(path.to_path_buf(), text);
    }
}

enum Json {
    /// An input, with its text when it is a plan.
    Root(RootKind, Option<String>),
    Parameters,
    /// Readable JSON that is no input of ours, with the reason.
    Other(&'static str),
    /// Bytes that are no text, and hold nothing that marks a template or plan.
    Undecodable,
    Unreadable(String),
}

/// Tell a JSON file's kind from its content.
fn classify_json(path: &Path) -> Json {
    let bytes = match read::read_bytes(path) {
        Ok(b) => b,
        Err(e) => return Json::Unreadable(e.to_string()),
    };
    // The markers are searched only where they change the answer: a plan or template that
    // decodes is recognised by its content, without another pass over a 100 MB file.
    let text = match read::decode_or_keep(bytes) {
        Ok(text) => text,
        Err(bytes) if looks_like_input(&bytes) => {
            return Json::Unreadable(
                "it looks like an ARM template or a plan but is neither UTF-8 nor UTF-16 text"
                    .into(),
            )
        }
        Err(_) => return Json::Undecodable,
    };
    if plan::detect(&text) {
        Json::Root(RootKind::Plan, Some(text))
    } else if arm::detect(&text) {
        Json::Root(RootKind::Arm, None)
    } else if arm::is_parameters_file(&text) {
        Json::Parameters
    } else if looks_like_input(text.as_bytes()) {
        // It names a template schema or plan fields but could not be read as one: the
        // template loader reports exactly why (a syntax error with its span).
        if text.contains("format_version") {
            Json::Root(RootKind::Plan, Some(text))
        } else {
            Json::Root(RootKind::Arm, None)
        }
    } else {
        Json::Other("JSON that is neither a Terraform plan nor an ARM template")
    }
}

/// Whether raw bytes carry what marks an ARM template or a plan (ASCII, so it is found in any
/// byte-compatible encoding, in any case). One pass over the bytes, stopping at the answer.
fn looks_like_input(bytes: &[u8]) -> bool {
    static MARKERS: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let markers = MARKERS.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                &b"deploymenttemplate.json"[..],
                b"\"format_version\"",
                b"\"planned_values\"",
            ])
            .ok()
    });
    let Some(markers) = markers else {
        return false;
    };
    let mut seen = [false; 3];
    for m in markers.find_overlapping_iter(bytes) {
        if let Some(s) = seen.get_mut(m.pattern().as_usize()) {
            *s = true;
        }
        let [template, format_version, planned_values] = seen;
        if template || (format_version && planned_values) {
            return true;
        }
    }
    false
}

fn is_terraform_file(path: &Path) -> bool {
    crate::frontend::terraform::is_config_file(path)
}

fn is_bicep(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("bicep"))
}

fn is_json_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("json") || x.eq_ignore_ascii_case("jsonc"))
        && !is_terraform_file(path)
}

/// The identity of a directory or file: its canonical path when it exists.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn display(path: &Path) -> String {
    let s = path.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn error(path: &str, message: String, help: Option<String>) -> InputError {
    InputError {
        message,
        span: None,
        path: path.to_string(),
        help,
    }
}

#[cfg(test)]
mod marker_tests {
    use super::looks_like_input;

    #[test]
    fn markers_are_found_in_any_case_and_only_together_for_plans() {
        let schema = br#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "x": ["#;
        assert!(looks_like_input(schema));
        assert!(looks_like_input(
            br#"{"FORMAT_VERSION": "1.2", "x": 1, "Planned_Values": {"#
        ));
        assert!(!looks_like_input(
            br#"{"format_version": "1.2", "values": {}}"#
        ));
        assert!(!looks_like_input(br#"{"planned_values": {}}"#));
        assert!(!looks_like_input(b"\xff\xfe\x00garbage"));
        assert!(!looks_like_input(b""));
    }
}

#[cfg(test)]
mod plan_text_tests {
    use super::*;

    fn testdata(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(path)
    }

    /// A plan is read once: discovery keeps the text it classified the file by, exactly as
    /// the loader would read it; a template's text is not kept (its loader reads it).
    #[test]
    fn plan_roots_keep_the_text_they_were_classified_by() {
        let plan = testdata("plan/count-for-each/plan.json");
        let template = testdata("arm/admin-always-allow/azuredeploy.json");
        for path in [plan.clone(), testdata("plan/count-for-each")] {
            let found = discover(std::slice::from_ref(&path), &Exclude::default());
            assert_eq!(found.roots.len(), 1, "{}", path.display());
            let root = &found.roots[0];
            assert_eq!(root.kind, RootKind::Plan);
            assert_eq!(
                found.plan_texts.get(&root.path),
                Some(&read::read_text(&plan).unwrap())
            );
        }
        let found = discover(&[template], &Exclude::default());
        assert_eq!(found.roots[0].kind, RootKind::Arm);
        assert!(found.plan_texts.is_empty());
    }
}

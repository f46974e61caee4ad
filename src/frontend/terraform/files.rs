//! Reading one module directory: its `.tf` and `.tf.json` files, parsed into a
//! [`ModuleConfig`]. Syntax errors become [`InputError`]s with a span; the other files of the
//! directory are still read.

use std::path::{Path, PathBuf};

use super::ast::Body;
use super::config::ModuleConfig;
use super::fs::{display, Fs};
use super::{json_syntax, parse};
use crate::frontend::InputError;
use crate::source::{FileId, Sources, Span};

/// What kind of Terraform file a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Hcl,
    Json,
}

pub fn config_file_kind(name: &str) -> Option<FileKind> {
    if name.ends_with(".tf.json") {
        Some(FileKind::Json)
    } else if name.ends_with(".tf") {
        Some(FileKind::Hcl)
    } else {
        None
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// Override files merge into other files' blocks, after all of them (Terraform's order).
fn is_override(name: &str) -> bool {
    let stem = name.trim_end_matches(".json").trim_end_matches(".tf");
    stem == "override" || stem.ends_with("_override")
}

/// Read and parse every configuration file of `dir`, in lexical order of file name.
pub fn load_module_dir(
    fs: &dyn Fs,
    dir: &Path,
    sources: &mut Sources,
    errors: &mut Vec<InputError>,
) -> ModuleConfig {
    let mut config = ModuleConfig {
        dir: display(dir),
        ..ModuleConfig::default()
    };
    let mut files: Vec<PathBuf> = match fs.list(dir) {
        Ok(files) => files,
        Err(e) => {
            errors.push(InputError {
                message: format!("cannot read directory {}: {e}", display(dir)),
                span: None,
                path: display(dir),
                help: None,
            });
            return config;
        }
    };
    files.sort_by_key(|p| file_name(p));
    let mut overrides = Vec::new();
    for path in files {
        let name = file_name(&path);
        let Some(kind) = config_file_kind(&name) else {
            continue;
        };
        let shown = display(&path);
        let text = match fs.read(&path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(InputError {
                    message: format!("cannot read {shown}: {e}"),
                    span: None,
                    path: shown,
                    help: None,
                });
                continue;
            }
        };
        // The sources keep the one copy of the text; parsing reads it there.
        let file = sources.add(shown.clone(), text);
        let text = sources.text(file);
        if let Some(body) = parse_config_text(file, &text, kind, &shown, errors) {
            if is_override(&name) {
                overrides.push(body);
            } else {
                config.add_file(body);
            }
        }
    }
    for body in overrides {
        config.add_override_file(body);
    }
    config
}

/// Parse one configuration file's text; a syntax error is pushed to `errors`.
pub fn parse_config_text(
    file: FileId,
    text: &str,
    kind: FileKind,
    shown: &str,
    errors: &mut Vec<InputError>,
) -> Option<Body> {
    let parsed = match kind {
        FileKind::Hcl => parse::parse_body(file, text),
        FileKind::Json => json_syntax::parse_config(file, text),
    };
    match parsed {
        Ok(body) => Some(body),
        Err(e) => {
            errors.push(syntax_error(file, text, shown, &e));
            None
        }
    }
}

pub fn syntax_error(file: FileId, text: &str, shown: &str, e: &parse::SyntaxError) -> InputError {
    let start = e.offset.min(text.len());
    let end = text
        .get(start..)
        .and_then(|rest| rest.chars().next())
        .map(|c| start + c.len_utf8())
        .unwrap_or(start);
    InputError {
        message: format!("syntax error in {shown}: {}", e.message),
        span: Some(Span::new(file, start, end)),
        path: shown.to_string(),
        help: None,
    }
}

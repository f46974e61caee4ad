//! Cloud Services files beside an input (nsg-semantics §6.5): a template or Bicep file that
//! deploys `Microsoft.Compute/cloudServices` by `configurationUrl` has its service
//! configuration (`.cscfg`) — and perhaps its service definition (`.csdef`) — in the same
//! folder. They are read as part of that input: listed among the run's inputs, their spans
//! registered like any source. An input that deploys no cloud service does not read them.

use std::path::{Path, PathBuf};

use crate::frontend::vocab::arm::cscfg::{self, ServiceFiles, SpanMap};
use crate::frontend::{read_source, Input, InputError, InputKind};
use crate::source::Sources;

/// Whether `path` is a service configuration (`.cscfg`) or definition (`.csdef`).
pub fn is_service_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("cscfg") || x.eq_ignore_ascii_case("csdef"))
}

/// Whether an input's text deploys a cloud service (the type is written literally in ARM,
/// Bicep and azapi alike).
pub fn deploys_cloud_service(text: &str) -> bool {
    let needle = b"microsoft.compute/cloudservices";
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The `.cscfg` and `.csdef` files in the folder of `input`, sorted by name.
fn beside(input: &Path) -> Vec<PathBuf> {
    let dir = match input.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| is_service_file(p) && p.is_file())
        .collect();
    out.sort();
    out
}

/// Read and parse the Cloud Services files beside `input` when `text` (the input's) deploys a
/// cloud service; also returns them as inputs of the run. A file that is not well-formed XML
/// is an input error with its span.
pub fn load(
    input: &Path,
    text: &str,
    sources: &mut Sources,
    errors: &mut Vec<InputError>,
) -> (ServiceFiles, Vec<Input>) {
    let mut files = ServiceFiles::default();
    let mut inputs = Vec::new();
    if !deploys_cloud_service(text) {
        return (files, inputs);
    }
    for path in beside(input) {
        let shown = path.display().to_string();
        let file = match read_source(&path, &shown, sources) {
            Ok(f) => f,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        inputs.push(Input {
            path: shown.clone(),
            kind: InputKind::Arm,
        });
        let body = sources
            .get(file)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        let at = SpanMap::File(file);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| shown.clone());
        let is_cscfg = path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("cscfg"));
        let parsed = if is_cscfg {
            cscfg::configuration(&body, at).map(|c| files.configurations.push((name, c)))
        } else {
            cscfg::definition(&body, at).map(|d| files.definitions.push((name, d)))
        };
        if let Err(e) = parsed {
            errors.push(InputError {
                message: format!("{shown}: {}", e.message),
                span: Some(e.span),
                path: shown,
                help: None,
            });
        }
    }
    (files, inputs)
}

//! Modules installed by `terraform init`: `.terraform/modules/modules.json` in the root module
//! maps each module call (its key: `net`, `net.subnets`) to the directory the registry or git
//! source was downloaded to. nsgate never downloads anything; it reads what `init` left.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::fs::{normalize, Fs};

/// Where the manifest lives, relative to the root module.
pub const MANIFEST: &str = ".terraform/modules/modules.json";

#[derive(Debug, Deserialize)]
struct RawManifest {
    #[serde(rename = "Modules", default)]
    modules: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
struct RawEntry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Source", default)]
    source: String,
    #[serde(rename = "Dir")]
    dir: String,
}

/// The installed modules of one root.
#[derive(Debug, Default, Clone)]
pub struct Manifest {
    /// Module key → (source as recorded, directory on disk).
    entries: HashMap<String, (String, PathBuf)>,
}

/// What the manifest says of one module call.
#[derive(Debug, PartialEq)]
pub enum Installed {
    /// Installed here.
    At(PathBuf),
    /// The manifest exists but does not list this call (its source changed since `init`).
    NotListed,
    /// No manifest: `terraform init` has not run here.
    NoManifest,
}

impl Manifest {
    /// Read the manifest of the root module in `root`; `Ok(None)` when there is none.
    pub fn read(fs: &dyn Fs, root: &Path) -> Result<Option<Manifest>, String> {
        let path = root.join(MANIFEST);
        let Ok(text) = fs.read(&path) else {
            return Ok(None);
        };
        let raw: RawManifest =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let entries = raw
            .modules
            .into_iter()
            .filter(|e| !e.key.is_empty())
            .map(|e| {
                let dir = normalize(&root.join(&e.dir));
                (e.key, (e.source, dir))
            })
            .collect();
        Ok(Some(Manifest { entries }))
    }

    /// Where the module call with `key` was installed, when `source` is the one recorded (a
    /// changed source means `init` must run again).
    pub fn lookup(manifest: Option<&Manifest>, key: &str, source: &str) -> Installed {
        let Some(m) = manifest else {
            return Installed::NoManifest;
        };
        match m.entries.get(key) {
            Some((recorded, dir)) if same_source(recorded, source) => Installed::At(dir.clone()),
            _ => Installed::NotListed,
        }
    }
}

/// `init` records registry sources with their host (`registry.terraform.io/Azure/x/azurerm`)
/// and keeps git sources as written.
fn same_source(recorded: &str, written: &str) -> bool {
    recorded == written
        || recorded
            .strip_prefix("registry.terraform.io/")
            .is_some_and(|r| r == written)
        || written
            .strip_prefix("registry.terraform.io/")
            .is_some_and(|w| w == recorded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::terraform::fs::MemFs;

    #[test]
    fn finds_installed_modules_by_key_and_source() {
        let mut fs = MemFs::new();
        fs.add(
            "root/.terraform/modules/modules.json",
            r#"{"Modules":[{"Key":"","Source":"","Dir":"."},
                {"Key":"nsg","Source":"registry.terraform.io/Azure/avm-res-network-networksecuritygroup/azurerm","Version":"0.2.0","Dir":".terraform/modules/nsg"},
                {"Key":"nsg.inner","Source":"./modules/inner","Dir":".terraform/modules/nsg/modules/inner"}]}"#,
        );
        let m = Manifest::read(&fs, Path::new("root")).unwrap();
        assert_eq!(
            Manifest::lookup(
                m.as_ref(),
                "nsg",
                "Azure/avm-res-network-networksecuritygroup/azurerm"
            ),
            Installed::At(PathBuf::from("root/.terraform/modules/nsg"))
        );
        assert_eq!(
            Manifest::lookup(m.as_ref(), "nsg", "Azure/other/azurerm"),
            Installed::NotListed
        );
        assert_eq!(Manifest::lookup(None, "nsg", "x"), Installed::NoManifest);
        assert!(Manifest::read(&fs, Path::new("elsewhere"))
            .unwrap()
            .is_none());
    }
}

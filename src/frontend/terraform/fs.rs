//! File access behind a trait, so the loader runs the same on disk, in tests and under the
//! fuzzer (which feeds whole module trees from memory).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

pub trait Fs {
    /// The files (not directories) directly inside `dir`, in any order.
    fn list(&self, dir: &Path) -> Result<Vec<PathBuf>, String>;
    fn read(&self, path: &Path) -> Result<String, String>;
    fn is_dir(&self, path: &Path) -> bool;
    /// The identity of a directory: where it really is, whatever links lead to it.
    fn canonical(&self, path: &Path) -> PathBuf {
        normalize(path)
    }
}

/// The real file system.
pub struct RealFs;

impl Fs for RealFs {
    fn list(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let entries = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let path = entry.path();
            if path.is_file() {
                files.push(path);
            }
        }
        Ok(files)
    }

    fn read(&self, path: &Path) -> Result<String, String> {
        crate::frontend::read::read_text(path).map_err(|e| e.to_string())
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
    }
}

/// Files held in memory, keyed by normalised path.
#[derive(Debug, Default, Clone)]
pub struct MemFs {
    pub files: BTreeMap<PathBuf, String>,
}

impl MemFs {
    pub fn new() -> MemFs {
        MemFs::default()
    }

    pub fn add(&mut self, path: impl AsRef<Path>, text: impl Into<String>) {
        self.files.insert(normalize(path.as_ref()), text.into());
    }
}

impl Fs for MemFs {
    fn list(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let dir = normalize(dir);
        Ok(self
            .files
            .keys()
            .filter(|p| p.parent().map(normalize).as_ref() == Some(&dir))
            .cloned()
            .collect())
    }

    fn read(&self, path: &Path) -> Result<String, String> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| "no such file".to_string())
    }

    fn is_dir(&self, path: &Path) -> bool {
        let dir = normalize(path);
        self.files.keys().any(|p| p.starts_with(&dir) && *p != dir)
    }
}

/// Lexically normalise a path: drop `.`, fold `dir/..` (no file system access, so symlinks are
/// not followed — module cycles are detected on these normalised paths).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    let p: PathBuf = out.iter().collect();
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p
    }
}

/// A path for messages: normalised, with forward slashes.
pub fn display(path: &Path) -> String {
    let s = normalize(path).to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(normalize(Path::new("./")), PathBuf::from("."));
        assert_eq!(display(Path::new("./a/b/../main.tf")), "a/main.tf");
    }

    #[test]
    fn mem_fs_lists_direct_children_only() {
        let mut fs = MemFs::new();
        fs.add("root/main.tf", "");
        fs.add("root/modules/net/main.tf", "");
        let files = fs.list(Path::new("root")).unwrap();
        assert_eq!(files, vec![PathBuf::from("root/main.tf")]);
        assert!(fs.is_dir(Path::new("root/modules/net")));
        assert!(!fs.is_dir(Path::new("root/nope")));
    }
}

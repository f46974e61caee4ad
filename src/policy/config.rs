//! Project configuration, `nsgate.toml`: found in the current directory or its parents (up to
//! the repository root), or
//! given with `--config`. Parsed with spans, unknown keys rejected; every mistake is a
//! [`PolicyError`] pointing into the file.
//!
//! ```toml
//! policies = ["ci/nsg-policies"]          # extra rule files or folders (relative to this file)
//! exclude  = ["examples/**", "test/*"]    # paths left out of the search for roots (relative
//!                                         # to this file; a folder's glob leaves out all below)
//!
//! [terraform]
//! var_files = ["env/prod.tfvars"]
//!
//! [arm]
//! parameters = "azuredeploy.parameters.prod.json"
//!
//! [policy.NSG002]
//! severity    = "warning"
//! subnets     = ["snet-jump*"]            # scope override (reachability policies); replaces
//! hosts       = ["nic"]                   # the rule file's scope, an omitted key matches all
//! except_from = ["203.0.113.0/24"]        # trusted sources
//! max_public_sources = 16                 # wider public source sets are exposure (default 256)
//!
//! [policy.NSG010]
//! enabled = false
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::model::values::parse_address;
use crate::model::AddressItem;
use crate::policy::file::{parse_severity, toml_error, PolicyError};
use crate::policy::Policy;
use crate::source::{FileId, Sources};

/// The file name looked for.
pub const FILE_NAME: &str = "nsgate.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    policies: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    terraform: Option<RawTerraform>,
    arm: Option<RawArm>,
    policy: Option<BTreeMap<Spanned<String>, Spanned<RawOverride>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerraform {
    var_files: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArm {
    parameters: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    enabled: Option<bool>,
    severity: Option<Spanned<String>>,
    subnets: Option<Spanned<Vec<String>>>,
    hosts: Option<Spanned<Vec<String>>>,
    except_from: Option<Vec<Spanned<String>>>,
    max_public_sources: Option<Spanned<i64>>,
}

/// A validated configuration. Paths are resolved against the config file's directory.
#[derive(Debug, Default)]
pub struct Config {
    pub file: Option<FileId>,
    pub policy_paths: Vec<PathBuf>,
    pub var_files: Vec<PathBuf>,
    pub parameters: Option<PathBuf>,
    /// `exclude` globs, matched against paths relative to [`Config::base`].
    pub exclude: Option<globset::GlobSet>,
    /// The config file's directory.
    pub base: PathBuf,
    overrides: Vec<Override>,
}

#[derive(Debug)]
struct Override {
    id: Spanned<String>,
    enabled: Option<bool>,
    severity: Option<crate::model::Severity>,
    subnets: Option<Spanned<Vec<String>>>,
    hosts: Option<Spanned<Vec<String>>>,
    except_from: Vec<ipnet::IpNet>,
    max_public_sources: Option<Spanned<i64>>,
}

/// `nsgate.toml` in `dir` or its nearest parent that has one, up to the repository root (the
/// directory holding `.git`): a checkout never picks up the configuration of whatever
/// directory it happens to sit in.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    for d in dir.ancestors() {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Parse a config file already added to `sources`; `base` is its directory.
pub fn parse(file: FileId, sources: &Sources, base: &Path) -> Result<Config, PolicyError> {
    let text = sources
        .get(file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let raw: RawConfig = toml::from_str(&text).map_err(|e| toml_error(file, &text, &e))?;
    let path = |s: &Spanned<String>| base.join(s.get_ref());
    let mut config = Config {
        file: Some(file),
        policy_paths: raw.policies.iter().flatten().map(path).collect(),
        var_files: raw
            .terraform
            .iter()
            .flat_map(|t| t.var_files.iter().flatten())
            .map(path)
            .collect(),
        parameters: raw.arm.and_then(|a| a.parameters).map(|p| path(&p)),
        exclude: match &raw.exclude {
            Some(globs) => Some(crate::policy::kinds::glob_matcher(file, globs)?),
            None => None,
        },
        base: base.to_path_buf(),
        overrides: Vec::new(),
    };
    for (id, o) in raw.policy.into_iter().flatten() {
        let o = o.into_inner();
        let severity = match &o.severity {
            Some(s) => Some(parse_severity(file, s)?),
            None => None,
        };
        let mut except_from = Vec::new();
        for p in o.except_from.iter().flatten() {
            match parse_address(p.get_ref()).item {
                Some(AddressItem::Prefix(net)) => except_from.push(net),
                _ => {
                    return Err(PolicyError::at(
                        file,
                        p.span(),
                        format!("`{}` is not an IP address or CIDR prefix", p.get_ref()),
                    ))
                }
            }
        }
        config.overrides.push(Override {
            id,
            enabled: o.enabled,
            severity,
            subnets: o.subnets,
            hosts: o.hosts,
            except_from,
            max_public_sources: o.max_public_sources,
        });
    }
    Ok(config)
}

impl Config {
    /// Apply the `[policy.ID]` tables: drop disabled policies, override severities, scopes and
    /// trusted sources. An ID that names no policy, or a scope on a kind without one, is an error.
    pub fn apply(&self, policies: &mut Vec<Policy>) -> Result<(), PolicyError> {
        let Some(file) = self.file else { return Ok(()) };
        for o in &self.overrides {
            let Some(p) = policies.iter_mut().find(|p| p.meta.id == *o.id.get_ref()) else {
                return Err(PolicyError::at(
                    file,
                    o.id.span(),
                    format!("no policy has the ID `{}`", o.id.get_ref()),
                )
                .with_help("`nsgate policies` lists them"));
            };
            if let Some(s) = o.severity {
                p.meta.severity = s;
            }
            let reachability = p.meta.kind == "reachability";
            // The override replaces the rule file's scope: a key it does not give matches
            // every subnet (`subnets = ["*"]` alone widens NSG001 back to every subnet).
            let scope_span = match (&o.subnets, &o.hosts) {
                (Some(s), _) => Some(s.span()),
                (None, Some(h)) => Some(h.span()),
                (None, None) => None,
            };
            if let Some(span) = scope_span {
                if !reachability {
                    return Err(PolicyError::at(
                        file,
                        span,
                        format!(
                            "policy {} (kind `{}`) has no scope to override",
                            p.meta.id, p.meta.kind
                        ),
                    ));
                }
                let subnets = o.subnets.as_ref().map(|s| s.get_ref().clone());
                let hosts = o.hosts.as_ref().map(|h| h.get_ref().clone());
                p.check
                    .set_scope(subnets, hosts)
                    .map_err(|message| PolicyError::at(file, span, message))?;
            }
            if !o.except_from.is_empty() {
                if !reachability {
                    return Err(PolicyError::at(
                        file,
                        o.id.span(),
                        format!(
                            "policy {} (kind `{}`) takes no `except_from`",
                            p.meta.id, p.meta.kind
                        ),
                    ));
                }
                p.check.add_except_from(o.except_from.clone());
            }
            if let Some(max) = &o.max_public_sources {
                if !reachability {
                    return Err(PolicyError::at(
                        file,
                        max.span(),
                        format!(
                            "policy {} (kind `{}`) takes no `max_public_sources`",
                            p.meta.id, p.meta.kind
                        ),
                    ));
                }
                let count = u128::try_from(*max.get_ref()).map_err(|_| {
                    PolicyError::at(
                        file,
                        max.span(),
                        format!(
                            "`max_public_sources` must be 0 or more, not {}",
                            max.get_ref()
                        ),
                    )
                })?;
                p.check.set_max_public_sources(count).map_err(|why| {
                    PolicyError::at(
                        file,
                        max.span(),
                        format!("policy {} takes no `max_public_sources`: {why}", p.meta.id),
                    )
                })?;
            }
        }
        policies.retain(|p| {
            !self
                .overrides
                .iter()
                .any(|o| *o.id.get_ref() == p.meta.id && o.enabled == Some(false))
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let outer = std::env::temp_dir().join(format!("nsgate-config-{}", std::process::id()));
        let repo = outer.join("repo");
        let sub = repo.join("infra");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(outer.join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&sub), Some(outer.join(FILE_NAME)));
        std::fs::create_dir(repo.join(".git")).unwrap();
        assert_eq!(
            discover(&sub),
            None,
            "a file above .git belongs to another project"
        );
        std::fs::write(repo.join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&sub), Some(repo.join(FILE_NAME)));
        std::fs::remove_dir_all(&outer).unwrap();
    }
}

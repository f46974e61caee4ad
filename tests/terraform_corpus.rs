#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! Every Terraform directory of the shared corpus (`../shared/corpus`) loads without a panic
//! and without an input error caused by nsgate. Run with `--nocapture` for the counts.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use nsgate::frontend::terraform;
use nsgate::frontend::{LoadOptions, Loaded};
use nsgate::model::{link::link, validate::validate, AddressItem, Network, Val};
use nsgate::source::Sources;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");

fn dirs_with_tf(root: &Path, out: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            dirs_with_tf(&path, out);
        } else if terraform::is_config_file(&path) {
            out.insert(root.to_path_buf());
        }
    }
}

/// An Unknown's reason with names and values replaced, so reasons group by kind.
fn reason_kind(reason: &str) -> String {
    let mut out = String::new();
    let mut in_tick = false;
    for c in reason.chars() {
        if c == '`' {
            if !in_tick {
                out.push_str("`…`");
            }
            in_tick = !in_tick;
        } else if !in_tick {
            out.push(c);
        }
    }
    out
}

fn count_unknowns(n: &Network, by_reason: &mut BTreeMap<String, usize>) {
    let mut add = |r: &str| {
        if std::env::var("CORPUS_DETAIL").is_ok() {
            println!("    unknown: {r}");
        }
        *by_reason.entry(reason_kind(r)).or_default() += 1
    };
    for g in &n.nsgs {
        for r in &g.rules {
            for u in [
                r.priority.value.as_unknown(),
                r.direction.value.as_unknown(),
                r.access.value.as_unknown(),
                r.protocol.value.as_unknown(),
            ]
            .into_iter()
            .flatten()
            {
                add(&u.reason);
            }
            for item in r.source.iter().chain(r.destination.iter()) {
                match &item.value {
                    Val::Unknown(u) => add(&u.reason),
                    Val::Known(AddressItem::Asg(l)) => {
                        if let nsgate::model::Link::Unknown(u) = &**l {
                            add(&u.reason)
                        }
                    }
                    _ => {}
                }
            }
            for p in r
                .source_ports
                .items
                .iter()
                .chain(&r.destination_ports.items)
            {
                if let Val::Unknown(u) = &p.value {
                    add(&u.reason);
                }
            }
        }
    }
    for s in &n.subnets {
        for p in &s.prefixes {
            if let Val::Unknown(u) = &p.value {
                add(&u.reason);
            }
        }
    }
}

#[test]
fn every_corpus_directory_loads() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        common::missing_prerequisite(&format!("no corpus at {CORPUS}"));
        return;
    }
    let mut dirs = BTreeSet::new();
    dirs_with_tf(root, &mut dirs);
    let (mut files, mut nsgs, mut rules, mut subnets, mut notes) = (0, 0, 0, 0, 0);
    let mut by_reason = BTreeMap::new();
    let mut failures = Vec::new();
    for dir in &dirs {
        let mut sources = Sources::new();
        let mut loaded = Loaded::default();
        terraform::load(dir, &LoadOptions::default(), &mut sources, &mut loaded);
        files += sources.iter().count() - 1;
        for e in &loaded.errors {
            failures.push(format!("{}: {}", dir.display(), e.message));
        }
        if std::env::var("CORPUS_DETAIL").is_ok() {
            println!("{}", dir.display());
        }
        let mut n = link(std::mem::take(&mut loaded.network));
        validate(&mut n);
        nsgs += n.nsgs.len();
        rules += n.nsgs.iter().map(|g| g.rules.len()).sum::<usize>();
        subnets += n.subnets.len();
        notes += n
            .problems
            .iter()
            .filter(|p| p.kind == nsgate::model::ProblemKind::Note)
            .count();
        count_unknowns(&n, &mut by_reason);
    }
    println!("terraform corpus: {} directories, {files} files, {nsgs} NSGs, {rules} rules, {subnets} subnets, {notes} notes", dirs.len());
    let mut reasons: Vec<_> = by_reason.into_iter().collect();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.1));
    for (reason, count) in reasons {
        println!("  {count:5}  {reason}");
    }
    for f in &failures {
        println!("input error: {f}");
    }
    assert!(failures.is_empty(), "{} input errors", failures.len());
}

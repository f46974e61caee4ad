//! Bicep input errors: a syntax error and a module cycle end the run with exit 2 and a
//! diagnostic that points into the file; comments are listed with their spans.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice
)]

mod common;

#[test]
fn a_syntax_error_is_exit_2_with_its_position() {
    let out = common::nsgate(&[
        "check",
        "--format",
        "compact",
        "testdata/bicep-errors/syntax/main.bicep",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stdout.contains("main.bicep:4:") || out.stderr.contains("main.bicep:4:"),
        "{}{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn a_module_cycle_is_exit_2_and_names_the_cycle() {
    let out = common::nsgate(&[
        "check",
        "--format",
        "compact",
        "testdata/bicep-errors/cycle/a.bicep",
    ]);
    assert_eq!(out.code, 2);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("module cycle"), "{text}");
}

#[test]
fn comments_come_with_spans() {
    let text = "// nsgate:ignore NSG002 -- reviewed\nvar x = 'a // no'\n";
    let c = nsgate::frontend::bicep::comments(text);
    assert_eq!(c.len(), 1);
    assert_eq!(
        &text[c[0].start..c[0].end],
        "// nsgate:ignore NSG002 -- reviewed"
    );
}

/// Every `.bicep` file of the public corpus is valid Bicep (Microsoft compiles it), so none
/// may be a syntax error to nsgate: the gaps of the grammar (spread, strings starting with
/// `//`, line-separated `import` names, …) are covered by nsgate's rewrites.
#[test]
fn every_corpus_bicep_file_parses() {
    let root = common::root().join("../shared/corpus");
    if !root.is_dir() {
        common::missing_prerequisite(&format!("the public corpus at {}", root.display()));
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "bicep" || x == "bicepparam")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 50, "only {} Bicep files found", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let text = if f.extension().is_some_and(|x| x == "bicepparam") {
            nsgate::frontend::bicep::params::rewrite(&text).0
        } else {
            text
        };
        for e in nsgate::frontend::bicep::syntax_errors(&text) {
            let line = text[..e.start].matches('\n').count() + 1;
            failures.push(format!(
                "{}:{line}: {}",
                f.strip_prefix(&root).unwrap().display(),
                e.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The body of the `bicep_loader` fuzz target (cargo-fuzz is not installed here) over every
/// corpus Bicep file, whole and cut at several points (unclosed strings, interpolations,
/// spreads and comments): no panic, and every file is evaluated to a dump.
#[test]
fn the_fuzz_target_body_survives_the_corpus_whole_and_cut() {
    use nsgate::frontend::{bicep, Loaded};
    use nsgate::model::{dump::dump, link::link, validate::validate};
    use nsgate::source::Sources;
    let root = common::root().join("../shared/corpus");
    if !root.is_dir() {
        common::missing_prerequisite(&format!("the public corpus at {}", root.display()));
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "bicep") {
                files.push(p);
            }
        }
    }
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let cuts = (1..8).map(|k| text.len() * k / 8).chain([text.len()]);
        for cut in cuts {
            let Some(part) = text.get(..cut) else {
                continue; // not a character boundary
            };
            let _ = bicep::comments(part);
            let mut sources = Sources::new();
            let mut out = Loaded::default();
            bicep::load_text("fuzz.bicep", part, &mut sources, &mut out);
            let mut net = link(out.network);
            validate(&mut net);
            let _ = dump(&net, &sources);
        }
    }
}

/// A module's `scope: resourceGroup(…)` deploys its resources into that group (the compiled
/// nested deployment's `subscriptionId`/`resourceGroup`): their ids name it, so a NIC in the
/// entry file's group that names `nsg-net` by `resourceId()` in its own group does not reach
/// the module's NSG, while the module's output id does.
#[test]
fn a_module_scope_places_its_resources_in_that_group() {
    let out = common::nsgate(&["inventory", "testdata/bicep-scope/main.bicep"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let text = out.stdout;
    assert!(
        text.contains("NIC nic-own-group — NSG <unknown: network security group `arm:microsoft.network/networksecuritygroups/nsg-net` is not defined in the input>"),
        "{text}"
    );
    assert!(text.contains("NIC nic-net-group — NSG nsg-net;"), "{text}");
    assert!(text.contains("NIC nic-other-sub — NSG nsg-net;"), "{text}");
    assert_eq!(text.matches("NSG nsg-net (nsg)").count(), 2, "{text}");
}

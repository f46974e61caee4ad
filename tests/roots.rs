//! Roots are the unit of work (issue 11): checking several roots gives exactly the union of
//! checking each alone; discovery honours `.gitignore` and `exclude`; a module directory is
//! read once however many paths lead to it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

mod common;

/// A finding as (root, policy, message, path, line): what a reader sees of it.
type Seen = (String, String, String, String, u64);

/// Each finding as a reader sees it.
fn findings(args: &[&str]) -> (u8, BTreeSet<Seen>, serde_json::Value) {
    let mut all = vec!["check", "--format", "json", "--fail-on", "never"];
    all.extend_from_slice(args);
    let out = common::nsgate(&all);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let set = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["root"].as_str().unwrap_or("").to_string(),
                f["policy"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["location"]["path"].as_str().unwrap().to_string(),
                f["location"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    (out.code, set, doc)
}

fn roots_of(doc: &serde_json::Value) -> BTreeSet<String> {
    doc["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["root"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn two_roots_give_the_union_of_each_alone() {
    let prod = "testdata/roots/two-roots/prod";
    let dev = "testdata/roots/two-roots/dev";
    let (_, a, _) = findings(&[prod]);
    let (_, b, _) = findings(&[dev]);
    let (_, both, doc) = findings(&[prod, dev]);
    assert!(!a.is_empty(), "prod has the seed incident");
    assert_eq!(both, a.union(&b).cloned().collect());
    assert_eq!(doc["coverage"]["roots"], 2);
    // The parent directory finds the same two roots.
    let (_, parent, _) = findings(&["testdata/roots/two-roots"]);
    assert_eq!(parent, both);
}

#[test]
fn a_repository_root_is_searched_for_its_roots() {
    let config = "testdata/roots/repo/nsgate.toml";
    let (_, whole, doc) = findings(&["--config", config, "testdata/roots/repo"]);
    assert_eq!(
        roots_of(&doc),
        BTreeSet::from([
            "testdata/roots/repo/examples/basic".to_string(),
            "testdata/roots/repo/live/prod".to_string(),
        ]),
        "the repository's own module is evaluated through examples/basic; scratch is \
         .gitignored and legacy excluded"
    );
    let (_, basic, _) = findings(&["testdata/roots/repo/examples/basic"]);
    let (_, live, _) = findings(&["testdata/roots/repo/live/prod"]);
    assert_eq!(whole, basic.union(&live).cloned().collect());
    let skipped: Vec<String> = doc["coverage"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}: {}",
                s["path"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("testdata/roots/repo/legacy/main.tf: excluded")),
        "{skipped:?}"
    );
    assert!(!skipped.iter().any(|s| s.contains("scratch")));
    // Without the configuration, the legacy root is evaluated (and reports its open RDP).
    let (_, _, doc) = findings(&["testdata/roots/repo"]);
    assert!(roots_of(&doc).contains("testdata/roots/repo/legacy"));
    assert!(!roots_of(&doc).contains("testdata/roots/repo/scratch"));
}

#[test]
fn a_module_directory_is_read_once_through_every_path() {
    let (code, set, doc) = findings(&["testdata/roots/symlinked-module"]);
    assert_eq!(code, 0);
    assert_eq!(set.len(), 2, "{doc}");
    for (_, _, _, path, _) in &set {
        assert_eq!(path, "testdata/roots/symlinked-module/modules/nsg/main.tf");
    }
    let (code, _, doc) = findings(&["testdata/roots/symlink-loop"]);
    assert_eq!(code, 2);
    let message = doc["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("module cycle: "), "{message}");
}

#[test]
fn files_that_look_like_inputs_but_cannot_be_read_are_errors() {
    let dir = std::env::temp_dir().join(format!("nsgate-roots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let template = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": []}"#;
    // UTF-16 with a byte-order mark is decoded and read; `.JSON` and `.jsonc` are templates too.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(template.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.join("utf16.json"), utf16).unwrap();
    std::fs::write(dir.join("upper.JSON"), template).unwrap();
    std::fs::write(
        dir.join("comments.jsonc"),
        format!("// a comment\n{template}"),
    )
    .unwrap();
    std::fs::write(dir.join("package.json"), r#"{"name": "not-an-input"}"#).unwrap();
    let shown = dir.to_str().unwrap();
    let (code, _, doc) = findings(&[shown]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["coverage"]["roots"], 3, "{doc}");
    assert_eq!(
        doc["coverage"]["skipped"].as_array().unwrap().len(),
        1,
        "{doc}"
    );
    // A template that is not text, and a FIFO named like a template, are errors (exit 2).
    let mut latin1 = template.as_bytes().to_vec();
    latin1.extend(b" \xE9");
    std::fs::write(dir.join("latin1.json"), latin1).unwrap();
    #[cfg(unix)]
    {
        let fifo = dir.join("pipe.json");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(status.is_ok_and(|s| s.success()), "mkfifo");
    }
    let (code, _, doc) = findings(&[shown]);
    assert_eq!(code, 2, "{doc}");
    let errors: Vec<&str> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("latin1.json") && e.contains("neither UTF-8 nor UTF-16")),
        "{errors:?}"
    );
    #[cfg(unix)]
    assert!(
        errors
            .iter()
            .any(|e| e.contains("pipe.json") && e.contains("not a regular file")),
        "{errors:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A Bicep module path that names a FIFO is an error, not a hang (modules are read like every
/// other input: regular files of bounded size).
#[cfg(unix)]
#[test]
fn a_bicep_module_that_is_a_fifo_is_an_error_not_a_hang() {
    let dir = std::env::temp_dir().join(format!("nsgate-bicep-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.bicep"),
        "module m './pipe.txt' = {\n  name: 'm'\n}\n",
    )
    .unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.txt"))
        .status();
    assert!(status.is_ok_and(|s| s.success()), "mkfifo");
    let shown = dir.to_str().unwrap();
    let (code, _, doc) = findings(&[shown]);
    assert_eq!(code, 2, "{doc}");
    let errors = doc["errors"].to_string();
    assert!(
        errors.contains("pipe.txt") && errors.contains("not a regular file"),
        "{errors}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two roots built from one configuration (a dev and a prod of the same module) have findings
/// with the same resource addresses; a baseline recorded for one must not hide the other's.
#[test]
fn a_baseline_of_one_root_does_not_hide_the_same_finding_in_another() {
    let dir = std::env::temp_dir().join(format!("nsgate-root-baseline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for root in ["a", "b"] {
        let to = dir.join(root);
        std::fs::create_dir_all(&to).unwrap();
        for entry in
            std::fs::read_dir(common::root().join("testdata/roots/two-roots/prod")).unwrap()
        {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    let baseline = dir.join("baseline.json");
    let a = dir.join("a");
    let out = common::nsgate(&[
        "check",
        "--fail-on",
        "never",
        "--write-baseline",
        baseline.to_str().unwrap(),
        a.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (_, left, doc) = findings(&[
        "--baseline",
        baseline.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    let roots: BTreeSet<&str> = left.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(roots.len(), 1, "{left:?}");
    assert!(roots.iter().all(|r| r.ends_with('b')), "{left:?}");
    assert_eq!(doc["coverage"]["baselined"], 1, "{doc}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bicep_file_is_not_evaluated_beside_the_template_bicep_made_of_it() {
    let (_, _, doc) = findings(&["testdata/roots/bicep-twin"]);
    assert_eq!(
        roots_of(&doc),
        BTreeSet::from([
            "testdata/roots/bicep-twin/compiled/azuredeploy.json".to_string(),
            "testdata/roots/bicep-twin/handwritten/azuredeploy.json".to_string(),
            "testdata/roots/bicep-twin/handwritten/main.bicep".to_string(),
        ]),
        "a template without Bicep's `_generator` is a deployment of its own: {doc}"
    );
    let skipped = doc["coverage"]["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(
            |s| s["path"] == "testdata/roots/bicep-twin/compiled/main.bicep"
                && s["reason"]
                    .as_str()
                    .unwrap()
                    .contains("compiled/azuredeploy.json")
        ),
        "{skipped:?}"
    );
}

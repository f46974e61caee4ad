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

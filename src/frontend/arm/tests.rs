//! End-to-end unit tests of the ARM front end on small inline templates.

use super::*;
use crate::model::{dump::dump, link::link, validate::validate, Network};

pub(crate) fn run(text: &str, params: Option<&str>) -> (Network, Sources, Vec<InputError>) {
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    load_text(
        "t.json",
        text,
        params.map(|p| ("t.parameters.json", p)),
        &mut sources,
        &mut out,
    );
    let mut net = link(out.network);
    validate(&mut net);
    (net, sources, out.errors)
}

fn dumped(text: &str, params: Option<&str>) -> String {
    let (net, sources, errors) = run(text, params);
    assert!(errors.is_empty(), "{errors:?}");
    dump(&net, &sources)
}

#[test]
fn scratch_example() {
    let text = std::fs::read_to_string("/tmp/ex45.json").unwrap();
    println!("{}", dumped(&text, None));
}

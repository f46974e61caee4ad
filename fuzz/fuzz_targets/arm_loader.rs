//! Fuzz the ARM front end: any text, as a template and (after a `\n---\n` line) a parameters
//! file, must load, link, validate and dump without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsgate::frontend::{arm, Loaded};
use nsgate::model::{dump::dump, link::link, validate::validate};
use nsgate::source::Sources;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (template, params) = match text.split_once("\n---\n") {
        Some((t, p)) => (t, Some(("fuzz.parameters.json", p))),
        None => (text, None),
    };
    let _ = arm::detect(template);
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    arm::load_text("fuzz.json", template, params, &mut sources, &mut out);
    let mut net = link(out.network);
    validate(&mut net);
    let _ = dump(&net, &sources);
});

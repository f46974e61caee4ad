//! Fuzz the Bicep front end: any text must parse, evaluate, lower, link, validate and dump
//! without panicking, and its comments must be listed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsgate::frontend::{bicep, Loaded};
use nsgate::model::{dump::dump, link::link, validate::validate};
use nsgate::source::Sources;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = bicep::comments(text);
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    bicep::load_text("fuzz.bicep", text, &mut sources, &mut out);
    let mut net = link(out.network);
    validate(&mut net);
    let _ = dump(&net, &sources);
});

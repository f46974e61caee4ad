//! The plan JSON front end on arbitrary input: detection, loading, linking and the model dump
//! must never panic, whatever the bytes. Inputs that are not UTF-8 are read lossily, as a
//! file would be rejected earlier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsgate::frontend::{plan, LoadOptions, Loaded};
use nsgate::source::Sources;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let _ = plan::detect(&text);
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    plan::load_text("fuzz.json", text, &LoadOptions::default(), &mut sources, &mut out);
    let mut network = nsgate::model::link::link(out.network);
    nsgate::model::validate::validate(&mut network);
    let _ = nsgate::model::dump::dump(&network, &sources);
});

//! Fuzz the Cloud Services file readers: any text, as a service configuration (`.cscfg`) and
//! as a service definition (`.csdef`), is read or refused with an error whose span lies inside
//! the text, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsgate::frontend::vocab::arm::cscfg::{configuration, definition, SpanMap};
use nsgate::source::FileId;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let at = SpanMap::File(FileId(0));
    let inside = |end: u32| end as usize <= text.len();
    match configuration(text, at) {
        Ok(c) => assert!(c.addresses.iter().all(|a| inside(a.span.end))),
        Err(e) => assert!(inside(e.span.end)),
    }
    if let Err(e) = definition(text, at) {
        assert!(inside(e.span.end));
    }
});

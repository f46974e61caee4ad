//! Fuzz policy rule files: any text loaded as a rule file must become a policy or a
//! `PolicyError` whose span lies inside the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsgate::policy::load_policy;
use nsgate::source::Sources;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::new();
    let file = sources.add("fuzz.toml", text);
    if let Err(e) = load_policy(file, &sources) {
        if let Some(span) = e.span {
            assert!(span.end as usize <= text.len(), "error span past the file");
            let _ = sources.line_col(span);
        }
    }
});

//! Fuzz `nsgate.toml`: any text must parse into a configuration that applies to the built-in
//! policies, or into a `PolicyError` with a span inside the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsgate::policy::{builtin::builtin_policies, config};
use nsgate::source::Sources;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::new();
    let Ok(mut policies) = builtin_policies(&mut sources) else {
        return;
    };
    let file = sources.add("nsgate.toml", text);
    let error = match config::parse(file, &sources, std::path::Path::new("")) {
        Ok(c) => c.apply(&mut policies).err(),
        Err(e) => Some(e),
    };
    if let Some(span) = error.and_then(|e| e.span) {
        let _ = sources.line_col(span);
    }
});

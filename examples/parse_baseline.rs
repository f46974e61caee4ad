//! The reference point of `benches/scaling.sh`: read one file and parse it with a plain parser
//! that keeps no positions — `serde_json::Value` for `.json`, `hcl-edit` for `.tf` — so the
//! script can print nsgate's time and peak memory beside what merely parsing the file costs.
//!
//! ```text
//! cargo run --release --example parse_baseline -- FILE
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_baseline FILE");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let ok = if path.ends_with(".tf") {
        hcl_edit::parser::parse_body(&text).is_ok()
    } else {
        serde_json::from_str::<serde_json::Value>(&text).is_ok()
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("{path} does not parse");
        ExitCode::from(1)
    }
}

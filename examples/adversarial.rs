//! Write the adversarial inputs of issue 16 at any size, for measuring time and peak memory of
//! a whole run (`/usr/bin/time -v nsgate check <file>`). The regression tests in
//! `tests/robustness.rs` use the same shapes at small sizes.
//!
//! ```text
//! cargo run --release --example adversarial -- <shape> <size> <out-file>
//! ```
//!
//! Shapes: `tf-<op>` (a list doubled `size` times through shared locals, then `op` over it:
//! flatten, jsonencode, eq, toset, distinct, setunion, dynamic), `arm-<op>` (the `createArray`
//! twin: string, json, equals), `arm-copy` (`size` NSGs × `size` rules × a `size`-prefix
//! variable), `arm-numbers` (a one-line template padded with `size` MB of integers),
//! `tf-numbers` (the same in HCL), `big-nsg` (one NSG of 1,000 rules × `size` prefixes).

#[path = "../benches/support/adversarial.rs"]
mod adversarial;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(shape), Some(size), Some(out)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("usage: adversarial <shape> <size> <out-file>");
        std::process::exit(2);
    };
    let Ok(size) = size.parse::<usize>() else {
        eprintln!("size must be a number");
        std::process::exit(2);
    };
    let Some(text) = adversarial::generate(shape, size) else {
        eprintln!("unknown shape {shape}");
        std::process::exit(2);
    };
    if let Err(e) = std::fs::write(out, text) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(2);
    }
}

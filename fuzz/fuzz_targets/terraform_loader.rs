#![no_main]
//! Fuzz the Terraform loader: the input is split on byte 0x01 into a root `main.tf`, a
//! `terraform.tfvars`, a local module `modules/m/main.tf` and a `main.tf.json`, loaded from
//! memory, then linked and validated. Any panic, hang or stack overflow is a bug.
//!
//! Every native HCL part also goes through the parser's literal-tuple pre-pass with every tuple
//! taken (not only the large ones a load takes): the tree must be exactly hcl-edit's own.

use libfuzzer_sys::fuzz_target;
use nsgate::frontend::terraform::{fs::MemFs, load_dir};
use nsgate::frontend::{LoadOptions, Loaded};
use nsgate::source::Sources;

const NAMES: [&str; 4] = [
    "root/main.tf",
    "root/terraform.tfvars",
    "root/modules/m/main.tf",
    "root/main.tf.json",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (name, part) in NAMES.iter().zip(text.split('\u{1}')) {
        if !name.ends_with(".json") {
            if let Err(diff) = nsgate::frontend::terraform::parse::prepass_agrees(part, 1) {
                panic!("the literal-tuple pre-pass changed the tree of {name}:\n{diff}");
            }
        }
    }
    let mut fs = MemFs::new();
    for (name, part) in NAMES.iter().zip(text.split('\u{1}')) {
        fs.add(name, part);
    }
    let mut sources = Sources::new();
    let mut loaded = Loaded::default();
    load_dir(&fs, std::path::Path::new("root"), &LoadOptions::default(), &mut sources, &mut loaded);
    let mut network = nsgate::model::link::link(loaded.network);
    nsgate::model::validate::validate(&mut network);
    let _ = nsgate::model::dump::dump(&network, &sources);
});

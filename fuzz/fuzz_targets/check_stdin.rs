//! Fuzz the whole `nsgate check -` path: the first byte picks the output format, the rest is
//! standard input (a plan, an ARM template or anything else). Detection, loading, linking,
//! every policy and the reporter must never panic; the exit code is 0, 1 or 2.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsgate::cli::{run, Cli, Io};
use clap::Parser;

const FORMATS: [&str; 6] = ["human", "compact", "json", "sarif", "junit", "github"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, stdin)) = data.split_first() else {
        return;
    };
    let format = FORMATS.get(usize::from(pick) % FORMATS.len()).copied().unwrap_or("human");
    let Ok(cli) = Cli::try_parse_from(["nsgate", "check", "-", "--format", format]) else {
        return;
    };
    // An empty folder as the working directory, so no nsgate.toml is discovered.
    let cwd = std::env::temp_dir().join("nsgate-fuzz-empty");
    let _ = std::fs::create_dir_all(&cwd);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = stdin;
    let mut io = Io {
        stdout: &mut out,
        stderr: &mut err,
        stdin: &mut input,
        env: Vec::new(),
        stdout_is_terminal: true,
        cwd,
        exits_after: false,
    };
    let code = run(cli, &mut io);
    assert!(code <= 2, "exit code {code}");
});

//! The `nsgate` binary: parse the process environment and hand over to the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

/// mimalloc (v2) rather than the system allocator: a check allocates and frees many small
/// values from two threads, and glibc's malloc took a quarter of a large plan's run; with
/// mimalloc the dense 20,000-NSG plan runs ~30% faster in the same peak memory. Its arenas
/// commit memory as it is used (`.cargo/config.toml`), which keeps peaks within a few MB of
/// glibc's (docs/performance.md, "Sixth pass").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = nsgate::cli::Cli::parse();
    let stdout = std::io::stdout();
    let is_terminal = stdout.is_terminal();
    let mut out = stdout.lock();
    let mut err = std::io::stderr().lock();
    let mut stdin = std::io::stdin().lock();
    let mut io = nsgate::cli::Io {
        stdout: &mut out,
        stderr: &mut err,
        stdin: &mut stdin,
        env: std::env::vars().collect(),
        stdout_is_terminal: is_terminal,
        cwd: std::env::current_dir().unwrap_or_default(),
        exits_after: true,
    };
    ExitCode::from(nsgate::cli::run(cli, &mut io))
}

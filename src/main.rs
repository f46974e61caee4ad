//! The `nsgate` binary: parse the process environment and hand over to the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

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

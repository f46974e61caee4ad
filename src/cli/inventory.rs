//! `nsgate inventory`: what nsgate read and will evaluate, root by root — the NSGs with their
//! rules and attachments, subnets with prefixes, NICs, and every value it could not compute.

use std::path::PathBuf;

use clap::ValueEnum;

use super::roots::{exclude_of, load_roots};
use super::InputArgs;
use super::{
    input_options, load_config, print_errors, read_stdin, relative_paths, write_report, Io, EXIT_OK,
};
use crate::report::inventory::{self, InventoryRoot};
use crate::source::Sources;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct InventoryArgs {
    /// Files or directories (default: the current directory); `-` reads standard input.
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: InventoryFormat,
    /// Project configuration (default: nsgate.toml in the current directory or its parents).
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the inventory here instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub(crate) fn inventory(args: InventoryArgs, io: &mut Io<'_>) -> u8 {
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    let paths = relative_paths(&args.paths, &io.cwd);
    let config = load_config(args.config.as_deref(), io, &mut sources, &mut errors);
    let opts = input_options(&config, &args.input, io, &mut errors);
    let stdin = read_stdin(&paths, io, &mut errors);
    let exclude = exclude_of(&config, io);
    let (roots, skipped) = load_roots(
        &paths,
        &exclude,
        stdin.as_deref(),
        &opts,
        &mut sources,
        &mut errors,
    );
    if !errors.is_empty() {
        return print_errors(errors, &sources, io);
    }
    let inventory_roots: Vec<InventoryRoot<'_>> = roots
        .iter()
        .map(|r| InventoryRoot {
            info: r.info(),
            network: &r.network,
        })
        .collect();
    let text = match args.format {
        InventoryFormat::Human => inventory::render_human(&inventory_roots, &skipped, &sources),
        InventoryFormat::Json => inventory::render_json(&inventory_roots, &skipped, &sources),
    };
    if let Err(code) = write_report(&text, args.output.as_deref(), io) {
        return code;
    }
    EXIT_OK
}

//! Command-line interface: one module per subcommand, each with its own argument struct.
//!
//! Errors are handled once, here: printed as one `error: …` line chain (`{err:#}`) with a non-zero exit code.

mod analyze;
mod gui;
mod supported_ops;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// nncube: see what a neural network costs on an STM32, optimize it, and generate C for it.
#[derive(Debug, Parser)]
#[command(name = "nncube", version, about, long_about = None)]
pub struct Cli {
    /// What to do (the desktop configurator when absent).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report per-layer MACC, weights and activation memory of a model.
    Analyze(analyze::AnalyzeArgs),
    /// List the operators nncube can import.
    SupportedOps,
    /// Open the desktop configurator (the default without a subcommand).
    Gui(gui::GuiArgs),
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Analyze(args)) => analyze::run(&args),
        Some(Command::SupportedOps) => {
            supported_ops::run();
            Ok(())
        }
        Some(Command::Gui(args)) => gui::run(args),
        None => gui::run(gui::GuiArgs::default()),
    }
}

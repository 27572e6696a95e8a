//! Command-line interface: one module per subcommand, each with its own argument struct.
//!
//! Errors are handled once, here: printed as one `error: …` line chain (`{err:#}`) with a non-zero exit code.

pub mod analyze;
mod benchmark;
mod boards;
mod generate;
mod gui;
mod memory_png;
mod model_graph;
mod passes;
pub mod project;
mod run;
mod stdout;
mod supported_ops;
mod validate;

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
    /// Generate C code (network, weights, kernel library) for a model.
    Generate(generate::GenerateArgs),
    /// List the operators nncube can import.
    SupportedOps,
    /// List the optimization passes, in pipeline order.
    Passes,
    /// Run a model on .npy inputs (or seeded random ones) and write its outputs.
    Run(run::RunArgs),
    /// Compare the generated C (compiled for this machine) with the reference interpreter.
    Validate(validate::ValidateArgs),
    /// List the boards nncube can build for (id, MCU, core, clock, flash, RAM).
    Boards(boards::BoardsArgs),
    /// Build a model for a virtual board, run it, and report instructions per inference, per MAC, per layer.
    Benchmark(benchmark::BenchmarkArgs),
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
        Some(Command::Generate(args)) => generate::run(&args),
        Some(Command::SupportedOps) => supported_ops::run(),
        Some(Command::Passes) => passes::run(),
        Some(Command::Run(args)) => run::run(&args),
        Some(Command::Validate(args)) => validate::run(&args),
        Some(Command::Boards(args)) => boards::run(&args),
        Some(Command::Benchmark(args)) => benchmark::run(&args),
        Some(Command::Gui(args)) => gui::run(args),
        None => gui::run(gui::GuiArgs::default()),
    }
}

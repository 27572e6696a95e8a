//! Command-line interface: one module per subcommand, each with its own argument struct.
//!
//! Errors are handled once, here: printed as one `error: …` line chain (`{err:#}`) with a non-zero exit code.

mod analyze;
mod benchmark;
mod boards;
mod generate;
mod memory_png;
mod model_graph;
mod passes;
mod project;
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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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
        Command::Analyze(args) => analyze::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::SupportedOps => supported_ops::run(),
        Command::Passes => passes::run(),
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Boards(args) => boards::run(&args),
        Command::Benchmark(args) => benchmark::run(&args),
    }
}

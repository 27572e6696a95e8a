//! `nncube generate`: import a model and write its C code (network, weights, reports and the kernel library).
//!
//! Atomic: everything is generated in memory, written to a temporary directory next to the output directory,
//! and renamed into place. Existing output directories may only contain files `generate` writes; nothing else
//! is ever deleted or overwritten.

use super::stdout::outln;
use anyhow::{Context, bail};
use clap::Args;
use nncube_core::codegen::{self, CodegenOptions, GeneratedFiles};
use nncube_core::target::Board;
use nncube_core::target::firmware::DEFAULT_STACK_BYTES;
use nncube_core::target::project::plan_for_board;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Arguments of `nncube generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The model file (.tflite).
    pub model: PathBuf,
    /// Use the graph as imported, without running the optimization passes.
    #[arg(long)]
    pub no_optimize: bool,
    /// Output directory (created; if it exists it may only hold files a previous `generate` wrote).
    #[arg(short, long, value_name = "DIR", required_unless_present = "project")]
    pub output: Option<PathBuf>,
    /// Network name: prefix of files and C symbols (default: the model file's stem).
    #[arg(long)]
    pub name: Option<String>,
    /// Do not write the kernel library sources (nncube_runtime/).
    #[arg(long)]
    pub no_runtime: bool,
    /// One weights array per tensor instead of one blob.
    #[arg(long)]
    pub split_weights: bool,
    /// Graph inputs live in caller buffers (`NAME_set_input_buffer`), not in the activations buffer.
    #[arg(long, conflicts_with = "project")]
    pub no_inputs_allocation: bool,
    /// Graph outputs live in caller buffers (`NAME_set_output_buffer`), not in the activations buffer.
    #[arg(long, conflicts_with = "project")]
    pub no_outputs_allocation: bool,
    /// Write a complete firmware project for `--board` into DIR instead (docs/project.md).
    #[arg(
        long,
        value_name = "DIR",
        requires = "board",
        conflicts_with = "output"
    )]
    pub project: Option<PathBuf>,
    /// Board id (see `nncube boards`) or board file (.ron): plan the activations over its RAM regions, the most
    /// used buffers in the fastest (one activation buffer per region used, docs/c-api.md); the `--project` board.
    #[arg(long)]
    pub board: Option<String>,
    /// Main-stack reservation of the firmware in bytes (a multiple of 8): the RAM the activations are planned
    /// around, and `_stack_bytes` in the project's `board.ld`.
    #[arg(long, value_name = "BYTES", requires = "board", default_value_t = DEFAULT_STACK_BYTES)]
    pub stack: u32,
}

/// Runs the command.
pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    if let (Some(dir), Some(board)) = (&args.project, &args.board) {
        return super::project::run(&args.model, board, args.stack, dir, args.no_optimize);
    }
    let Some(output) = &args.output else {
        bail!("give an output directory with -o DIR (or --project DIR with --board)");
    };
    let graph = super::model_graph::load(&args.model, args.no_optimize)?;
    let mut options = CodegenOptions {
        name: args
            .name
            .clone()
            .unwrap_or_else(|| codegen::default_name(&graph.name)),
        split_weights: args.split_weights,
        include_runtime: !args.no_runtime,
        caller_inputs: args.no_inputs_allocation,
        caller_outputs: args.no_outputs_allocation,
        placement: None,
    };
    if let Some(board) = &args.board {
        let board = Board::find(board).context("cannot load the board")?;
        let plan = plan_for_board(&graph, &board, args.stack, &codegen::plan_options(&options))
            .with_context(|| format!("cannot generate C for {}", args.model.display()))?;
        options.placement = Some(
            codegen::Placement::from_plan(&graph, &plan).context("cannot place the activations")?,
        );
    }
    let files = codegen::generate(&graph, &options)
        .with_context(|| format!("cannot generate C for {}", args.model.display()))?;
    write_atomically(&files, output)?;
    outln!(
        "wrote {} files for network `{}` to {}",
        files.files.len(),
        options.name,
        output.display()
    )?;
    Ok(())
}

/// A fresh temporary directory named `prefix…` in `parent` (same file system as the output, so renames are atomic).
fn temp_dir_in(parent: &Path, prefix: &str) -> anyhow::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(parent)
        .with_context(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })
}

fn is_read_only(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly())
}

/// Lists `dir`'s entries (relative paths, files and directories) recursively.
fn existing_entries(dir: &Path, rel: &Path, out: &mut Vec<(PathBuf, bool)>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir.join(rel))
        .with_context(|| format!("cannot list {}", dir.join(rel).display()))?;
    for e in entries {
        let e = e.with_context(|| format!("cannot list {}", dir.join(rel).display()))?;
        let path = rel.join(e.file_name());
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        out.push((path.clone(), is_dir));
        if is_dir {
            existing_entries(dir, &path, out)?;
        }
    }
    Ok(())
}

/// Writes `files` as the whole content of `out_dir`, atomically.
fn write_atomically(files: &GeneratedFiles, out_dir: &Path) -> anyhow::Result<()> {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if out_dir.exists() {
        if !out_dir.is_dir() {
            bail!("output {} exists and is not a directory", out_dir.display());
        }
        if is_read_only(out_dir) {
            bail!(
                "output directory {} is read-only; make it writable or choose another directory",
                out_dir.display()
            );
        }
        let ours: BTreeSet<PathBuf> = files
            .files
            .keys()
            .flat_map(|p| p.ancestors().map(Path::to_path_buf).collect::<Vec<_>>())
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        let mut found = Vec::new();
        existing_entries(out_dir, Path::new(""), &mut found)?;
        let foreign: Vec<String> = found
            .iter()
            .filter(|(p, _)| !ours.contains(p))
            .map(|(p, _)| p.display().to_string())
            .take(3)
            .collect();
        if !foreign.is_empty() {
            bail!(
                "output directory {} holds files nncube generate did not write ({}); choose an empty or new directory",
                out_dir.display(),
                foreign.join(", ")
            );
        }
    } else if !parent.is_dir() {
        bail!(
            "cannot create {}: its parent directory does not exist",
            out_dir.display()
        );
    }
    if is_read_only(&parent) {
        bail!(
            "cannot write next to {}: directory {} is read-only",
            out_dir.display(),
            parent.display()
        );
    }
    let tmp = temp_dir_in(&parent, ".nncube-generate-")?;
    files
        .write_to(tmp.path())
        .context("cannot write the generated files")?;
    set_dir_mode(tmp.path(), out_dir)?;
    if out_dir.exists() {
        let old = temp_dir_in(&parent, ".nncube-previous-")?;
        let old_path = old.path().join("previous");
        std::fs::rename(out_dir, &old_path)
            .with_context(|| format!("cannot replace {}", out_dir.display()))?;
        if let Err(e) = std::fs::rename(tmp.path(), out_dir) {
            let _ = std::fs::rename(&old_path, out_dir);
            return Err(e)
                .with_context(|| format!("cannot move the files into {}", out_dir.display()));
        }
    } else {
        std::fs::rename(tmp.path(), out_dir)
            .with_context(|| format!("cannot move the files into {}", out_dir.display()))?;
    }
    Ok(())
}

/// Gives the new directory the existing output directory's permissions (a new one gets `rwxr-xr-x`), since
/// temporary directories are created private.
#[cfg(unix)]
fn set_dir_mode(tmp: &Path, out_dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(out_dir).map_or(0o755, |m| m.permissions().mode());
    std::fs::set_permissions(tmp, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the permissions of {}", tmp.display()))
}

#[cfg(not(unix))]
fn set_dir_mode(_tmp: &Path, _out_dir: &Path) -> anyhow::Result<()> {
    Ok(())
}

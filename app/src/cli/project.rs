//! `nncube generate MODEL --board B --project DIR`: a complete firmware project (network, startup code, linker
//! script, Makefile, CMake) for a board. Regenerating keeps the user code in `app/main.c` and leaves files nncube
//! does not write (e.g. `build/`) alone.

use anyhow::Context;
use nncube_core::ir::Graph;
use nncube_core::target::Board;
use nncube_core::target::project::project_files;
use std::path::Path;

/// Generates (or regenerates) the project in `dir`, with a main-stack reservation of `stack_bytes`.
/// The network comes from the optimized graph unless `no_optimize`.
pub fn run(
    model: &Path,
    board: &str,
    stack_bytes: u32,
    dir: &Path,
    no_optimize: bool,
) -> anyhow::Result<()> {
    let graph = super::model_graph::load(model, no_optimize)?;
    let board = Board::find(board).context("cannot load the board")?;
    let count = write_project(&graph, &board, stack_bytes, dir)
        .with_context(|| format!("cannot generate a project for {}", model.display()))?;
    super::stdout::print(&format!(
        "wrote a {} project ({} files) to {}; build it with `make` (or `make APP=validation`) or CMake\n",
        board.id,
        count,
        dir.display()
    ))
}

/// Writes the project of `graph` for `board` with a main-stack reservation of `stack_bytes` into `dir`, keeping
/// the user code of an existing `app/main.c`; returns the number of files written. Shared with the GUI's Board tab.
pub fn write_project(
    graph: &Graph,
    board: &Board,
    stack_bytes: u32,
    dir: &Path,
) -> anyhow::Result<usize> {
    let main_path = dir.join("app/main.c");
    let previous_main = match std::fs::read_to_string(&main_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", main_path.display())),
    };
    // Everything is generated in memory first: an error leaves the directory untouched.
    let files = project_files(graph, board, stack_bytes, previous_main.as_deref())?;
    nncube_core::files::write_tree(dir, &files)?;
    Ok(files.len())
}

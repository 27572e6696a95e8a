//! C code generation: a verified [`Graph`] → an in-memory tree of C files, written once with
//! [`GeneratedFiles::write_to`].
//!
//! The network is a static schedule of calls into the kernel library in `core/runtime/` (embedded, see
//! [`runtime`]), with every shape and quantization parameter precomputed. Activations live in one caller-owned
//! buffer at offsets from a [`Placement`] (by default the memory planner's plan, see [`Placement::from_plan`]);
//! weights in one aligned blob (or one array per tensor). The C API is documented in docs/c-api.md.
//! Generation is deterministic: same graph and options, same bytes; no timestamps or absolute paths.

mod emit;
mod hash;
mod lower;
mod pack;
mod pack_depthwise;
pub mod placement;
pub mod runtime;
mod weights;

pub use emit::plan_options;
pub use hash::{fnv1a64, model_hash};
pub use placement::{ArenaPool, Buffer, Placement};

use crate::ir::Graph;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Errors of code generation.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// A node the C kernel library cannot run.
    #[error(
        "unsupported operator `{op}` at node `{node}`: {reason}; run `nncube supported-ops` and see docs/c-api.md for the operators code generation supports"
    )]
    Unsupported {
        /// Node name.
        node: String,
        /// Operator name.
        op: String,
        /// Why.
        reason: String,
    },
    /// The network name is not a C identifier, or starts with the kernel library's `nncube_` prefix.
    #[error(
        "invalid network name `{name}`: use letters, digits and `_`, not starting with a digit nor with `nncube_` \
         (reserved for the kernel library)"
    )]
    InvalidName {
        /// The rejected name.
        name: String,
    },
    /// A placement given from outside is unusable.
    #[error("invalid activation placement: {reason} (this is a bug in the memory planner)")]
    InvalidPlacement {
        /// What is wrong.
        reason: String,
    },
    /// The graph failed verification.
    #[error("the graph is invalid")]
    Verify(#[from] crate::ir::VerifyError),
    /// Writing the files failed.
    #[error("cannot write {path}: {io}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        io: std::io::Error,
    },
}

/// How to generate.
#[derive(Debug, Clone, Default)]
pub struct CodegenOptions {
    /// Network name: prefix of every file and C symbol (a C identifier). Empty: derived from the graph name.
    pub name: String,
    /// One weights array per tensor instead of one blob.
    pub split_weights: bool,
    /// Include the kernel library sources (`nncube_runtime/`).
    pub include_runtime: bool,
    /// Graph inputs live in caller buffers (`NAME_set_input_buffer`), not in the activations buffer.
    pub caller_inputs: bool,
    /// Graph outputs live in caller buffers (`NAME_set_output_buffer`), not in the activations buffer.
    pub caller_outputs: bool,
    /// Activation offsets given from outside (checked); `None` plans them with [`crate::memplan::plan`] and
    /// [`plan_options`].
    pub placement: Option<Placement>,
}

/// The generated files, by relative path, in sorted order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedFiles {
    /// Relative path → contents.
    pub files: BTreeMap<PathBuf, String>,
}

impl GeneratedFiles {
    /// Writes every file under `dir` (creating it and the subdirectories; each file whole or not at all).
    pub fn write_to(&self, dir: &Path) -> Result<(), CodegenError> {
        crate::files::write_tree(dir, &self.files)
            .map(drop)
            .map_err(|crate::files::FilesError::Io { path, io, .. }| CodegenError::Io { path, io })
    }
}

/// Turns a graph name into a C identifier (`vww_96_int8` stays, `my-net.v2` → `my_net_v2`, `nncube_demo` →
/// `net_nncube_demo`).
pub fn default_name(graph_name: &str) -> String {
    let mut s: String = graph_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) || s.starts_with(RESERVED_PREFIX)
    {
        s.insert_str(0, "net_");
    }
    s
}

/// The kernel library's prefix (its files, symbols and, in firmware builds, the objects whose constant tables count
/// as code rather than weights): a network name may not start with it.
const RESERVED_PREFIX: &str = "nncube_";

fn check_name(name: &str) -> Result<(), CodegenError> {
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !name.starts_with(RESERVED_PREFIX)
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(CodegenError::InvalidName { name: name.into() })
    }
}

/// Generates the C files of `graph`: `<name>.h/.c`, `<name>_data.h/.c`, `<name>_report.txt/.json` and, with
/// `include_runtime`, the kernel library under `nncube_runtime/`.
pub fn generate(graph: &Graph, options: &CodegenOptions) -> Result<GeneratedFiles, CodegenError> {
    graph.verify()?;
    let name = if options.name.is_empty() {
        default_name(&graph.name)
    } else {
        options.name.clone()
    };
    check_name(&name)?;
    let mut files = emit::emit(graph, &name, options)?;
    if options.include_runtime {
        for (rel, contents) in runtime::SOURCES {
            files.insert(
                PathBuf::from(runtime::DIR).join(rel),
                (*contents).to_string(),
            );
        }
    }
    Ok(GeneratedFiles { files })
}

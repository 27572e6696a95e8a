//! Model import: TFLite flatbuffers → [`crate::ir::Graph`].
//!
//! This module is the only place that names the TFLite schema types. Every imported graph has passed
//! [`crate::ir::Graph::verify`], so later stages can rely on consistent shapes and wiring.

mod tflite;

use crate::ir::{Graph, VerifyError};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Where users find the list of supported operators (named in unsupported-op errors).
pub const SUPPORTED_OPS_HINT: &str =
    "run `nncube supported-ops` or see docs/supported-ops.md for the list";

/// Why a model could not be imported. Messages name the node or tensor at fault and say what to do.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file could not be read. The OS error is part of the message, not a separate `source`, so an error chain
    /// (`{err:#}`) shows it once.
    #[error("cannot read model file {path}: {io}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        io: std::io::Error,
    },
    /// The file is empty.
    #[error("the model file is empty (0 bytes); export the model again")]
    Empty,
    /// The file is not a TFLite flatbuffer, and no other format is recognized.
    #[error(
        "not a TFLite model: expected the file identifier \"TFL3\" at byte 4, found {found:?}; nncube reads .tflite files"
    )]
    NotTflite {
        /// What was found at bytes 4..8.
        found: String,
    },
    /// The flatbuffer is damaged (truncated, or offsets out of range).
    #[error("the TFLite file is corrupt or truncated ({detail}); export the model again")]
    Corrupt {
        /// The verifier's description.
        detail: String,
    },
    /// The model has no subgraph, or several.
    #[error("{0}")]
    Subgraphs(String),
    /// An operator nncube does not implement.
    #[error("unsupported op `{op}` at node `{node}` (operator #{index}); {hint}", hint = SUPPORTED_OPS_HINT)]
    UnsupportedOp {
        /// The TFLite operator name (or `CUSTOM:<code>`).
        op: String,
        /// The node's name (its first output tensor).
        node: String,
        /// Position of the operator in the subgraph.
        index: usize,
    },
    /// An operator uses a feature nncube does not implement (an option value, a dtype combination).
    #[error("unsupported {what} at node `{node}` ({op}); {hint}")]
    UnsupportedFeature {
        /// The feature.
        what: String,
        /// The node's name.
        node: String,
        /// The TFLite operator name.
        op: String,
        /// What to do.
        hint: String,
    },
    /// A tensor nncube cannot represent.
    #[error("tensor `{tensor}` (#{index}): {message}")]
    BadTensor {
        /// The tensor's name.
        tensor: String,
        /// The tensor's index in the subgraph.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// An operator refers to things that do not exist.
    #[error("operator #{index}: {message}")]
    BadOperator {
        /// The operator's index.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// The imported graph is inconsistent (shapes declared in the file disagree with the operators).
    #[error("the model is inconsistent")]
    Inconsistent(#[from] VerifyError),
}

/// Imports a model from bytes. `name` becomes the graph's name.
pub fn import_bytes(bytes: &[u8], name: &str) -> Result<Graph, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    tflite::import(bytes, name)
}

/// Reads and imports the model file at `path`; the graph is named after the file stem.
pub fn load_model(path: &Path) -> Result<Graph, ImportError> {
    let bytes = std::fs::read(path).map_err(|io| ImportError::Io {
        path: path.to_path_buf(),
        io,
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "network".to_string());
    import_bytes(&bytes, &name)
}

//! `nncube supported-ops`: the TFLite operators the importer accepts.

use nncube_core::ir::SUPPORTED_TFLITE_OPS;

/// Prints one operator name per line.
pub fn run() -> anyhow::Result<()> {
    let text: String = SUPPORTED_TFLITE_OPS
        .iter()
        .map(|op| format!("{op}\n"))
        .collect();
    super::stdout::print(&text)
}

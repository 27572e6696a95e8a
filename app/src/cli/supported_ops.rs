//! `nncube supported-ops`: the TFLite operators the importer accepts.

use nncube_core::ir::SUPPORTED_TFLITE_OPS;

/// Prints one operator name per line.
pub fn run() {
    for op in SUPPORTED_TFLITE_OPS {
        println!("{op}");
    }
}

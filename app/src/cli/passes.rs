//! `nncube passes`: list the optimization passes of the default pipeline, in order, with what each does.

use nncube_core::passes::all_passes;

/// Prints one line per pass: name, then description.
pub fn run() {
    for pass in all_passes() {
        println!("{:<18} {}", pass.name(), pass.description());
    }
}

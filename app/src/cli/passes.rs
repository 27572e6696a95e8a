//! `nncube passes`: list the optimization passes of the default pipeline, in order, with what each does.

use nncube_core::passes::all_passes;

/// Prints one line per pass: name, then description.
pub fn run() -> anyhow::Result<()> {
    let text: String = all_passes()
        .iter()
        .map(|pass| format!("{:<18} {}\n", pass.name(), pass.description()))
        .collect();
    super::stdout::print(&text)
}

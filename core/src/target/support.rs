//! nncube's own firmware support files, embedded from `assets/templates/`: startup code with the vector table,
//! the platform layer (`nncube_platform.h`: console records, host file reads, instruction counter) for boards
//! (semihosting) and for the host (stdio), and the linker script template.

use super::TargetError;
use std::path::{Path, PathBuf};

/// The platform API header every firmware and host build includes.
const PLATFORM_HEADER: (&str, &str) = (
    "nncube_platform.h",
    include_str!("../../../assets/templates/nncube_platform.h"),
);
/// The board-independent console record printers.
const PLATFORM_COMMON: (&str, &str) = (
    "nncube_platform_common.c",
    include_str!("../../../assets/templates/nncube_platform_common.c"),
);
/// The semihosting platform layer and instruction counters (board builds).
const PLATFORM_SEMIHOST: (&str, &str) = (
    "nncube_platform_semihost.c",
    include_str!("../../../assets/templates/nncube_platform_semihost.c"),
);
/// The stdio platform layer (host builds).
const PLATFORM_HOST: (&str, &str) = (
    "nncube_platform_host.c",
    include_str!("../../../assets/templates/nncube_platform_host.c"),
);
/// Startup code and vector table.
const STARTUP: (&str, &str) = (
    "nncube_startup.c",
    include_str!("../../../assets/templates/nncube_startup.c"),
);
/// The linker script template (see [`super::linker_script`]).
pub const LINKER_SCRIPT_TEMPLATE: &str = include_str!("../../../assets/templates/nncube_link.ld");

/// Writes `files` into `dir` (created if needed) and returns the paths of the `.c` files among them.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) -> Result<Vec<PathBuf>, TargetError> {
    let written = crate::files::write_tree(dir, files.iter().copied())?;
    Ok(c_sources(written))
}

/// The `.c` files among `paths`.
pub(crate) fn c_sources(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect()
}

/// The support files of a board firmware (startup, semihosting platform layer).
pub fn board_files() -> [(&'static str, &'static str); 4] {
    [PLATFORM_HEADER, PLATFORM_COMMON, PLATFORM_SEMIHOST, STARTUP]
}

/// The support files of a host build (stdio platform layer).
pub fn host_files() -> [(&'static str, &'static str); 3] {
    [PLATFORM_HEADER, PLATFORM_COMMON, PLATFORM_HOST]
}

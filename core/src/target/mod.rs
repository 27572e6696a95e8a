//! Targets: board data and the toolchain runner that turns C sources into firmware for a board.
//!
//! - [`board`]: the board schema (`assets/boards/*.ron`, embedded) and its invariants.
//! - [`toolchain`]: locating `arm-none-eabi-gcc` (and the host C compiler) and the compiler flags a board implies.
//! - [`linker_script`]: the linker script generated from a board's memory map.
//! - [`pools`]: the board's RAM regions as activation pools for the memory planner (fastest first, minus the
//!   firmware's own stack and static data).
//! - [`support`]: nncube's own startup code, vector table and platform layer (semihosting, instruction counter).
//! - [`project`]: a complete firmware project (network, startup, linker script, Makefile, CMake) for a model.
//! - [`cancel`]: stopping a running compiler or emulator (the GUI's cancel button).
//! - [`firmware`]: compile + link a firmware, then measure its [`footprint`] and check that it fits the chip.
//!
//! Invariant: a [`firmware::Firmware`] returned by [`firmware::build_firmware`] fits every memory region of its
//! board; when it does not, the error names each region that is short and by how many bytes.

pub mod board;
pub mod cancel;
pub mod firmware;
pub mod footprint;
pub mod linker_script;
pub mod pools;
pub mod project;
pub mod support;
pub mod toolchain;

pub use board::{Board, Console, CpuCore, Fpu, InstructionCounter, MemoryRegion, SpeedClass};
pub use cancel::CancelToken;
pub use firmware::{Firmware, FirmwareSpec, build_firmware};
pub use footprint::{Footprint, RegionUsage};
pub use toolchain::{ArmToolchain, HostCompiler};

use std::path::PathBuf;
use thiserror::Error;

/// Why a board could not be loaded or a firmware could not be built.
#[derive(Debug, Error)]
pub enum TargetError {
    /// The build was cancelled (the compiler was stopped).
    #[error("the build for board `{board}` was cancelled")]
    Cancelled {
        /// The board being built for.
        board: String,
    },
    /// A file could not be read or written.
    #[error("cannot {what} {path}: {io}")]
    Io {
        /// What nncube was doing.
        what: String,
        /// The file or directory.
        path: PathBuf,
        /// The OS error (in the message, not a separate `source`: an error chain shows it once).
        io: std::io::Error,
    },
    /// A board file is not valid RON for the board schema.
    #[error("board file {origin} does not match the board schema (docs/boards.md): {detail}")]
    BoardParse {
        /// The file (or built-in board) at fault.
        origin: String,
        /// The parser's message (with line and column).
        detail: String,
    },
    /// A board file parses but breaks an invariant.
    #[error(
        "board file {origin} is inconsistent: {detail}; fix the file (schema in docs/boards.md)"
    )]
    BoardInvalid {
        /// The file (or built-in board) at fault.
        origin: String,
        /// What is wrong.
        detail: String,
    },
    /// No built-in board has this id.
    #[error("unknown board `{id}`; built-in boards: {known} (or pass a path to a .ron board file)")]
    UnknownBoard {
        /// The id asked for.
        id: String,
        /// The built-in ids, comma-separated.
        known: String,
    },
    /// The board has no RAM region with this name.
    #[error("board `{board}` has no RAM region `{region}`; its RAM regions are: {known}")]
    UnknownRegion {
        /// The board id.
        board: String,
        /// The region asked for.
        region: String,
        /// The board's RAM regions, comma-separated.
        known: String,
    },
    /// A needed program (compiler, binutils) is not installed.
    #[error(
        "{program} not found ({detail}); install the Debian package `{package}` (apt-get install {package}) or set {env_var} to its path"
    )]
    ToolMissing {
        /// The program.
        program: String,
        /// Where nncube looked.
        detail: String,
        /// The Debian package that provides it.
        package: String,
        /// The environment variable that overrides its path.
        env_var: String,
    },
    /// A program could not be started or failed.
    #[error("`{command}` failed: {detail}")]
    ToolFailed {
        /// The command line (program and main arguments).
        command: String,
        /// Its error output or the OS error.
        detail: String,
    },
    /// A source file did not compile.
    #[error("cannot compile {file} for {board}:\n{stderr}")]
    Compile {
        /// The source file.
        file: PathBuf,
        /// The board id (or `host`).
        board: String,
        /// The compiler's error output.
        stderr: String,
    },
    /// Two sources would produce the same object file name.
    #[error("two sources are both named `{stem}` (object files would clash); rename one of them")]
    DuplicateSource {
        /// The clashing file stem.
        stem: String,
    },
    /// A main-stack reservation the Cortex-M cannot use.
    #[error(
        "a main-stack reservation of {bytes} bytes is not a positive multiple of 8 (the Cortex-M stack is 8-byte aligned); give e.g. 8192"
    )]
    StackSize {
        /// The bytes asked for.
        bytes: u32,
    },
    /// The planned activations do not fit the board's RAM regions (its activation pools).
    #[error(
        "the activations of the network do not fit board `{board}` ({pools}): {detail} (nothing was written)"
    )]
    ActivationsDoNotFit {
        /// The board id.
        board: String,
        /// The board's pools and their sizes (see [`pools::describe_pools`]).
        pools: String,
        /// The planner's message: the tensor that fits nowhere and how many bytes each pool lacks.
        detail: String,
    },
    /// The firmware is larger than the chip's memory.
    #[error("the firmware does not fit board `{board}`: {}; {hint}", describe_shortfalls(.shortfalls))]
    DoesNotFit {
        /// The board id.
        board: String,
        /// Each region that is too small.
        shortfalls: Vec<RegionShortfall>,
        /// What the user can do.
        hint: String,
    },
    /// Linking failed for a reason other than size.
    #[error("cannot link {elf}:\n{stderr}")]
    Link {
        /// The ELF file being linked.
        elf: PathBuf,
        /// The linker's error output.
        stderr: String,
    },
    /// Generating the network's C failed.
    #[error(transparent)]
    Codegen(Box<crate::codegen::CodegenError>),
    /// The activations could not be planned (no board: one unbounded pool).
    #[error(transparent)]
    Plan(#[from] crate::memplan::PlanError),
    /// The size tool's output could not be understood.
    #[error("cannot read the section sizes of {elf}: {detail}; this is a bug")]
    SizeOutput {
        /// The ELF file.
        elf: PathBuf,
        /// What was unexpected.
        detail: String,
    },
}

impl From<crate::files::FilesError> for TargetError {
    fn from(e: crate::files::FilesError) -> Self {
        let crate::files::FilesError::Io { what, path, io } = e;
        TargetError::Io {
            what: what.to_string(),
            path,
            io,
        }
    }
}

/// A memory region that is too small for the firmware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionShortfall {
    /// The region name from the board file.
    pub region: String,
    /// The region size in bytes.
    pub size_bytes: u64,
    /// How many more bytes the firmware needs.
    pub short_by_bytes: u64,
}

fn describe_shortfalls(shortfalls: &[RegionShortfall]) -> String {
    shortfalls
        .iter()
        .map(|s| {
            format!(
                "region {} ({} bytes) is short by {} bytes",
                s.region, s.size_bytes, s.short_by_bytes
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

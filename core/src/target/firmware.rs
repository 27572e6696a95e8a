//! Building a firmware: compile C sources with the board's flags, link them with nncube's startup code and a
//! linker script generated from the board, then measure the footprint.
//!
//! Network sources (the generated network and the kernel runtime) are compiled to objects named `nn__<stem>.o`;
//! the linker script recognises that prefix to place their code, weights and activations in sections of their own
//! (and the kernel library's `nncube_*` objects' constant tables with the code).

use super::footprint::{Footprint, parse_overflows, parse_size_output};
use super::linker_script::{self, Placement};
use super::toolchain::run_tool;
use super::{ArmToolchain, Board, TargetError, support};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The default main-stack reservation in bytes.
pub const DEFAULT_STACK_BYTES: u32 = 4096;

/// `bytes` if it can be the main-stack reservation (a positive multiple of 8), else [`TargetError::StackSize`].
pub fn check_stack_bytes(bytes: u32) -> Result<u32, TargetError> {
    if bytes == 0 || bytes % 8 != 0 {
        return Err(TargetError::StackSize { bytes });
    }
    Ok(bytes)
}

/// What to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareSpec {
    /// Name of the ELF file (without extension).
    pub name: String,
    /// C sources of the network and kernel runtime (their code, const data and zero-initialised data are counted
    /// as network code, weights and activations).
    pub network_sources: Vec<PathBuf>,
    /// C sources of the application (main, input data, …).
    pub app_sources: Vec<PathBuf>,
    /// Extra include directories.
    pub include_dirs: Vec<PathBuf>,
    /// Extra preprocessor defines (`NAME`, `VALUE`).
    pub defines: Vec<(String, String)>,
    /// RAM region for the activations; `None` picks the board's largest RAM region.
    pub activations_region: Option<String>,
    /// Main-stack reservation in bytes.
    pub stack_bytes: u32,
}

impl FirmwareSpec {
    /// A spec with only application sources and the defaults.
    pub fn new(name: &str, app_sources: Vec<PathBuf>) -> FirmwareSpec {
        FirmwareSpec {
            name: name.to_string(),
            network_sources: Vec::new(),
            app_sources,
            include_dirs: Vec::new(),
            defines: Vec::new(),
            activations_region: None,
            stack_bytes: DEFAULT_STACK_BYTES,
        }
    }
}

/// A linked firmware image for one board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firmware {
    /// The board id it was built for.
    pub board_id: String,
    /// The ELF file.
    pub elf: PathBuf,
    /// What it occupies.
    pub footprint: Footprint,
}

/// Runs one compiler command, stopping it when the toolchain's cancel token is set.
fn run_gcc(
    toolchain: &ArmToolchain,
    board: &Board,
    command: &mut Command,
) -> Result<std::process::Output, TargetError> {
    super::cancel::output_unless_cancelled(command, &toolchain.cancel)
        .map_err(|e| TargetError::ToolFailed {
            command: toolchain.gcc.display().to_string(),
            detail: e.to_string(),
        })?
        .ok_or_else(|| TargetError::Cancelled {
            board: board.id.clone(),
        })
}

/// Compiles and links `spec` for `board` into `out_dir` (created if needed).
pub fn build_firmware(
    toolchain: &ArmToolchain,
    board: &Board,
    spec: &FirmwareSpec,
    out_dir: &Path,
) -> Result<Firmware, TargetError> {
    let stack_bytes = check_stack_bytes(spec.stack_bytes)?;
    let activations_region = match &spec.activations_region {
        Some(name) => board.ram_region(name)?.name.clone(),
        None => board.default_activations_ram().name.clone(),
    };
    let support_dir = out_dir.join("nncube");
    let support_sources = support::write_files(&support_dir, &support::board_files())?;
    let script_path = out_dir.join(format!("{}.ld", spec.name));
    let script = linker_script::render(
        board,
        &Placement {
            activations_region,
            stack_bytes,
            pool_regions: Vec::new(),
        },
    );
    std::fs::write(&script_path, script).map_err(|source| TargetError::Io {
        what: "write the linker script".to_string(),
        path: script_path.clone(),
        io: source,
    })?;

    let mut flags = ArmToolchain::cpu_flags(board);
    flags.extend(
        [
            "-O2",
            "-g",
            "-std=c99",
            "-ffreestanding",
            "-ffunction-sections",
            "-fdata-sections",
        ]
        .map(String::from),
    );
    flags.extend(["-Wall", "-Wextra"].map(String::from));
    flags.push(format!("-I{}", support_dir.display()));
    for dir in &spec.include_dirs {
        flags.push(format!("-I{}", dir.display()));
    }
    let counter_defines = board
        .virtual_board
        .as_ref()
        .map(|v| v.counter.c_defines())
        .unwrap_or_default();
    for (key, value) in counter_defines.iter().chain(&spec.defines) {
        flags.push(format!("-D{key}={value}"));
    }

    let obj_dir = out_dir.join("obj");
    std::fs::create_dir_all(&obj_dir).map_err(|source| TargetError::Io {
        what: "create the directory".to_string(),
        path: obj_dir.clone(),
        io: source,
    })?;
    let mut stems = BTreeSet::new();
    let mut objects = Vec::new();
    let units = spec.network_sources.iter().map(|s| (s, "nn__")).chain(
        support_sources
            .iter()
            .chain(&spec.app_sources)
            .map(|s| (s, "")),
    );
    for (source, prefix) in units {
        let stem = source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !stems.insert(stem.clone()) {
            return Err(TargetError::DuplicateSource { stem });
        }
        let object = obj_dir.join(format!("{prefix}{stem}.o"));
        let output = run_gcc(
            toolchain,
            board,
            Command::new(&toolchain.gcc)
                .args(&flags)
                .arg("-c")
                .arg(source)
                .arg("-o")
                .arg(&object),
        )?;
        if !output.status.success() {
            return Err(TargetError::Compile {
                file: source.clone(),
                board: board.id.clone(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        objects.push(object);
    }

    let elf = out_dir.join(format!("{}.elf", spec.name));
    let output = run_gcc(
        toolchain,
        board,
        Command::new(&toolchain.gcc)
            .args(ArmToolchain::cpu_flags(board))
            .args(["-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs"])
            .arg("-Wl,--gc-sections")
            .arg(format!(
                "-Wl,-Map={}",
                out_dir.join(format!("{}.map", spec.name)).display()
            ))
            .arg("-T")
            .arg(&script_path)
            .args(&objects)
            .arg("-lm")
            .arg("-o")
            .arg(&elf),
    )?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let shortfalls = parse_overflows(board, &stderr);
        // Never leave a half-written image behind.
        let _ = std::fs::remove_file(&elf);
        if shortfalls.is_empty() {
            return Err(TargetError::Link { elf, stderr });
        }
        let ram_short = shortfalls
            .iter()
            .any(|s| board.ram.iter().any(|r| r.name == s.region));
        let hint = if ram_short {
            "choose a board with more RAM, put the activations in another RAM region, or make the model smaller"
        } else {
            "choose a board with more flash, or make the model's weights smaller (int8 instead of float)"
        };
        return Err(TargetError::DoesNotFit {
            board: board.id.clone(),
            shortfalls,
            hint: hint.to_string(),
        });
    }

    Firmware::from_elf(toolchain, board, elf)
}

impl Firmware {
    /// A firmware built elsewhere (e.g. by a generated project's Makefile) for `board`, with its footprint.
    pub fn from_elf(
        toolchain: &ArmToolchain,
        board: &Board,
        elf: PathBuf,
    ) -> Result<Firmware, TargetError> {
        let size_text = run_tool(Command::new(&toolchain.size).args(["-A", "-d"]).arg(&elf))?;
        let sections = parse_size_output(&size_text, &elf)?;
        Ok(Firmware {
            board_id: board.id.clone(),
            footprint: Footprint::from_sections(board, &sections),
            elf,
        })
    }
}

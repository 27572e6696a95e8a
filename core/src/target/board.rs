//! Board data: what nncube needs to know about a board to build, size and run firmware on it.
//!
//! Boards are RON files with a strict schema (unknown fields are errors). The boards shipped in
//! `assets/boards/` are embedded in the binary ([`builtin_boards`]); users can load their own file
//! ([`Board::from_file`]). Every loaded board passes [`Board::validate`]: memory regions are non-empty, inside the
//! 32-bit address space and disjoint, the FPU exists on the core, real boards name a probe-rs chip and virtual
//! boards name a QEMU machine and an instruction counter.

use super::TargetError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The board files shipped with nncube, as (file stem, RON text), sorted by file stem.
const BUILTIN_BOARD_FILES: &[(&str, &str)] = &[
    (
        "b-u585i-iot02a",
        include_str!("../../../assets/boards/b-u585i-iot02a.ron"),
    ),
    (
        "nucleo-f446re",
        include_str!("../../../assets/boards/nucleo-f446re.ron"),
    ),
    (
        "nucleo-g0b1re",
        include_str!("../../../assets/boards/nucleo-g0b1re.ron"),
    ),
    (
        "nucleo-h743zi2",
        include_str!("../../../assets/boards/nucleo-h743zi2.ron"),
    ),
    (
        "nucleo-h7a3zi-q",
        include_str!("../../../assets/boards/nucleo-h7a3zi-q.ron"),
    ),
    (
        "nucleo-l4r5zi",
        include_str!("../../../assets/boards/nucleo-l4r5zi.ron"),
    ),
    (
        "nucleo-u575zi-q",
        include_str!("../../../assets/boards/nucleo-u575zi-q.ron"),
    ),
    (
        "qemu-mps2-an386",
        include_str!("../../../assets/boards/qemu-mps2-an386.ron"),
    ),
    (
        "qemu-mps2-an500",
        include_str!("../../../assets/boards/qemu-mps2-an500.ron"),
    ),
    (
        "qemu-mps2-an505",
        include_str!("../../../assets/boards/qemu-mps2-an505.ron"),
    ),
    (
        "qemu-netduinoplus2",
        include_str!("../../../assets/boards/qemu-netduinoplus2.ron"),
    ),
    (
        "stm32f746g-disco",
        include_str!("../../../assets/boards/stm32f746g-disco.ron"),
    ),
    (
        "stm32h747i-disco",
        include_str!("../../../assets/boards/stm32h747i-disco.ron"),
    ),
];

/// A development board (or a virtual one): its MCU, core, memories, console and how to reach it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// Stable id used on the command line and in project files, e.g. `nucleo-h743zi2`; equals the file stem.
    pub id: String,
    /// The board's marketing name, e.g. `NUCLEO-H743ZI2`.
    pub name: String,
    /// The MCU part number, e.g. `STM32H743ZIT6`.
    pub mcu: String,
    /// The CPU core that runs the network.
    pub core: CpuCore,
    /// The floating-point unit of that core (`None` when it has none).
    pub fpu: Fpu,
    /// The core clock the board runs at after the vendor's usual clock setup, in Hz.
    pub clock_hz: u64,
    /// Non-volatile memories, in order of preference: the first one holds the vector table, code and weights.
    pub flash: Vec<MemoryRegion>,
    /// RAM regions: the first one holds the stack and static data; activations are planned over them, the most used
    /// buffers in the fastest (see [`super::pools`]), or put in the largest one by a single-buffer firmware build.
    pub ram: Vec<MemoryRegion>,
    /// Where the firmware's text output goes.
    pub console: Console,
    /// The probe-rs chip name used to flash and run a real board, e.g. `STM32H743ZITx`; `None` for virtual boards.
    pub probe_rs_chip: Option<String>,
    /// For virtual boards: the QEMU machine and the instruction counter. `None` for real boards.
    pub virtual_board: Option<VirtualBoard>,
}

/// A Cortex-M core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CpuCore {
    /// Cortex-M0+ (Armv6-M): no DSP instructions, no FPU.
    CortexM0Plus,
    /// Cortex-M4 (Armv7E-M): DSP (SIMD) instructions, optional single-precision FPU.
    CortexM4,
    /// Cortex-M7 (Armv7E-M): DSP instructions, dual-issue, optional single- or double-precision FPU.
    CortexM7,
    /// Cortex-M33 (Armv8-M Mainline): DSP instructions, optional single-precision FPU, TrustZone.
    CortexM33,
}

impl CpuCore {
    /// The name gcc's `-mcpu` takes, e.g. `cortex-m0plus`.
    pub fn gcc_cpu(self) -> &'static str {
        match self {
            CpuCore::CortexM0Plus => "cortex-m0plus",
            CpuCore::CortexM4 => "cortex-m4",
            CpuCore::CortexM7 => "cortex-m7",
            CpuCore::CortexM33 => "cortex-m33",
        }
    }
}

/// A Cortex-M floating-point unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fpu {
    /// No FPU: floating point is done in software (`-mfloat-abi=soft`).
    None,
    /// FPv4-SP (Cortex-M4F): single precision.
    Fpv4Sp,
    /// FPv5-SP (Cortex-M7 single precision, Cortex-M33): single precision.
    Fpv5Sp,
    /// FPv5-DP (Cortex-M7 double precision).
    Fpv5Dp,
}

impl Fpu {
    /// The name gcc's `-mfpu` takes, or `None` when there is no FPU.
    pub fn gcc_fpu(self) -> Option<&'static str> {
        match self {
            Fpu::None => None,
            Fpu::Fpv4Sp => Some("fpv4-sp-d16"),
            Fpu::Fpv5Sp => Some("fpv5-sp-d16"),
            Fpu::Fpv5Dp => Some("fpv5-d16"),
        }
    }

    /// Whether `core` can have this FPU.
    pub fn fits(self, core: CpuCore) -> bool {
        matches!(
            (core, self),
            (_, Fpu::None)
                | (CpuCore::CortexM4, Fpu::Fpv4Sp)
                | (CpuCore::CortexM7, Fpu::Fpv5Sp | Fpu::Fpv5Dp)
                | (CpuCore::CortexM33, Fpu::Fpv5Sp)
        )
    }
}

/// A contiguous memory region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryRegion {
    /// The region's name as in the reference manual, e.g. `AXI_SRAM`; also its name in the linker script, so it
    /// must be a C identifier.
    pub name: String,
    /// Start address.
    pub address: u32,
    /// Size in bytes.
    pub size_bytes: u32,
    /// How fast the core reads it.
    pub speed: SpeedClass,
}

impl MemoryRegion {
    /// One past the last address, as a 64-bit number (may be 2^32).
    pub fn end(&self) -> u64 {
        u64::from(self.address) + u64::from(self.size_bytes)
    }
}

/// How fast the core can access a memory, coarsely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpeedClass {
    /// Tightly coupled memory: single-cycle at the core clock (ITCM/DTCM).
    Tcm,
    /// On-chip SRAM on the core's main bus at full speed.
    Fast,
    /// On-chip SRAM on a slower bus domain, or flash behind a cache/accelerator.
    Normal,
    /// Memory with wait states the core sees on every access (external memory, uncached flash).
    Slow,
}

/// Where the firmware's console output goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Console {
    /// Arm semihosting (a debugger or QEMU services `bkpt 0xAB`).
    Semihosting,
    /// A UART data register polled by the firmware.
    Uart {
        /// Base address of the UART peripheral.
        base_address: u32,
    },
    /// SEGGER RTT ring buffers read by the probe.
    Rtt,
}

/// What a virtual board needs on top of the chip data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualBoard {
    /// The `qemu-system-arm -M` machine, e.g. `netduinoplus2`.
    pub qemu_machine: String,
    /// The timer the firmware reads to count executed instructions.
    pub counter: InstructionCounter,
}

/// A free-running hardware timer that, under QEMU's `-icount shift=0`, advances with executed instructions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum InstructionCounter {
    /// An STM32 general-purpose 32-bit timer counting up (TIM2).
    Stm32Timer {
        /// Base address of the timer.
        base_address: u32,
        /// Executed instructions per timer tick (1 on QEMU's STM32 timers: they tick at 1 GHz = 1 per instruction).
        instructions_per_tick: u32,
    },
    /// An Arm CMSDK APB timer counting down (MPS2 boards).
    CmsdkTimer {
        /// Base address of the timer.
        base_address: u32,
        /// Executed instructions per timer tick (the timer clock divides the 1 GHz instruction clock).
        instructions_per_tick: u32,
    },
}

impl InstructionCounter {
    /// Executed instructions per tick: the counter's resolution.
    pub fn instructions_per_tick(&self) -> u32 {
        match self {
            InstructionCounter::Stm32Timer {
                instructions_per_tick,
                ..
            }
            | InstructionCounter::CmsdkTimer {
                instructions_per_tick,
                ..
            } => *instructions_per_tick,
        }
    }

    /// The C preprocessor defines that select this counter in `nncube_platform_semihost.c`.
    pub fn c_defines(&self) -> Vec<(String, String)> {
        let (kind, base) = match self {
            InstructionCounter::Stm32Timer { base_address, .. } => {
                ("NNCUBE_COUNTER_STM32_TIM", base_address)
            }
            InstructionCounter::CmsdkTimer { base_address, .. } => {
                ("NNCUBE_COUNTER_CMSDK", base_address)
            }
        };
        vec![
            (kind.to_string(), "1".to_string()),
            ("NNCUBE_COUNTER_BASE".to_string(), format!("0x{base:08X}u")),
        ]
    }
}

impl Board {
    /// Parses a board from RON text; `origin` names the file in errors. The board is validated.
    fn from_ron(text: &str, origin: &str) -> Result<Board, TargetError> {
        let board: Board = ron::from_str(text).map_err(|e| TargetError::BoardParse {
            origin: origin.to_string(),
            detail: e.to_string(),
        })?;
        board
            .validate()
            .map_err(|detail| TargetError::BoardInvalid {
                origin: origin.to_string(),
                detail,
            })?;
        Ok(board)
    }

    /// Loads and validates a board file.
    pub fn from_file(path: &Path) -> Result<Board, TargetError> {
        let text = std::fs::read_to_string(path).map_err(|source| TargetError::Io {
            what: "read the board file".to_string(),
            path: path.to_path_buf(),
            io: source,
        })?;
        Board::from_ron(&text, &path.display().to_string())
    }

    /// A built-in board by id, or a board file when `id_or_path` ends in `.ron`.
    pub fn find(id_or_path: &str) -> Result<Board, TargetError> {
        if id_or_path.ends_with(".ron") {
            return Board::from_file(Path::new(id_or_path));
        }
        let boards = builtin_boards()?;
        match boards.iter().find(|b| b.id == id_or_path) {
            Some(board) => Ok(board.clone()),
            None => Err(TargetError::UnknownBoard {
                id: id_or_path.to_string(),
                known: boards
                    .iter()
                    .map(|b| b.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Checks the invariants listed in the module documentation; returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "board id `{}` must be non-empty lowercase letters, digits and `-`",
                self.id
            ));
        }
        if self.clock_hz == 0 {
            return Err("clock_hz must be positive".to_string());
        }
        if !self.fpu.fits(self.core) {
            return Err(format!(
                "a {} cannot have the FPU {:?}",
                self.core.gcc_cpu(),
                self.fpu
            ));
        }
        if self.flash.is_empty() || self.ram.is_empty() {
            return Err("a board needs at least one flash and one RAM region".to_string());
        }
        let regions: Vec<&MemoryRegion> = self.flash.iter().chain(&self.ram).collect();
        for r in &regions {
            let is_c_identifier = r
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && r.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !is_c_identifier {
                return Err(format!(
                    "memory region name `{}` must be a C identifier (letters, digits, `_`)",
                    r.name
                ));
            }
            if r.size_bytes == 0 || r.end() > 1 << 32 {
                return Err(format!(
                    "memory region `{}` must be non-empty and end inside the 32-bit address space",
                    r.name
                ));
            }
        }
        for (i, a) in regions.iter().enumerate() {
            for b in &regions[i + 1..] {
                if a.name == b.name {
                    return Err(format!("two memory regions are named `{}`", a.name));
                }
                if u64::from(a.address) < b.end() && u64::from(b.address) < a.end() {
                    return Err(format!(
                        "memory regions `{}` and `{}` overlap",
                        a.name, b.name
                    ));
                }
            }
        }
        match (&self.probe_rs_chip, &self.virtual_board) {
            (Some(_), None) => Ok(()),
            (None, Some(v)) => {
                if self.console != Console::Semihosting {
                    return Err("a virtual board's console must be Semihosting".to_string());
                }
                if v.qemu_machine.is_empty() || v.counter.instructions_per_tick() == 0 {
                    return Err(
                        "a virtual board needs a QEMU machine and a positive instructions_per_tick"
                            .to_string(),
                    );
                }
                Ok(())
            }
            _ => Err(
                "a board has either a probe_rs_chip (real board) or a virtual_board (QEMU), not both or neither"
                    .to_string(),
            ),
        }
    }

    /// The region that holds the stack and static data: the first RAM region.
    pub fn system_ram(&self) -> &MemoryRegion {
        &self.ram[0]
    }

    /// The region that holds code and, by default, weights: the first flash region.
    pub fn code_flash(&self) -> &MemoryRegion {
        &self.flash[0]
    }

    /// The default region for activations: the largest RAM region (the first of equals).
    pub fn default_activations_ram(&self) -> &MemoryRegion {
        let mut best = &self.ram[0];
        for r in &self.ram[1..] {
            if r.size_bytes > best.size_bytes {
                best = r;
            }
        }
        best
    }

    /// A RAM region by name.
    pub fn ram_region(&self, name: &str) -> Result<&MemoryRegion, TargetError> {
        self.ram
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| TargetError::UnknownRegion {
                board: self.id.clone(),
                region: name.to_string(),
                known: self
                    .ram
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Total flash in bytes.
    pub fn flash_bytes(&self) -> u64 {
        self.flash.iter().map(|r| u64::from(r.size_bytes)).sum()
    }

    /// Total RAM in bytes.
    pub fn ram_bytes(&self) -> u64 {
        self.ram.iter().map(|r| u64::from(r.size_bytes)).sum()
    }
}

/// Every built-in board, sorted by id. Each must parse, validate and have an id equal to its file stem.
pub fn builtin_boards() -> Result<Vec<Board>, TargetError> {
    let mut boards = Vec::with_capacity(BUILTIN_BOARD_FILES.len());
    for (stem, text) in BUILTIN_BOARD_FILES {
        let origin = format!("assets/boards/{stem}.ron");
        let board = Board::from_ron(text, &origin)?;
        if board.id != *stem {
            return Err(TargetError::BoardInvalid {
                origin,
                detail: format!("the id `{}` differs from the file name", board.id),
            });
        }
        boards.push(board);
    }
    boards.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(boards)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_board_loads_and_keeps_the_invariants() {
        let boards = builtin_boards().unwrap();
        assert_eq!(boards.len(), BUILTIN_BOARD_FILES.len());
        // The list in BUILTIN_BOARD_FILES must be every file in assets/boards.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/boards");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "ron"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = boards.iter().map(|b| b.id.clone()).collect();
        assert_eq!(on_disk, embedded);
        for board in &boards {
            // Loading from the file path gives the same board as the embedded copy.
            let from_file = Board::from_file(&dir.join(format!("{}.ron", board.id))).unwrap();
            assert_eq!(&from_file, board);
            assert!(board.validate().is_ok());
            assert!(board.flash_bytes() >= 128 * 1024, "{}", board.id);
            assert!(board.ram_bytes() >= 64 * 1024, "{}", board.id);
            assert!(board.code_flash().speed != SpeedClass::Tcm, "{}", board.id);
            assert!(board.clock_hz >= 16_000_000 && board.clock_hz <= 1_000_000_000);
            if board.id.starts_with("qemu-") {
                assert!(board.virtual_board.is_some(), "{}", board.id);
            } else {
                assert!(
                    board
                        .probe_rs_chip
                        .as_deref()
                        .is_some_and(|c| c.starts_with("STM32"))
                );
                assert!(board.mcu.starts_with("STM32"), "{}", board.id);
            }
        }
    }

    #[test]
    fn datasheet_facts_of_a_few_boards() {
        let h7 = Board::find("nucleo-h743zi2").unwrap();
        let dtcm = h7.ram_region("DTCM").unwrap();
        assert_eq!((dtcm.address, dtcm.size_bytes), (0x2000_0000, 128 * 1024));
        let axi = h7.ram_region("AXI_SRAM").unwrap();
        assert_eq!((axi.address, axi.size_bytes), (0x2400_0000, 512 * 1024));
        assert_eq!(h7.default_activations_ram().name, "AXI_SRAM");
        assert_eq!(h7.system_ram().name, "DTCM");
        let f4 = Board::find("qemu-netduinoplus2").unwrap();
        assert_eq!(f4.ram_bytes(), 128 * 1024);
        assert_eq!(f4.flash_bytes(), 1024 * 1024);
        let g0 = Board::find("nucleo-g0b1re").unwrap();
        assert_eq!((g0.core, g0.fpu), (CpuCore::CortexM0Plus, Fpu::None));
    }

    #[test]
    fn unknown_fields_and_broken_invariants_are_rejected() {
        let base = include_str!("../../../assets/boards/qemu-netduinoplus2.ron");
        let extra = base.replace("clock_hz:", "colour: \"red\",\n    clock_hz:");
        let err = Board::from_ron(&extra, "extra.ron")
            .unwrap_err()
            .to_string();
        assert!(err.contains("extra.ron") && err.contains("colour"), "{err}");

        let overlapping = base.replace("address: 0x20000000", "address: 0x080F0000");
        let err = Board::from_ron(&overlapping, "o.ron")
            .unwrap_err()
            .to_string();
        assert!(err.contains("overlap"), "{err}");

        let bad_fpu = base.replace("core: CortexM4", "core: CortexM0Plus");
        let err = Board::from_ron(&bad_fpu, "f.ron").unwrap_err().to_string();
        assert!(err.contains("cortex-m0plus"), "{err}");

        let both = base.replace(
            "probe_rs_chip: None",
            "probe_rs_chip: Some(\"STM32F405RGTx\")",
        );
        assert!(Board::from_ron(&both, "b.ron").is_err());
    }

    #[test]
    fn a_user_board_file_is_loaded_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("my-board.ron");
        let text = include_str!("../../../assets/boards/nucleo-f446re.ron")
            .replace("\"nucleo-f446re\"", "\"my-board\"");
        std::fs::write(&path, text).unwrap();
        let board = Board::find(path.to_str().unwrap()).unwrap();
        assert_eq!(board.id, "my-board");
        let err = Board::find("no-such-board").unwrap_err().to_string();
        assert!(err.contains("nucleo-h743zi2"), "{err}");
        let err = Board::find("/nonexistent/board.ron")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/board.ron"), "{err}");
    }
}

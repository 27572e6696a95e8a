//! Devices: where a firmware runs. [`Device`] loads and runs a firmware image, gives it host files to read, and
//! returns its exit status and console output.
//!
//! - [`qemu::QemuDevice`]: the virtual board (`qemu-system-arm` with `-icount shift=0`, semihosting, a timeout).
//! - [`fake::FakeDevice`]: canned answers, for testing the logic around devices.
//! - Real boards (probe-rs) will implement the same trait.
//!
//! [`console`] parses the console protocol (outputs as hex, instruction-counter ticks) and [`measure`] turns a run
//! into checked results: a run that faulted, exited non-zero or printed no result is an error, never a number.
//! [`benchmark`] runs a model's generated C on a device: instructions per inference, per MAC, per layer.

pub mod benchmark;
pub mod benchmark_table;
pub mod console;
pub mod fake;
pub mod qemu;

pub use console::{ConsoleReport, StackUsage};
pub use fake::FakeDevice;
pub use qemu::QemuDevice;

use crate::target::{Firmware, InstructionCounter};
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// A file the firmware can read from the host (semihosting `SYS_OPEN`/`SYS_READ` by `name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFile {
    /// The name the firmware opens (a plain file name, no directories).
    pub name: String,
    /// The contents.
    pub bytes: Vec<u8>,
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// The firmware's exit status (`main()`'s return value; 126 after a fault).
    pub exit_status: i32,
    /// Everything the firmware printed on its console.
    pub console: String,
}

/// Something that runs firmware.
pub trait Device {
    /// A short description for messages, e.g. `QEMU netduinoplus2`.
    fn describe(&self) -> String;
    /// Loads `firmware`, makes `files` readable by it, runs it to completion and returns its status and output.
    fn run(&mut self, firmware: &Firmware, files: &[HostFile]) -> Result<RunOutput, DeviceError>;
}

/// Why a firmware could not be run, or its run is not usable.
#[derive(Debug, Error)]
pub enum DeviceError {
    /// The run was cancelled (the emulator was stopped).
    #[error("the run on {device} was cancelled")]
    Cancelled {
        /// The device.
        device: String,
    },
    /// The board cannot be run by this device.
    #[error("board `{board}` cannot run on {device}: {reason}")]
    WrongBoard {
        /// The board id.
        board: String,
        /// The device.
        device: String,
        /// Why.
        reason: String,
    },
    /// A file could not be prepared or read.
    #[error("cannot {what} {path}: {io}")]
    Io {
        /// What nncube was doing.
        what: String,
        /// The file.
        path: PathBuf,
        /// The OS error (in the message, not a separate `source`: an error chain shows it once).
        io: std::io::Error,
    },
    /// The emulator itself failed (bad arguments, cannot load the image).
    #[error("{device} failed to run {elf}: {stderr}")]
    Emulator {
        /// The device.
        device: String,
        /// The firmware.
        elf: PathBuf,
        /// The emulator's error output.
        stderr: String,
    },
    /// The firmware did not finish in time.
    #[error(
        "{elf} did not finish within {} s on {device} (it never exited: an endless loop, or a much bigger workload); console so far:\n{console}",
        timeout.as_secs_f64()
    )]
    Timeout {
        /// The device.
        device: String,
        /// The firmware.
        elf: PathBuf,
        /// The limit.
        timeout: Duration,
        /// What it printed before it was stopped.
        console: String,
    },
    /// The firmware faulted or exited with a non-zero status.
    #[error("{elf} failed on {device} with exit status {exit_status}{}; console:\n{console}",
        fault.as_ref().map(|f| format!(" after a {f} fault")).unwrap_or_default())]
    FirmwareFailed {
        /// The device.
        device: String,
        /// The firmware.
        elf: PathBuf,
        /// Its exit status.
        exit_status: i32,
        /// The fault it reported (`HardFault`, …), if any.
        fault: Option<String>,
        /// Its console output.
        console: String,
    },
    /// Building the firmware failed.
    #[error(transparent)]
    Target(#[from] crate::target::TargetError),
    /// Generating the network's C failed.
    #[error(transparent)]
    Codegen(#[from] crate::codegen::CodegenError),
    /// The firmware's stack reached the end of its reservation (the run faulted, or nearly did).
    #[error(
        "{elf} on {device}: the stack overflowed its {reserved}-byte reservation: it reached {used} bytes (coming within {margin} bytes of the end counts as an overflow); give the firmware a larger stack (`nncube benchmark --stack BYTES`; `_stack_bytes` in a generated project's board.ld; `FirmwareSpec::stack_bytes` in the library)",
        margin = StackUsage::OVERFLOW_MARGIN_BYTES
    )]
    StackOverflow {
        /// The device.
        device: String,
        /// The firmware.
        elf: PathBuf,
        /// Bytes of the reservation.
        reserved: u64,
        /// Bytes of it ever written, or (after a fault taken below the reservation) how far below its top the SP
        /// was.
        used: u64,
    },
    /// A console line of the nncube protocol is malformed.
    #[error(
        "malformed console line `{line}`: {detail}; the firmware and nncube disagree on the protocol (this is a bug)"
    )]
    Protocol {
        /// The line.
        line: String,
        /// What is wrong.
        detail: String,
    },
}

/// Checked results of one run: outputs and instruction counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    /// Output buffers, by index.
    pub outputs: Vec<Vec<u8>>,
    /// Executed instructions of each inference (ticks × instructions per tick).
    pub instructions_per_inference: Vec<u64>,
    /// Executed instructions of each layer, in the order printed: (layer index, instructions).
    pub instructions_per_layer: Vec<(u32, u64)>,
    /// The counter's resolution: one tick is this many instructions (counts are exact multiples of it).
    pub resolution_instructions: u32,
    /// The stack high-water mark, if the firmware printed one (`#stack` record).
    pub stack: Option<StackUsage>,
}

/// Runs `firmware` on `device` and checks the run: no stack overflow (checked first: an overflow can cause a fault),
/// exit status 0, no fault; parses outputs and counts.
/// `counter` converts ticks to instructions (`None`: a device without instruction counter, counts are ticks).
pub fn measure(
    device: &mut dyn Device,
    firmware: &Firmware,
    files: &[HostFile],
    counter: Option<&InstructionCounter>,
) -> Result<Measurement, DeviceError> {
    let run = device.run(firmware, files)?;
    let report = ConsoleReport::parse(&run.console)?;
    if let Some(stack) = report.stack.filter(StackUsage::overflowed) {
        return Err(DeviceError::StackOverflow {
            device: device.describe(),
            elf: firmware.elf.clone(),
            reserved: stack.reserved_bytes,
            used: stack.used_bytes,
        });
    }
    if run.exit_status != 0 || report.fault.is_some() {
        return Err(DeviceError::FirmwareFailed {
            device: device.describe(),
            elf: firmware.elf.clone(),
            exit_status: run.exit_status,
            fault: report.fault,
            console: run.console,
        });
    }
    let per_tick = counter.map_or(1, InstructionCounter::instructions_per_tick);
    let scale = |ticks: u64| ticks * u64::from(per_tick);
    Ok(Measurement {
        outputs: report.outputs,
        instructions_per_inference: report.inference_ticks.into_iter().map(scale).collect(),
        instructions_per_layer: report
            .layer_ticks
            .into_iter()
            .map(|(layer, ticks)| (layer, scale(ticks)))
            .collect(),
        resolution_instructions: per_tick,
        stack: report.stack,
    })
}

#[cfg(test)]
mod tests;

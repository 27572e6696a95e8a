//! The console protocol between nncube firmware and the host (written by `nncube_platform_common.c`):
//!
//! ```text
//! #output <index> <hex bytes>      an output buffer
//! #ticks inference <ticks>         instruction-counter ticks of one inference
//! #ticks layer <index> <ticks>     ticks of one layer
//! #stack used <bytes> reserved <bytes>   the main stack's high-water mark and its reservation (0 0 on the host)
//! #fault <name>                    the firmware faulted (then exits with status 126)
//! ```
//! Other lines are free text. Outputs are stored by index; an index printed twice keeps the last value.

use super::DeviceError;

/// The records found in a console transcript.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleReport {
    /// Output buffers by index (missing indices are empty).
    pub outputs: Vec<Vec<u8>>,
    /// Ticks of each inference, in order.
    pub inference_ticks: Vec<u64>,
    /// Ticks per layer, in the order printed.
    pub layer_ticks: Vec<(u32, u64)>,
    /// The fault reported, if any.
    pub fault: Option<String>,
    /// The last stack record, if any.
    pub stack: Option<StackUsage>,
}

/// The main stack's high-water mark, as measured by the firmware (a painted reservation scanned after the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackUsage {
    /// Bytes of the reservation ever written since reset; after a fault taken with the SP below the reservation,
    /// how far below the top the SP was (more than reserved).
    pub used_bytes: u64,
    /// Bytes reserved (the linker script's `.stack`); 0 where the stack is not measured (the host).
    pub reserved_bytes: u64,
}

impl StackUsage {
    /// Headroom below which a run counts as a stack overflow: a high-water mark this close to the bottom of the
    /// reservation leaves no room for an interrupt frame or a slightly different input path.
    pub const OVERFLOW_MARGIN_BYTES: u64 = 64;

    /// Whether the stack reached (or came within [`Self::OVERFLOW_MARGIN_BYTES`] of) the end of its reservation.
    pub fn overflowed(&self) -> bool {
        self.reserved_bytes > 0
            && self.used_bytes + Self::OVERFLOW_MARGIN_BYTES >= self.reserved_bytes
    }
}

impl ConsoleReport {
    /// Parses a console transcript.
    pub fn parse(console: &str) -> Result<ConsoleReport, DeviceError> {
        let mut report = ConsoleReport::default();
        for line in console.lines() {
            let bad = |detail: &str| DeviceError::Protocol {
                line: line.to_string(),
                detail: detail.to_string(),
            };
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                ["#output", index, hex @ ..] => {
                    let index: usize = index.parse().map_err(|_| bad("bad output index"))?;
                    let bytes = decode_hex(hex.first().copied().unwrap_or(""))
                        .ok_or_else(|| bad("bad hex"))?;
                    if report.outputs.len() <= index {
                        report.outputs.resize(index + 1, Vec::new());
                    }
                    report.outputs[index] = bytes;
                }
                ["#ticks", "inference", ticks] => {
                    report
                        .inference_ticks
                        .push(ticks.parse().map_err(|_| bad("bad tick count"))?);
                }
                ["#ticks", "layer", layer, ticks] => {
                    report.layer_ticks.push((
                        layer.parse().map_err(|_| bad("bad layer index"))?,
                        ticks.parse().map_err(|_| bad("bad tick count"))?,
                    ));
                }
                ["#stack", "used", used, "reserved", reserved] => {
                    report.stack = Some(StackUsage {
                        used_bytes: used.parse().map_err(|_| bad("bad stack byte count"))?,
                        reserved_bytes: reserved
                            .parse()
                            .map_err(|_| bad("bad stack byte count"))?,
                    });
                }
                ["#fault", name @ ..] => report.fault = Some(name.join(" ")),
                [first, ..] if first.starts_with('#') => {
                    return Err(bad("unknown record"));
                }
                _ => {}
            }
        }
        Ok(report)
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

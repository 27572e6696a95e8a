//! The memory footprint of a firmware, the way users think about it: network code (generated network + kernel
//! runtime) vs the rest of the code, weights, activations, static RAM and stack, plus the use of each board region.
//!
//! Sizes come from the linked ELF's section table (`arm-none-eabi-size -A -d`); the section names are the ones
//! nncube's linker script defines ([`super::linker_script`]). Shortfalls come from the linker's own
//! "region `X' overflowed by N bytes" messages, which are exact.

use super::{Board, RegionShortfall, TargetError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A section of the linked ELF: name, size, address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Section name, e.g. `.nn_weights`.
    pub name: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Run-time address.
    pub address: u64,
}

/// Bytes used in one board memory region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionUsage {
    /// Region name from the board file.
    pub region: String,
    /// Bytes the firmware uses there (including the load image of `.data` in flash).
    pub used_bytes: u64,
    /// Region size.
    pub size_bytes: u64,
}

/// A firmware's footprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footprint {
    /// Code of the network and the kernel runtime (`.nn_text`), in flash.
    pub network_code_bytes: u64,
    /// All other code and read-only data (startup, application, C library, `.data` load image), in flash.
    pub other_code_bytes: u64,
    /// The network's constant data: weights, biases, quantization tables (`.nn_weights`), in flash.
    pub weights_bytes: u64,
    /// The network's zero-initialised RAM: the activation arena and scratch buffers (`.nn_activations`), plus the
    /// activation pools' sections (`.nn_pool_<REGION>`) when the activations are split over several regions.
    pub activations_bytes: u64,
    /// Other static RAM (`.data` + `.bss`).
    pub static_ram_bytes: u64,
    /// Reserved main stack.
    pub stack_bytes: u64,
    /// Use of each board region, in board-file order (flash first).
    pub regions: Vec<RegionUsage>,
}

impl Footprint {
    /// All flash-resident code (network + the rest).
    pub fn code_bytes(&self) -> u64 {
        self.network_code_bytes + self.other_code_bytes
    }

    /// Computes the footprint from the ELF's sections.
    pub fn from_sections(board: &Board, sections: &[Section]) -> Footprint {
        let size_of = |names: &[&str]| -> u64 {
            sections
                .iter()
                .filter(|s| names.contains(&s.name.as_str()))
                .map(|s| s.size_bytes)
                .sum()
        };
        let data_bytes = size_of(&[".data"]);
        let mut regions: Vec<RegionUsage> = board
            .flash
            .iter()
            .chain(&board.ram)
            .map(|r| RegionUsage {
                region: r.name.clone(),
                used_bytes: 0,
                size_bytes: u64::from(r.size_bytes),
            })
            .collect();
        let all_regions: Vec<_> = board.flash.iter().chain(&board.ram).collect();
        for section in sections.iter().filter(|s| is_allocated(&s.name)) {
            if let Some(i) = all_regions
                .iter()
                .position(|r| section.address >= u64::from(r.address) && section.address < r.end())
            {
                regions[i].used_bytes += section.size_bytes;
            }
        }
        // `.data` also occupies its load image in the code flash.
        regions[0].used_bytes += data_bytes;
        Footprint {
            network_code_bytes: size_of(&[".nn_text"]),
            other_code_bytes: size_of(&[
                ".isr_vector",
                ".text",
                ".rodata",
                ".ARM.exidx",
                ".init_array",
                ".fini_array",
            ]) + data_bytes,
            weights_bytes: size_of(&[".nn_weights"]),
            activations_bytes: size_of(&[".nn_activations"])
                + sections
                    .iter()
                    .filter(|s| s.name.starts_with(".nn_pool_"))
                    .map(|s| s.size_bytes)
                    .sum::<u64>(),
            static_ram_bytes: data_bytes + size_of(&[".bss"]),
            stack_bytes: size_of(&[".stack"]),
            regions,
        }
    }
}

/// Whether a section of nncube's linker script occupies target memory (debug sections do not).
fn is_allocated(name: &str) -> bool {
    name.starts_with(".nn_pool_")
        || matches!(
            name,
            ".isr_vector"
                | ".nn_text"
                | ".text"
                | ".nn_weights"
                | ".rodata"
                | ".ARM.exidx"
                | ".init_array"
                | ".fini_array"
                | ".data"
                | ".bss"
                | ".nn_activations"
                | ".stack"
        )
}

/// Parses `arm-none-eabi-size -A -d` output into sections.
pub fn parse_size_output(text: &str, elf: &Path) -> Result<Vec<Section>, TargetError> {
    let mut sections = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["section", "size", "addr"] => in_table = true,
            ["Total", ..] => in_table = false,
            [name, size, address] if in_table => {
                let number = |s: &str| {
                    s.parse::<u64>().map_err(|_| TargetError::SizeOutput {
                        elf: elf.to_path_buf(),
                        detail: format!("`{s}` is not a decimal number in line `{line}`"),
                    })
                };
                sections.push(Section {
                    name: (*name).to_string(),
                    size_bytes: number(size)?,
                    address: number(address)?,
                });
            }
            _ => {}
        }
    }
    if sections.is_empty() {
        return Err(TargetError::SizeOutput {
            elf: elf.to_path_buf(),
            detail: "no section table found".to_string(),
        });
    }
    Ok(sections)
}

/// Extracts "region `NAME' overflowed by N bytes" from the linker's messages, one entry per region.
pub fn parse_overflows(board: &Board, linker_stderr: &str) -> Vec<RegionShortfall> {
    let mut shortfalls: Vec<RegionShortfall> = Vec::new();
    for line in linker_stderr.lines() {
        let Some(rest) = line.split("region `").nth(1) else {
            continue;
        };
        let Some((region, tail)) = rest.split_once('\'') else {
            continue;
        };
        let Some(count) = tail
            .trim()
            .strip_prefix("overflowed by ")
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        let size_bytes = board
            .flash
            .iter()
            .chain(&board.ram)
            .find(|r| r.name == region)
            .map_or(0, |r| u64::from(r.size_bytes));
        match shortfalls.iter_mut().find(|s| s.region == region) {
            Some(existing) => existing.short_by_bytes = existing.short_by_bytes.max(count),
            None => shortfalls.push(RegionShortfall {
                region: region.to_string(),
                size_bytes,
                short_by_bytes: count,
            }),
        }
    }
    shortfalls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::board::Board;

    fn netduino() -> Board {
        Board::find("qemu-netduinoplus2").unwrap()
    }

    #[test]
    fn size_output_is_split_into_user_categories_and_regions() {
        let text = "fw.elf  :\nsection           size        addr\n.isr_vector 64 134217728\n\
                    .nn_text 1000 134217792\n.text 500 134218792\n.nn_weights 4096 134219296\n\
                    .rodata 100 134223392\n.data 8 536870912\n.bss 12 536870920\n\
                    .nn_activations 2048 536870944\n.stack 4096 536872992\n.debug_info 999 0\nTotal 12000\n";
        let sections = parse_size_output(text, Path::new("fw.elf")).unwrap();
        let fp = Footprint::from_sections(&netduino(), &sections);
        assert_eq!(fp.network_code_bytes, 1000);
        assert_eq!(fp.other_code_bytes, 64 + 500 + 100 + 8);
        assert_eq!(fp.weights_bytes, 4096);
        assert_eq!(fp.activations_bytes, 2048);
        assert_eq!(fp.static_ram_bytes, 20);
        assert_eq!(fp.stack_bytes, 4096);
        assert_eq!(fp.regions[0].region, "FLASH");
        assert_eq!(fp.regions[0].used_bytes, 64 + 1000 + 500 + 4096 + 100 + 8);
        assert_eq!(fp.regions[1].used_bytes, 8 + 12 + 2048 + 4096);
    }

    #[test]
    fn garbage_size_output_is_an_error() {
        assert!(parse_size_output("nothing here", Path::new("x.elf")).is_err());
        let bad = "section size addr\n.text 12x 0\n";
        assert!(parse_size_output(bad, Path::new("x.elf")).is_err());
    }

    #[test]
    fn linker_overflow_messages_become_shortfalls() {
        let stderr = "ld: fw.elf section `.stack' will not fit in region `SRAM'\n\
                      ld: region `SRAM' overflowed by 5000 bytes\n\
                      ld: region `FLASH' overflowed by 12 bytes\n";
        let s = parse_overflows(&netduino(), stderr);
        assert_eq!(
            s,
            vec![
                RegionShortfall {
                    region: "SRAM".into(),
                    size_bytes: 131072,
                    short_by_bytes: 5000
                },
                RegionShortfall {
                    region: "FLASH".into(),
                    size_bytes: 1048576,
                    short_by_bytes: 12
                },
            ]
        );
        assert!(parse_overflows(&netduino(), "undefined reference to `x'").is_empty());
    }
}

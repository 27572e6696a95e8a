//! The linker script generated from a board's memory map.
//!
//! Layout: vector table, code, weights (`.nn_weights`, the network's read-only data) in the first flash region;
//! the reserved stack `.stack` `[_sstack, _estack)` first in the system RAM, then `.data` and `.bss` (the initial
//! SP is `_estack`, so the stack grows down from the top of its reservation, and an overflow runs off the start of
//! the RAM and faults instead of overwriting data);
//! activations (`.nn_activations`, the network's zero-initialised data) in the chosen RAM region. With several
//! activation pools, each pool's arena is in input section `.bss.nn_pool_<REGION>` and gets an output section
//! `.nn_pool_<REGION>` in that region, placed before `.data` so that no generic `.bss` rule takes it (the first
//! matching rule of a linker script wins), and so first in its region (after the stack in the system RAM). Every
//! board region is declared, so the linker itself rejects a firmware that does not fit.

use super::support::LINKER_SCRIPT_TEMPLATE;
use super::{Board, MemoryRegion};

/// Where the parts of a firmware go, by region name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Region of the activations (`.nn_activations`).
    pub activations_region: String,
    /// Bytes reserved for the main stack (section `.stack`, after the system RAM's static data).
    pub stack_bytes: u32,
    /// Regions with a pool section `.nn_pool_<REGION>` (several activation pools); empty with one pool.
    pub pool_regions: Vec<String>,
}

/// The input (and output) section name of the activation pool in `region`.
pub fn pool_section(region: &str) -> String {
    format!(".nn_pool_{region}")
}

/// Renders the linker script for `board` with `placement`.
pub fn render(board: &Board, placement: &Placement) -> String {
    let mut memory = String::new();
    for region in &board.flash {
        memory.push_str(&memory_line(region, "rx"));
    }
    for region in &board.ram {
        memory.push_str(&memory_line(region, "rwx"));
    }
    let code = &board.code_flash().name;
    let pools: String = placement
        .pool_regions
        .iter()
        .map(|r| {
            format!(
                "  {s} (NOLOAD) : ALIGN(16) {{ *(.bss{s}) }} > {r}\n",
                s = pool_section(r)
            )
        })
        .collect();
    LINKER_SCRIPT_TEMPLATE
        .replace("{{POOL_SECTIONS}}", &pools)
        .replace("{{MEMORY}}", memory.trim_end())
        .replace("{{SYSTEM_RAM}}", &board.system_ram().name)
        .replace("{{CODE}}", code)
        .replace("{{WEIGHTS}}", code)
        .replace("{{ACTIVATIONS}}", &placement.activations_region)
        .replace("{{STACK_BYTES}}", &placement.stack_bytes.to_string())
}

fn memory_line(region: &MemoryRegion, attributes: &str) -> String {
    format!(
        "  {} ({attributes}) : ORIGIN = 0x{:08X}, LENGTH = {}\n",
        region.name, region.address, region.size_bytes
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::board::builtin_boards;

    #[test]
    fn h743_script_declares_every_region_and_places_activations() {
        let boards = builtin_boards().unwrap();
        let board = boards.iter().find(|b| b.id == "nucleo-h743zi2").unwrap();
        let script = render(
            board,
            &Placement {
                activations_region: "AXI_SRAM".to_string(),
                stack_bytes: 8192,
                pool_regions: Vec::new(),
            },
        );
        assert!(script.contains("AXI_SRAM (rwx) : ORIGIN = 0x24000000, LENGTH = 524288"));
        assert!(script.contains("DTCM (rwx) : ORIGIN = 0x20000000, LENGTH = 131072"));
        assert!(script.contains("FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 2097152"));
        assert!(script.contains("*nn__*(.bss .bss.* COMMON) } > AXI_SRAM"));
        // The kernel library's constant tables are network code; the network's constant data are weights.
        let text = script
            .find("*nn__*nncube_*(.rodata .rodata.*) } > FLASH")
            .unwrap();
        let weights = script.find("*nn__*(.rodata .rodata.*) } > FLASH").unwrap();
        assert!(text < weights, "{script}");
        assert!(script.contains("_stack_bytes = 8192;"));
        // The initial SP is the top of the `.stack` reservation, which is in the system RAM.
        assert!(script.contains(
            ".stack (NOLOAD) : ALIGN(8) { _sstack = .; . = . + _stack_bytes; . = ALIGN(8); _estack = .; } > DTCM"
        ));
        assert_eq!(script.matches("_estack =").count(), 1, "{script}");
        assert!(!script.contains("{{"), "unfilled template field:\n{script}");
        assert!(!script.contains(".nn_pool_"));
    }

    #[test]
    fn each_pool_gets_a_section_in_its_region_before_the_generic_rules() {
        let board = crate::target::Board::find("nucleo-h743zi2").unwrap();
        let script = render(
            &board,
            &Placement {
                activations_region: "DTCM".to_string(),
                stack_bytes: 4096,
                pool_regions: vec!["DTCM".to_string(), "AXI_SRAM".to_string()],
            },
        );
        let dtcm = script
            .find(".nn_pool_DTCM (NOLOAD) : ALIGN(16) { *(.bss.nn_pool_DTCM) } > DTCM")
            .unwrap();
        let axi = script
            .find(".nn_pool_AXI_SRAM (NOLOAD) : ALIGN(16) { *(.bss.nn_pool_AXI_SRAM) } > AXI_SRAM")
            .unwrap();
        let data = script.find("  .data : ").unwrap();
        let stack = script.find("  .stack (NOLOAD)").unwrap();
        assert!(stack < dtcm && dtcm < axi && axi < data, "{script}");
    }
}

//! The activation pools of a board: which RAM regions the memory planner may fill, how much of each, and in
//! which order of speed.
//!
//! Every RAM region of the board is a pool except
//! - a region starting at address 0 (ITCM on STM32H7/F7, the MPS2 code SSRAM): a buffer there could sit at the
//!   null pointer, and these are instruction memories;
//! - a region of speed class `Slow` (external memory): never worth it for activations here.
//!
//! The firmware's own RAM lives in the system RAM (the board's first RAM region, see [`Board::system_ram`]):
//! `.data`, `.bss` and the main stack. That region's pool is smaller by [`firmware_ram_reserve_bytes`] = the stack
//! reservation + [`STATIC_DATA_RESERVE_BYTES`]. The reserve is an estimate made before linking; the linker script
//! declares every region, so a firmware whose static data outgrows it still fails to link with the region named.
//!
//! Pools are ordered fastest first (`Tcm`, then `Fast`, then `Normal`; board-file order among equals) and ranked
//! 0, 1, 2, … in that order, so the planner's "most used buffers into the fastest pool" follows the board.

use super::{Board, MemoryRegion, SpeedClass};
use crate::memplan::MemoryPool;

/// Bytes of the system RAM kept for the firmware's static data (`.data` + `.bss`: startup code, platform layer,
/// application, C library). nncube's own support code and benchmark application use well under 1 KiB; the rest
/// is headroom for the user's code.
pub const STATIC_DATA_RESERVE_BYTES: u32 = 4096;

/// One RAM region the planner may use for activations.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardPool {
    /// The board region.
    pub region: MemoryRegion,
    /// Bytes of the region kept for the firmware itself (stack and static data; 0 outside the system RAM).
    pub reserved_bytes: u32,
}

impl BoardPool {
    /// Bytes the activations may use.
    fn usable_bytes(&self) -> u64 {
        u64::from(self.region.size_bytes.saturating_sub(self.reserved_bytes))
    }
}

/// Bytes of the system RAM kept for the firmware when its stack reservation is `stack_bytes`.
fn firmware_ram_reserve_bytes(stack_bytes: u32) -> u32 {
    stack_bytes.saturating_add(STATIC_DATA_RESERVE_BYTES)
}

fn speed_rank(speed: SpeedClass) -> Option<u32> {
    match speed {
        SpeedClass::Tcm => Some(0),
        SpeedClass::Fast => Some(1),
        SpeedClass::Normal => Some(2),
        SpeedClass::Slow => None,
    }
}

/// The board's activation pools, fastest first (see the module documentation). Regions left with no usable byte
/// after the reserve are left out.
pub fn board_pools(board: &Board, stack_bytes: u32) -> Vec<BoardPool> {
    let system = board.system_ram().name.clone();
    let mut pools: Vec<(u32, usize, BoardPool)> = board
        .ram
        .iter()
        .enumerate()
        .filter(|(_, r)| r.address != 0)
        .filter_map(|(i, r)| {
            let rank = speed_rank(r.speed)?;
            let reserved_bytes = if r.name == system {
                firmware_ram_reserve_bytes(stack_bytes)
            } else {
                0
            };
            Some((
                rank,
                i,
                BoardPool {
                    region: r.clone(),
                    reserved_bytes,
                },
            ))
        })
        .filter(|(_, _, p)| p.usable_bytes() > 0)
        .collect();
    pools.sort_by_key(|(rank, i, _)| (*rank, *i));
    pools.into_iter().map(|(_, _, p)| p).collect()
}

/// The planner's pools for `board`: one per [`board_pools`] entry, named after its region, ranked fastest first.
pub fn plan_pools(board: &Board, stack_bytes: u32) -> Vec<MemoryPool> {
    board_pools(board, stack_bytes)
        .into_iter()
        .enumerate()
        .map(|(rank, p)| MemoryPool {
            name: p.region.name.clone(),
            size_bytes: p.usable_bytes(),
            speed_rank: rank as u32,
        })
        .collect()
}

/// "region `A` has N B (M B usable after the firmware's stack and static data), region `B` has …": the board's
/// pools for error messages.
pub fn describe_pools(board: &Board, stack_bytes: u32) -> String {
    let pools = board_pools(board, stack_bytes);
    if pools.is_empty() {
        return format!(
            "no usable RAM region (the system RAM `{}` is smaller than the {} B the firmware keeps)",
            board.system_ram().name,
            firmware_ram_reserve_bytes(stack_bytes)
        );
    }
    pools
        .iter()
        .map(|p| {
            if p.reserved_bytes > 0 {
                format!(
                    "region `{}` has {} B ({} B usable after the firmware's stack and static data)",
                    p.region.name,
                    p.region.size_bytes,
                    p.usable_bytes()
                )
            } else {
                format!("region `{}` has {} B", p.region.name, p.region.size_bytes)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h743_pools_are_dtcm_then_axi_then_the_d2_d3_srams_without_itcm() {
        let board = Board::find("nucleo-h743zi2").unwrap();
        let pools = board_pools(&board, 4096);
        let names: Vec<&str> = pools.iter().map(|p| p.region.name.as_str()).collect();
        assert_eq!(
            names,
            ["DTCM", "AXI_SRAM", "SRAM1", "SRAM2", "SRAM3", "SRAM4"]
        );
        assert_eq!(pools[0].usable_bytes(), 128 * 1024 - 4096 - 4096);
        assert_eq!(pools[1].usable_bytes(), 512 * 1024);
        let plan = plan_pools(&board, 4096);
        assert_eq!(plan[0].speed_rank, 0);
        assert_eq!(plan[5].speed_rank, 5);
        assert_eq!(plan[0].size_bytes, 120 * 1024);
    }

    #[test]
    fn a_single_region_board_has_one_pool_minus_the_reserve() {
        let board = Board::find("qemu-netduinoplus2").unwrap();
        let pools = plan_pools(&board, 4096);
        assert_eq!(pools.len(), 1);
        assert_eq!(pools[0].name, "SRAM");
        assert_eq!(pools[0].size_bytes, 128 * 1024 - 8192);
        assert!(
            describe_pools(&board, 4096).contains("region `SRAM` has 131072 B (122880 B usable")
        );
    }

    #[test]
    fn a_system_ram_smaller_than_the_reserve_gives_no_pool() {
        let mut board = Board::find("qemu-netduinoplus2").unwrap();
        board.ram[0].size_bytes = 4096;
        assert!(board_pools(&board, 4096).is_empty());
        assert!(describe_pools(&board, 4096).contains("no usable RAM region"));
    }
}

//! Activations over several memory pools from a board (docs/memory-planner.md, "Pools from the board"): the plan
//! per pool is valid, the most used buffers go to the fastest region, the multi-pool C is bit-exact with the
//! reference interpreter on the host, a two-region firmware project links each pool into its region and runs on
//! the virtual board, and a board too small for the model is refused with the tensor and the shortfall per region,
//! writing nothing.

mod common;

use nncube_core::codegen::{self, CodegenOptions, Placement};
use nncube_core::device::{HostFile, QemuDevice, measure};
use nncube_core::interp::{self, TensorData};
use nncube_core::ir::Graph;
use nncube_core::memplan::{self, check_plan};
use nncube_core::passes::Pipeline;
use nncube_core::target::firmware::DEFAULT_STACK_BYTES;
use nncube_core::target::project::plan_for_board;
use nncube_core::target::{ArmToolchain, Board, Firmware};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The two-region test board: SRAM_FAST (32 KiB, Tcm, holds stack and static data) and SRAM_SLOW (96 KiB).
fn two_region_board_file() -> PathBuf {
    common::repo_root().join("tests/fixtures/boards/qemu-two-sram.ron")
}

/// vww_96_int8 as `generate` sees it (optimized).
fn vww() -> Graph {
    let mut graph = nncube_core::import::load_model(&common::shared_model("vww_96_int8")).unwrap();
    Pipeline::default_pipeline().run(&mut graph, None).unwrap();
    graph
}

fn nncube(args: &[&str]) -> std::process::Output {
    Command::new(common::nncube_bin())
        .args(args)
        .output()
        .unwrap()
}

/// The deterministic input the host main below writes: byte k = (k·37 + 11) mod 256.
fn input_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|k| (k as u32 * 37 + 11) as u8).collect()
}

/// The interpreter's output bytes for `input`.
fn reference_output(graph: &Graph, input: Vec<u8>) -> Vec<u8> {
    let ty = &graph.tensor(graph.inputs[0]).ty;
    interp::run(
        graph,
        &[TensorData::from_bytes(ty.dtype, ty.shape.to_vec(), input)],
    )
    .unwrap()
    .outputs()[0]
        .bytes
        .clone()
}

#[test]
fn vww_fits_the_h743_dtcm_and_spills_into_the_second_region_of_a_small_board() {
    let graph = vww();
    let options = codegen::plan_options(&CodegenOptions::default());

    // NUCLEO-H743ZI2: 120 KiB of DTCM are left after stack and static data; vww's 36,960 B all go there.
    let h7 = Board::find("nucleo-h743zi2").unwrap();
    let plan = plan_for_board(&graph, &h7, DEFAULT_STACK_BYTES, &options).unwrap();
    check_plan(&graph, &plan).unwrap();
    assert_eq!(plan.pools[0].name, "DTCM");
    assert!(plan.buffers.iter().all(|b| b.pool == 0));
    let placement = Placement::from_plan(&graph, &plan).unwrap();
    assert!(!placement.is_multi_pool());
    assert_eq!(placement.pools[0].name, "DTCM");

    // The two-region board: 24 KiB usable in SRAM_FAST cannot hold vww, so buffers spill into SRAM_SLOW.
    let small = Board::find(two_region_board_file().to_str().unwrap()).unwrap();
    let plan = plan_for_board(&graph, &small, DEFAULT_STACK_BYTES, &options).unwrap();
    check_plan(&graph, &plan).unwrap();
    let names: Vec<&str> = plan.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["SRAM_FAST", "SRAM_SLOW"]);
    for (i, pool) in plan.pools.iter().enumerate() {
        assert!(
            plan.buffers.iter().any(|b| b.pool == i),
            "{} unused",
            pool.name
        );
        assert!(pool.used_bytes <= pool.size_bytes.unwrap());
    }
    assert_eq!(plan.pools[0].size_bytes, Some(32 * 1024 - 8 * 1024));
    // The checker works per pool: moving a slow-pool buffer into the fast pool at its offset breaks the plan
    // (it then collides with a fast-pool buffer or leaves the pool).
    let moved = plan.buffers.iter().position(|b| b.pool == 1).unwrap();
    let mut broken = plan.clone();
    broken.buffers[moved].pool = 0;
    assert!(check_plan(&graph, &broken).is_err());
    let placement = Placement::from_plan(&graph, &plan).unwrap();
    assert!(placement.is_multi_pool());
    assert_eq!(
        placement.arena_bytes,
        placement.pools.iter().map(|p| p.bytes).sum::<usize>()
    );
    // A plan that puts the whole model in one pool is smaller or equal: pools cannot share bytes.
    let single = memplan::plan(&graph, &options).unwrap();
    assert!(single.total_bytes <= plan.total_bytes);
}

/// Builds the drop-in files generated in `dir` (network `net`, two pools) with a main that places each pool in
/// its own static array, feeds the deterministic input and prints the output bytes as hex.
fn run_two_pool_main(dir: &Path) -> String {
    let main = r#"#include <stdio.h>
#include "net.h"
#include "net_data.h"
static uint32_t pool0[(NET_POOL_0_BYTES + 3) / 4];
static uint32_t pool1[(NET_POOL_1_BYTES + 3) / 4];
int main(void) {
    net_ctx ctx;
    void *pools[NET_NUM_POOLS];
    void *missing[NET_NUM_POOLS];
    unsigned i;
    uint8_t *in;
    uint8_t *out;
    if (NET_NUM_POOLS != 2) return 9;
    pools[0] = pool0;
    pools[1] = pool1;
    missing[0] = pool0;
    missing[1] = NULL;
    if (net_init(&ctx, missing, net_weights) != NNCUBE_ERROR_NULL_ARGUMENT) return 10;
    if (net_init(&ctx, pools, net_weights) != NNCUBE_OK) return 11;
    in = (uint8_t *)net_input(&ctx, 0);
    out = (uint8_t *)net_output(&ctx, 0);
    for (i = 0; i < NET_INPUT_0_BYTES; i++) in[i] = (uint8_t)(i * 37u + 11u);
    if (net_run(&ctx) != NNCUBE_OK) return 12;
    for (i = 0; i < NET_OUTPUT_0_BYTES; i++) printf("%02x", out[i]);
    printf("\n");
    return 0;
}
"#;
    std::fs::write(dir.join("main.c"), main).unwrap();
    common::build_and_run_host_main(dir, &["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror"])
}

#[test]
fn a_two_pool_host_build_is_bit_exact_with_the_interpreter() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let model = common::shared_model("vww_96_int8");
    let board = two_region_board_file();
    common::nncube_ok([
        "generate",
        model.to_str().unwrap(),
        "--board",
        board.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "--name",
        "net",
    ]);
    let header = std::fs::read_to_string(dir.join("net.h")).unwrap();
    assert!(
        header.contains("#define NET_NUM_POOLS 2")
            && header.contains("#define NET_POOL_0_NAME \"SRAM_FAST\"")
            && header.contains("#define NET_POOL_1_NAME \"SRAM_SLOW\"")
            && header.contains("void *const pools[NET_NUM_POOLS]"),
        "{header}"
    );
    let source = std::fs::read_to_string(dir.join("net.c")).unwrap();
    assert!(source.contains("act0 + ") && source.contains("act1 + "));

    let graph = vww();
    let n = graph.tensor(graph.inputs[0]).ty.size_bytes();
    let expected: String = reference_output(&graph, input_bytes(n))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(run_two_pool_main(&dir).trim(), expected);
}

/// `arm-none-eabi-nm` next to the located gcc.
fn symbol_addresses(elf: &Path) -> Vec<(String, u64)> {
    let gcc = ArmToolchain::locate().unwrap().gcc;
    let nm = gcc.with_file_name(
        gcc.file_name()
            .unwrap()
            .to_string_lossy()
            .replace("gcc", "nm"),
    );
    let out = Command::new(nm).arg(elf).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let addr = u64::from_str_radix(f.next()?, 16).ok()?;
            let _kind = f.next()?;
            Some((f.next()?.to_string(), addr))
        })
        .collect()
}

#[test]
fn a_two_region_project_links_each_pool_into_its_region_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    let model = common::shared_model("vww_96_int8");
    let board_file = two_region_board_file();
    common::nncube_ok([
        "generate",
        model.to_str().unwrap(),
        "--board",
        board_file.to_str().unwrap(),
        "--project",
        dir.to_str().unwrap(),
    ]);
    let script = std::fs::read_to_string(dir.join("board.ld")).unwrap();
    assert!(
        script.contains("*(.bss.nn_pool_SRAM_SLOW) } > SRAM_SLOW"),
        "{script}"
    );
    let elf = common::make_app(&dir, "validation");

    let board = Board::find(board_file.to_str().unwrap()).unwrap();
    let symbols = symbol_addresses(&elf);
    for region in &board.ram {
        let name = format!("network_pool_{}", region.name);
        let addr = symbols
            .iter()
            .find(|(s, _)| *s == name)
            .unwrap_or_else(|| panic!("no symbol {name}"))
            .1;
        assert!(
            addr >= u64::from(region.address) && addr < region.end(),
            "{name} at {addr:#x} is outside {}",
            region.name
        );
    }
    let firmware = Firmware::from_elf(&ArmToolchain::locate().unwrap(), &board, elf).unwrap();
    assert!(firmware.footprint.activations_bytes >= 55_000);

    // The validation app on the virtual board: outputs equal to the interpreter's.
    let graph = vww();
    let n = graph.tensor(graph.inputs[0]).ty.size_bytes();
    let input = input_bytes(n);
    let expected = reference_output(&graph, input.clone());
    let mut device = QemuDevice::new(&board, Duration::from_secs(120)).unwrap();
    let counter = board.virtual_board.as_ref().map(|v| &v.counter);
    let files = [HostFile {
        name: "input0.bin".to_string(),
        bytes: input,
    }];
    let measured = measure(&mut device, &firmware, &files, counter).unwrap();
    assert_eq!(measured.outputs, vec![expected]);
}

#[test]
fn a_board_too_small_names_the_tensor_and_the_shortfall_per_region_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(two_region_board_file())
        .unwrap()
        .replace("\"qemu-two-sram\"", "\"tiny-two\"")
        .replace("size_bytes: 0x00018000", "size_bytes: 0x00004000");
    let board = tmp.path().join("tiny-two.ron");
    std::fs::write(&board, text).unwrap();
    let model = common::shared_model("vww_96_int8");
    for target in ["--project", "-o"] {
        let dir = tmp.path().join(format!("out{target}"));
        let out = nncube(&[
            "generate",
            model.to_str().unwrap(),
            "--board",
            board.to_str().unwrap(),
            target,
            dir.to_str().unwrap(),
        ]);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("do not fit board `tiny-two`")
                && stderr.contains("region `SRAM_FAST` has 32768 B (24576 B usable")
                && stderr.contains("region `SRAM_SLOW` has 16384 B")
                && stderr.contains("SRAM_FAST 24576 B (")
                && stderr.contains("SRAM_SLOW 16384 B (")
                && stderr.contains("B short")
                && stderr.contains("tensor `"),
            "{stderr}"
        );
        assert!(!dir.exists(), "files were written to {}", dir.display());
    }
    // analyze says the same.
    let out = nncube(&[
        "analyze",
        model.to_str().unwrap(),
        "--board",
        board.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("B short"));
}

#[test]
fn analyze_reports_activations_per_pool_and_the_timeline_stacks_them() {
    let tmp = tempfile::tempdir().unwrap();
    let model = common::shared_model("vww_96_int8");
    let board = two_region_board_file();
    let json = tmp.path().join("r.json");
    let memory = tmp.path().join("m.json");
    let out = common::nncube_ok([
        "analyze",
        model.to_str().unwrap(),
        "--board",
        board.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--memory",
        memory.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("  pool SRAM_FAST   : ") && text.contains("  pool SRAM_SLOW   : "),
        "{text}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let pools = report["activation_pools"].as_array().unwrap();
    assert_eq!(pools.len(), 2);
    let used: u64 = pools
        .iter()
        .map(|p| p["used_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(report["activations_bytes"].as_u64().unwrap(), used);
    assert_eq!(pools[0]["size_bytes"].as_u64().unwrap(), 24 * 1024);
    let timeline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&memory).unwrap()).unwrap();
    let bands = timeline["timeline"]["pools"].as_array().unwrap();
    assert_eq!(bands.len(), 2);
    assert_eq!(bands[1]["base"], bands[0]["used_bytes"]);
}

/// Reads every file under `dir` (relative path → contents).
fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn a_board_whose_activations_fit_one_region_gives_the_single_buffer_files_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let model = common::shared_model("vww_96_int8");
    let mut trees = Vec::new();
    for (sub, board) in [
        ("none", None),
        ("netduino", Some("qemu-netduinoplus2")),
        ("h743", Some("nucleo-h743zi2")),
    ] {
        let dir = tmp.path().join(sub);
        let mut args = vec![
            "generate",
            model.to_str().unwrap(),
            "-o",
            dir.to_str().unwrap(),
        ];
        if let Some(b) = board {
            args.extend(["--board", b]);
        }
        common::nncube_ok(&args);
        trees.push(tree(&dir));
    }
    assert!(!trees[0].is_empty());
    assert_eq!(trees[0], trees[1], "one-region board");
    assert_eq!(trees[0], trees[2], "H743: everything in DTCM");
}

#[test]
fn an_h743_project_puts_the_vww_arena_in_dtcm() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    let model = common::shared_model("vww_96_int8");
    common::nncube_ok([
        "generate",
        model.to_str().unwrap(),
        "--board",
        "nucleo-h743zi2",
        "--project",
        dir.to_str().unwrap(),
    ]);
    common::run_ok(Command::new("make").arg("-C").arg(&dir));
    let board = Board::find("nucleo-h743zi2").unwrap();
    let dtcm = board.ram_region("DTCM").unwrap();
    let symbols = symbol_addresses(&dir.join("build/performance/performance.elf"));
    let arena = symbols
        .iter()
        .find(|(s, _)| s == "network_arena")
        .unwrap()
        .1;
    assert!(
        arena >= u64::from(dtcm.address) && arena < dtcm.end(),
        "network_arena at {arena:#x}"
    );
}

#[test]
fn generate_stack_sets_the_project_stack_and_the_ram_the_activations_are_planned_around() {
    let tmp = tempfile::tempdir().unwrap();
    let model = common::shared_model("kws_ref_model");
    let dir = tmp.path().join("proj");
    common::nncube_ok([
        "generate",
        model.to_str().unwrap(),
        "--board",
        "qemu-netduinoplus2",
        "--stack",
        "8192",
        "--project",
        dir.to_str().unwrap(),
    ]);
    let script = std::fs::read_to_string(dir.join("board.ld")).unwrap();
    assert!(script.contains("_stack_bytes = 8192;"), "{script}");
    common::run_ok(Command::new("make").arg("-C").arg(&dir));
    let symbols = symbol_addresses(&dir.join("build/performance/performance.elf"));
    let address = |name: &str| symbols.iter().find(|(s, _)| s == name).unwrap().1;
    assert_eq!(address("_estack") - address("_sstack"), 8192);

    // A stack that leaves the activations no room, and one the core cannot align: errors, nothing written.
    for (stack, expected) in [
        ("126976", "do not fit board `qemu-netduinoplus2`"),
        ("1004", "1004 bytes is not a positive multiple of 8"),
    ] {
        for target in ["--project", "-o"] {
            let out_dir = tmp.path().join(format!("stack{stack}{target}"));
            let out = nncube(&[
                "generate",
                model.to_str().unwrap(),
                "--board",
                "qemu-netduinoplus2",
                "--stack",
                stack,
                target,
                out_dir.to_str().unwrap(),
            ]);
            assert!(!out.status.success(), "--stack {stack} {target}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(expected), "--stack {stack}: {stderr}");
            assert!(
                !out_dir.exists(),
                "files were written to {}",
                out_dir.display()
            );
        }
    }
}

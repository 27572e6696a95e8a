//! Generated networks on the virtual board: `benchmark` builds a real model's generated C for QEMU, and the board's
//! outputs must equal the reference interpreter's bit for bit (int8); counts repeat exactly; `nncube benchmark`
//! writes the documented JSON.

mod common;

use nncube_core::device::QemuDevice;
use nncube_core::device::benchmark::{BenchmarkInputs, BenchmarkReport, benchmark};
use nncube_core::import::load_model;
use nncube_core::interp::{self, TensorData};
use nncube_core::target::{ArmToolchain, Board};
use std::process::Command;
use std::time::Duration;

fn seeded_bytes(len: usize, mut state: u32) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn generated_int8_models_on_qemu_match_the_interpreter_bit_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let toolchain = ArmToolchain::locate().unwrap();
    for (model, board_id) in [
        ("hello_world_int8", "qemu-netduinoplus2"),
        ("kws_ref_model", "qemu-netduinoplus2"),
        ("kws_ref_model", "qemu-mps2-an500"),
    ] {
        let graph = load_model(&common::shared_model(model)).unwrap();
        let board = Board::find(board_id).unwrap();
        let inputs: Vec<Vec<u8>> = graph
            .inputs
            .iter()
            .enumerate()
            .map(|(i, &t)| seeded_bytes(graph.tensor(t).ty.size_bytes(), 7 + i as u32))
            .collect();
        let reference = interp::run(
            &graph,
            &graph
                .inputs
                .iter()
                .zip(&inputs)
                .map(|(&t, bytes)| {
                    let ty = &graph.tensor(t).ty;
                    TensorData::from_bytes(ty.dtype, ty.shape.to_vec(), bytes.clone())
                })
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let expected: Vec<Vec<u8>> = reference
            .outputs()
            .iter()
            .map(|d| d.bytes.clone())
            .collect();

        let mut device = QemuDevice::new(&board, Duration::from_secs(60)).unwrap();
        let work = tmp.path().join(format!("{model}-{board_id}"));
        let files = BenchmarkInputs::Files(inputs);
        let first = benchmark(&graph, &board, &toolchain, &mut device, &files, &work).unwrap();
        assert_eq!(
            first.outputs, expected,
            "{model} on {board_id}: outputs differ from the interpreter"
        );
        let second = benchmark(&graph, &board, &toolchain, &mut device, &files, &work).unwrap();
        assert_eq!(first, second, "{model} on {board_id}: two runs differ");

        assert_eq!(first.layers.len(), graph.nodes.len(), "{model}");
        assert!(first.macc > 0);
        let per_mac = first.instructions_per_macc;
        assert!(
            (0.5..200.0).contains(&per_mac),
            "{model}: {per_mac} instructions/MAC"
        );
        let layer_sum: u64 = first.layers.iter().map(|l| l.instructions).sum();
        assert!(layer_sum >= first.instructions_per_inference - first.layers.len() as u64 * 64);
        assert!(
            first.weights_bytes > 0 && first.activations_bytes > 0,
            "{model}"
        );
        assert_stack_measured(model, &first);
        eprintln!(
            "{model} on {board_id}: {} instructions/inference, {} MACC, {:.2} instructions/MAC, code {} (network {}), weights {}, activations {}, stack used {}",
            first.instructions_per_inference,
            first.macc,
            per_mac,
            first.code_bytes,
            first.network_code_bytes,
            first.weights_bytes,
            first.activations_bytes,
            first.stack_used_bytes
        );
    }
}

/// The stack high-water mark was measured and stayed inside the default 4 KiB reservation (the benchmark itself
/// fails when it comes within 64 bytes of the end; this also catches a measurement that reads 0 or the whole
/// reservation).
fn assert_stack_measured(name: &str, report: &BenchmarkReport) {
    assert_eq!(report.stack_bytes, 4096, "{name}");
    assert!(
        report.stack_used_bytes > 64 && report.stack_used_bytes < report.stack_bytes,
        "{name}: stack used {} of {} bytes",
        report.stack_used_bytes,
        report.stack_bytes
    );
}

#[test]
fn benchmark_cli_writes_the_documented_json() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("bench.json");
    let out = common::run_ok(
        Command::new(common::nncube_bin())
            .arg("benchmark")
            .arg(common::shared_model("hello_world_int8"))
            .args(["--board", "qemu-mps2-an386", "--json"])
            .arg(&json),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("instructions/inference"), "{stdout}");
    assert!(stdout.contains("stack 4096 bytes (used "), "{stdout}");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for key in [
        "instructions_per_inference",
        "macc",
        "code_bytes",
        "weights_bytes",
        "activations_bytes",
        "stack_bytes",
        "stack_used_bytes",
        "layers",
    ] {
        assert!(value.get(key).is_some(), "missing `{key}` in {value}");
    }
    assert_eq!(value["macc"], 288);
    let used = value["stack_used_bytes"].as_u64().unwrap();
    assert!(
        used > 64 && used < 4096 && stdout.contains(&format!("stack 4096 bytes (used {used})")),
        "{stdout}"
    );
    assert_eq!(value["layers"].as_array().unwrap().len(), 3);
    assert_eq!(
        value["instructions_per_inference"].as_u64().unwrap() % 40,
        0,
        "an386: 40 per tick"
    );

    let real = Command::new(common::nncube_bin())
        .arg("benchmark")
        .arg(common::shared_model("hello_world_int8"))
        .args(["--board", "nucleo-h743zi2"])
        .output()
        .unwrap();
    assert_eq!(real.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&real.stderr);
    assert!(
        stderr.contains("nucleo-h743zi2") && stderr.contains("qemu-*"),
        "{stderr}"
    );
}

#[test]
fn missing_tools_name_their_debian_packages() {
    for (env_var, package) in [
        ("NNCUBE_ARM_GCC", "gcc-arm-none-eabi"),
        ("NNCUBE_QEMU", "qemu-system-arm"),
    ] {
        let out = Command::new(common::nncube_bin())
            .arg("benchmark")
            .arg(common::shared_model("hello_world_int8"))
            .env(env_var, "/nonexistent/tool")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{env_var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("Debian package `{package}`"))
                && stderr.contains("/nonexistent/tool"),
            "{env_var}: {stderr}"
        );
    }
}

/// `nncube benchmark A B --fallback-board … --markdown FILE`: one table line per model in order, the model that
/// does not fit netduinoplus2 (ad01_fp32: 1 MiB of float weights) on the fallback board, numbers equal to the
/// JSON results, and TFLM's figures from docs/data/tflm-baseline.csv with the ratio.
#[test]
fn benchmark_cli_writes_the_comparison_table() {
    let tmp = tempfile::tempdir().unwrap();
    let (md, json) = (tmp.path().join("table.md"), tmp.path().join("all.json"));
    let out = Command::new(common::nncube_bin())
        .arg("benchmark")
        .arg(common::shared_model("hello_world_int8"))
        .arg(common::shared_model("ad01_fp32"))
        .args([
            "--board",
            "qemu-netduinoplus2",
            "--fallback-board",
            "qemu-mps2-an386",
        ])
        .arg("--markdown")
        .arg(&md)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(reports.len(), 2);
    let table = std::fs::read_to_string(&md).unwrap();
    let rows: Vec<Vec<String>> = table
        .lines()
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 4, "{table}");
    assert_eq!(
        rows[0],
        [
            "model",
            "board",
            "instructions/inference",
            "instructions/MAC",
            "code bytes",
            "weights bytes",
            "activation bytes",
            "TFLM+CMSIS-NN instructions",
            "nncube/TFLM",
            "TFLM arena bytes"
        ]
    );
    let num = |s: &str| -> u64 { s.replace(',', "").parse().unwrap() };
    for (i, (model, board)) in [
        ("hello_world_int8", "qemu-netduinoplus2"),
        ("ad01_fp32", "qemu-mps2-an386"),
    ]
    .into_iter()
    .enumerate()
    {
        let (row, report) = (&rows[2 + i], &reports[i]);
        assert_eq!(row[0], model);
        assert_eq!(row[1], board);
        assert_eq!(report["board"], board);
        for (col, key) in [
            (2, "instructions_per_inference"),
            (4, "code_bytes"),
            (5, "weights_bytes"),
            (6, "activations_bytes"),
        ] {
            assert_eq!(
                num(&row[col]),
                report[key].as_u64().unwrap(),
                "{model} {key}"
            );
        }
        let per_mac: f64 = row[3].parse().unwrap();
        assert!((per_mac - report["instructions_per_macc"].as_f64().unwrap()).abs() < 0.01);
    }
    // hello_world_int8 has a baseline (3,640 instructions, 772 arena bytes); ad01_fp32 has none.
    let ours = num(&rows[2][2]) as f64;
    assert_eq!(rows[2][7], "3,640");
    assert_eq!(rows[2][8], format!("{:.2}", ours / 3640.0));
    assert_eq!(rows[2][9], "772");
    assert_eq!(rows[3][7..], ["—", "—", "—"]);
}

/// A stack reservation too small for the model is an error that names the reservation and the option to raise
/// it, never a run that passes (kws_ref_model's convolutions need about 3.9 KB); a malformed size is refused.
#[test]
fn benchmark_with_a_too_small_stack_reports_the_overflow() {
    let out = Command::new(common::nncube_bin())
        .arg("benchmark")
        .arg(common::shared_model("kws_ref_model"))
        .args(["--board", "qemu-netduinoplus2", "--stack", "1024"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the stack overflowed its 1024-byte reservation")
            && stderr.contains("--stack BYTES"),
        "{stderr}"
    );

    let odd = Command::new(common::nncube_bin())
        .arg("benchmark")
        .arg(common::shared_model("kws_ref_model"))
        .args(["--stack", "1004"])
        .output()
        .unwrap();
    assert_eq!(odd.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&odd.stderr);
    assert!(
        stderr.contains(
            "--stack: a main-stack reservation of 1004 bytes is not a positive multiple of 8"
        ),
        "{stderr}"
    );
}

/// The blocked int8 matmul's Cortex-M DSP path (SXTB16/SMLAD, which the host never runs) on the virtual board:
/// the edge-case graph and the shared models with other conv / fully-connected shapes than kws must equal the
/// interpreter bit for bit. With the first test, every shared int8 model runs here on qemu-netduinoplus2, so this
/// also checks each one's stack high-water mark stays inside the default reservation.
#[test]
fn matmul_dsp_path_on_qemu_matches_the_interpreter() {
    let tmp = tempfile::tempdir().unwrap();
    let toolchain = ArmToolchain::locate().unwrap();
    let board = Board::find("qemu-netduinoplus2").unwrap();
    let mut graphs = vec![("matmul_edges".to_string(), common::matmul_edges::graph())];
    for model in [
        "vww_96_int8",
        "pretrainedResnet_quant",
        "ad01_int8",
        "micro_speech_quantized",
        "person_detect",
    ] {
        graphs.push((
            model.to_string(),
            load_model(&common::shared_model(model)).unwrap(),
        ));
    }
    for (name, graph) in graphs {
        let inputs: Vec<Vec<u8>> = graph
            .inputs
            .iter()
            .enumerate()
            .map(|(i, &t)| seeded_bytes(graph.tensor(t).ty.size_bytes(), 11 + i as u32))
            .collect();
        let data: Vec<TensorData> = graph
            .inputs
            .iter()
            .zip(&inputs)
            .map(|(&t, bytes)| {
                let ty = &graph.tensor(t).ty;
                TensorData::from_bytes(ty.dtype, ty.shape.to_vec(), bytes.clone())
            })
            .collect();
        let expected: Vec<Vec<u8>> = interp::run(&graph, &data)
            .unwrap()
            .outputs()
            .iter()
            .map(|d| d.bytes.clone())
            .collect();
        let mut device = QemuDevice::new(&board, Duration::from_secs(60)).unwrap();
        let got = benchmark(
            &graph,
            &board,
            &toolchain,
            &mut device,
            &BenchmarkInputs::Files(inputs),
            &tmp.path().join(&name),
        )
        .unwrap();
        assert_eq!(
            got.outputs, expected,
            "{name}: outputs differ from the interpreter"
        );
        assert_stack_measured(&name, &got);
    }
}

//! The fast int8 kernels' edge cases against TensorFlow Lite Micro: single-operator models from
//! tests/oracle/make_kernel_edge_models.py (channel counts that are not a multiple of 4, depth multipliers 2, 4, 7, 8,
//! stride 2 with SAME padding, 1-pixel-wide inputs, 5×5 windows, pooling windows clipped by padding, max pooling
//! with a ReLU6 clamp, the 3×3 interior depthwise path with out_w 1, odd widths and stride 2, a bias beyond the
//! narrow requantization's bound, the 3×3 kernel on its generation-time layout (1×1 and 2×2 images, fewer than 4
//! and 4k + 1..3 channels at stride 1 and 2, SAME and VALID, input zero points −128 and 100, ReLU and none, 256
//! channels and 260 (the general path), long interior runs with every clipped shape, a dilation down of 2), the
//! paired-tap path for depth multipliers ≥ 2 on 1 and 2 input channels with 3×3 and 5×6 windows, a last window that
//! ends on the image's last byte; int8 add/sub on large and small element counts (table and per-element paths),
//! with ReLU/ReLU6 and extreme scales; first-layer convolutions on 1, 3 or 5 channels (kernel rows of 3 to 15 bytes)
//! with SAME/VALID padding, stride 1 and 2 and odd widths; the first-layer kernel `nncube_conv2d_s8_first` on 1 to 4
//! input channels with 6, 7, 8, 10, 12 and 16 output channels, zero points 0, −3 and 120, a ReLU6 clamp and a bias
//! beyond its bound; 1×1 convolutions on in_c 8, 16, 32, 64 and 128 with partial pixel blocks, odd channel counts
//! and stride 2, and on in_c 64 to 256 with 1, 3, 5, 9 and 13 pixels) go through code generation, run as portable C on the host and as the Cortex-M4 DSP path on the
//! virtual board (qemu-netduinoplus2), and must equal TFLM's outputs bit for bit on seeded random inputs. C checks
//! under tests/fixtures/runtime cover the fast requantization, the in-place promise of add/sub, the add/sub tables
//! against TFLite's reference arithmetic, the convolution's patch gathering and the first-layer kernel against the
//! direct loop.

mod common;

use nncube::host;
use nncube_core::device::QemuDevice;
use nncube_core::device::benchmark::{BenchmarkInputs, benchmark};
use nncube_core::import;
use nncube_core::ir::Graph;
use nncube_core::target::{ArmToolchain, Board};
use std::process::Command;
use std::time::Duration;

const SAMPLES: u32 = 4;

/// One sample: every input's bytes from a seeded LCG.
fn sample(graph: &Graph, seed: u32) -> Vec<Vec<u8>> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
    graph
        .inputs
        .iter()
        .map(|&t| {
            (0..graph.tensor(t).ty.size_bytes())
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (state >> 24) as u8
                })
                .collect()
        })
        .collect()
}

#[test]
fn edge_case_kernels_match_tflm_on_the_host_and_the_virtual_cortex_m4() {
    let tmp = tempfile::tempdir().unwrap();
    let models_dir = tmp.path().join("models");
    let out = Command::new(common::python())
        .arg(common::repo_root().join("tests/oracle/make_kernel_edge_models.py"))
        .arg(&models_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make_kernel_edge_models.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(names.len(), 65, "{names:?}");
    let toolchain = ArmToolchain::locate().unwrap();
    let board = Board::find("qemu-netduinoplus2").unwrap();
    let cache = common::host_cache();
    for name in &names {
        let model = models_dir.join(format!("{name}.tflite"));
        let graph = import::load_model(&model).unwrap();
        let samples: Vec<_> = (0..SAMPLES).map(|s| sample(&graph, s)).collect();
        let reference = common::tflm_outputs(&model, &samples, tmp.path());
        let per_sample = reference.len() / samples.len();
        assert!(
            reference.iter().any(|&b| b != reference[0]),
            "{name}: constant TFLM output, the comparison would prove nothing"
        );

        let runner = host::build_runner_with(&graph, &host::c_compiler(), &cache).unwrap();
        let ours = runner.run(&samples, false).unwrap();
        for (s, result) in ours.iter().enumerate() {
            assert_eq!(
                result.outputs.concat(),
                &reference[s * per_sample..(s + 1) * per_sample],
                "{name} sample {s}: host C differs from TFLM"
            );
        }

        let mut device = QemuDevice::new(&board, Duration::from_secs(60)).unwrap();
        let work = tmp.path().join(name);
        let report = benchmark(
            &graph,
            &board,
            &toolchain,
            &mut device,
            &BenchmarkInputs::Files(samples[1].clone()),
            &work,
        )
        .unwrap();
        assert_eq!(
            report.outputs.concat(),
            &reference[per_sample..2 * per_sample],
            "{name}: the Cortex-M4 build differs from TFLM"
        );
    }
}

/// The division-free, branch-free requantization the fast kernels use equals TFLite's reference form
/// (`nncube_requantize`) on every shift, the extreme values and 12.4 million seeded random pairs; so does the
/// narrow form the depthwise kernel uses (`nncube_requantize_narrow`, 6.2 million values on its domain).
#[test]
fn fast_requantization_equals_the_reference_form() {
    let stdout = build_and_run_runtime_check(&["tests/fixtures/runtime/requantize_check.c"]);
    assert!(stdout.contains("12404836 checked, 0 differ"), "{stdout}");
    assert!(
        stdout.contains("6202728 narrow checked, 0 differ"),
        "{stdout}"
    );
}

/// Elementwise add and sub keep their in-place promise (nncube_kernels.h): with the output over either input,
/// the bytes equal those of a separate output.
#[test]
fn add_and_sub_run_in_place() {
    let stdout = build_and_run_runtime_check(&[
        "core/runtime/src/nncube_add.c",
        "tests/fixtures/runtime/add_in_place_check.c",
    ]);
    assert!(stdout.starts_with("0 failures"), "{stdout}");
}

/// The int8 add and sub equal TFLite's reference arithmetic on 3,000 seeded parameter sets (offsets, multipliers,
/// every output shift, clamps), through the table path (1,000 elements per call) and the per-element path (calls of
/// 100 elements).
#[test]
fn add_and_sub_tables_equal_the_reference_arithmetic() {
    let stdout = build_and_run_runtime_check(&[
        "core/runtime/src/nncube_add.c",
        "tests/fixtures/runtime/add_table_check.c",
    ]);
    assert!(stdout.starts_with("3000 sets, 0 failures"), "{stdout}");
}

/// The convolution's patch gathering (word copies, interior ranges, clipped rows, zero-point fills) gives the same
/// outputs as the tap-by-tap direct loop on about 1,300 seeded random geometries (kernels up to 5×5 and 10×4,
/// strides 1–3, dilations, padding on any side, 1–6 input channels, two batches).
#[test]
fn conv_patch_gathering_equals_the_direct_loop() {
    let stdout = build_and_run_runtime_check(&[
        "core/runtime/src/nncube_conv.c",
        "core/runtime/src/nncube_matmul.c",
        "tests/fixtures/runtime/conv_gather_check.c",
    ]);
    assert!(
        stdout.starts_with("0 failures in 1284 convolutions"),
        "{stdout}"
    );
}

/// The first-layer kernel (`nncube_conv2d_s8_first`: filter re-arranged into 16-bit lanes, patches widened in its
/// order, blocks of 4 channels, the narrow requantization) gives the same outputs as the tap-by-tap direct loop on
/// about 1,100 seeded random geometries (1–4 input channels, kernels up to 5×5, strides 1–3, dilations, padding on
/// any side, 1–32 output channels, two batches, clamps, and shifts beyond its limit, which fall back).
#[test]
fn first_layer_kernel_equals_the_direct_loop() {
    let stdout = build_and_run_runtime_check(&[
        "core/runtime/src/nncube_conv_first.c",
        "core/runtime/src/nncube_conv.c",
        "core/runtime/src/nncube_matmul.c",
        "tests/fixtures/runtime/conv_first_check.c",
    ]);
    assert!(
        stdout.starts_with("0 failures in 1072 convolutions"),
        "{stdout}"
    );
}

/// Builds a host C check program from `sources` (repository-relative) against the runtime headers, strictly
/// (C99, every warning an error), runs it, asserts it exits 0 and returns its standard output.
fn build_and_run_runtime_check(sources: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let exe = tmp.path().join("runtime_check");
    let root = common::repo_root();
    let build = Command::new(host::c_compiler())
        .args([
            "-std=c99",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
        ])
        .arg("-I")
        .arg(root.join("core/runtime/include"))
        .args(sources.iter().map(|s| root.join(s)))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{stdout}");
    stdout
}

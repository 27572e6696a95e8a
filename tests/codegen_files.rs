//! The generated files themselves: a golden snapshot, determinism, no absolute paths, clean compiles with gcc,
//! clang and arm-none-eabi-gcc (Cortex-M4, DSP path), and the bad-input errors of `nncube generate` and the host
//! runner build.

mod common;

use nncube::host;
use nncube_core::codegen::{self, CodegenOptions, GeneratedFiles};
use nncube_core::import;
use nncube_core::ir::{DType, Graph, Op, TensorType};
use std::path::{Path, PathBuf};
use std::process::Command;

fn generate(stem: &str, runtime: bool) -> GeneratedFiles {
    let graph = import::load_model(&common::shared_model(stem)).unwrap();
    generate_graph(&graph, runtime)
}

/// The C of `stem` after the default optimization pipeline (fused conv+pool kernels included), with runtime.
fn generate_optimized(stem: &str) -> GeneratedFiles {
    let mut graph = import::load_model(&common::shared_model(stem)).unwrap();
    nncube_core::passes::Pipeline::default_pipeline()
        .run(&mut graph, None)
        .unwrap();
    let files = generate_graph(&graph, true);
    assert!(
        files
            .files
            .values()
            .any(|text| text.contains("nncube_conv_pool2d_")),
        "{stem}: the optimized network should call the conv+pool kernel"
    );
    files
}

fn generate_graph(graph: &Graph, runtime: bool) -> GeneratedFiles {
    codegen::generate(
        graph,
        &CodegenOptions {
            include_runtime: runtime,
            ..CodegenOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn hello_world_int8_network_snapshot() {
    let files = generate("hello_world_int8", false);
    for name in [
        "hello_world_int8.h",
        "hello_world_int8.c",
        "hello_world_int8_data.h",
        "hello_world_int8_data.c",
    ] {
        insta::assert_snapshot!(name, files.files[&PathBuf::from(name)]);
    }
}

#[test]
fn generation_is_deterministic_and_has_no_absolute_paths() {
    let a = generate("kws_ref_model", true);
    let b = generate("kws_ref_model", true);
    assert_eq!(a, b);
    let root = std::fs::canonicalize(common::repo_root()).unwrap();
    let root = root.to_string_lossy();
    for (path, text) in &a.files {
        assert!(path.is_relative());
        assert!(
            !text.contains(root.as_ref()) && !text.contains("/shared/models"),
            "{} contains an absolute path",
            path.display()
        );
    }
}

/// Compiles every generated .c with `cc_args`, failing on any warning.
fn compile_all(compiler: &str, extra: &[&str], files: &GeneratedFiles, dir: &Path) {
    files.write_to(dir).unwrap();
    for rel in files
        .files
        .keys()
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
    {
        let out = Command::new(compiler)
            .args([
                "-std=c99",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-O2",
                "-c",
            ])
            .args(extra)
            .arg("-I")
            .arg(dir)
            .arg("-I")
            .arg(dir.join("nncube_runtime/include"))
            .arg(dir.join(rel))
            .arg("-o")
            .arg(dir.join("out.o"))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
        assert!(
            out.status.success(),
            "{compiler} {extra:?} on {}:\n{}",
            rel.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn generated_code_compiles_clean_everywhere() {
    for (stem, optimized) in [
        ("kws_ref_model", false),
        ("pretrainedResnet", false),
        ("pretrainedResnet_quant", false),
        ("kws_ref_model", true),
        ("vww_96_float", true),
    ] {
        let files = if optimized {
            generate_optimized(stem)
        } else {
            generate(stem, true)
        };
        for (compiler, extra) in [
            ("gcc", vec![]),
            ("clang", vec![]),
            ("gcc", vec!["-DNNCUBE_OBSERVER"]),
            // Other optimization levels warn differently (-O1: maybe-uninitialized) and, for the Cortex-M
            // inline assembly, leave fewer registers (-O0 keeps a frame pointer).
            ("gcc", vec!["-O1"]),
            (
                "arm-none-eabi-gcc",
                vec![
                    "-mcpu=cortex-m4",
                    "-mthumb",
                    "-mfloat-abi=hard",
                    "-mfpu=fpv4-sp-d16",
                ],
            ),
            (
                "arm-none-eabi-gcc",
                vec![
                    "-mcpu=cortex-m4",
                    "-mthumb",
                    "-mfloat-abi=hard",
                    "-mfpu=fpv4-sp-d16",
                    "-O0",
                ],
            ),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            compile_all(compiler, &extra, &files, tmp.path());
        }
    }
}

/// The shared model `name` and its generated files in split-weights mode, with the kernel library.
fn split_weights_files(name: &str) -> (Graph, GeneratedFiles) {
    let graph = import::load_model(&common::shared_model(name)).unwrap();
    let files = codegen::generate(
        &graph,
        &CodegenOptions {
            split_weights: true,
            include_runtime: true,
            ..CodegenOptions::default()
        },
    )
    .unwrap();
    (graph, files)
}

#[test]
fn split_weights_compile_and_name_each_tensor() {
    let (_, files) = split_weights_files("hello_world_int8");
    let data = &files.files[&PathBuf::from("hello_world_int8_data.h")];
    // Three int8 fully connected layers: each reads its re-arranged weights and folded bias, one array each.
    assert_eq!(
        data.matches("extern const uint8_t hello_world_int8_n")
            .count(),
        6
    );
    for n in 0..3 {
        for part in ["filter", "bias"] {
            assert!(data.contains(&format!("hello_world_int8_n{n}_{part}[")));
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    compile_all("gcc", &[], &files, tmp.path());
}

#[test]
fn split_weights_hold_one_stream_per_depthwise_3x3_layer() {
    let (graph, files) = split_weights_files("kws_ref_model");
    let data = &files.files[&PathBuf::from("kws_ref_model_data.h")];
    let code = &files.files[&PathBuf::from("kws_ref_model.c")];
    // The four depthwise 3×3 layers (64 channels) read their generation-time stream: 16 groups of 34 words and
    // the 64 unfolded biases.
    let depthwise: Vec<usize> = graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.op, Op::DepthwiseConv2d { .. }))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(depthwise.len(), 4);
    for i in depthwise {
        let symbol = format!("kws_ref_model_n{i}_filter");
        assert!(
            data.contains(&format!("{symbol}[{}]", 16 * (34 + 4) * 4)),
            "{symbol}"
        );
        assert!(data.contains("depthwise 3x3 filter, folded bias and requantization records"));
        assert!(
            code.contains(&format!("(const uint32_t *)({symbol})")),
            "{symbol}"
        );
    }
    assert_eq!(code.matches("nncube_depthwise_3x3_s8(").count(), 4);
    assert!(!code.contains("nncube_depthwise_conv2d_s8("));
    let tmp = tempfile::tempdir().unwrap();
    compile_all("gcc", &[], &files, tmp.path());
}

#[test]
fn unsupported_operator_names_the_node() {
    let mut g = Graph::new("t");
    let x = g.add_tensor("x", TensorType::new(DType::F32, vec![1, 4]));
    let y = g.add_tensor("y", TensorType::new(DType::F32, vec![1, 4]));
    g.add_node("my_tanh", Op::Tanh, vec![Some(x)], vec![y]);
    g.inputs.push(x);
    g.outputs.push(y);
    let err = codegen::generate(&g, &CodegenOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("`tanh`") && err.contains("`my_tanh`"), "{err}");
}

#[test]
fn missing_c_compiler_is_a_clear_error() {
    let graph = import::load_model(&common::shared_model("hello_world_int8")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let err = host::build_runner_with(&graph, "/nonexistent/nncube-cc", cache.path()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("/nonexistent/nncube-cc") && msg.contains("NNCUBE_CC"),
        "{msg}"
    );
}

fn run_generate(args: &[&str]) -> std::process::Output {
    Command::new(common::nncube_bin())
        .arg("generate")
        .arg(common::shared_model("hello_world_int8"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cli_generate_writes_then_refuses_foreign_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("gen");
    let o = run_generate(&["-o", out.to_str().unwrap(), "--name", "hw"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "hw.h",
        "hw.c",
        "hw_data.h",
        "hw_data.c",
        "hw_report.txt",
        "hw_report.json",
        "nncube_runtime/src/nncube_conv.c",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    // Regenerating over our own files is fine.
    let o = run_generate(&["-o", out.to_str().unwrap(), "--name", "hw"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A foreign file makes it refuse, and nothing is touched.
    std::fs::write(out.join("main.c"), "int main(void) { return 0; }\n").unwrap();
    let before = std::fs::read(out.join("hw.c")).unwrap();
    let o = run_generate(&[
        "-o",
        out.to_str().unwrap(),
        "--name",
        "hw",
        "--split-weights",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("main.c") && err.contains("did not write"),
        "{err}"
    );
    assert_eq!(std::fs::read(out.join("hw.c")).unwrap(), before);
    assert!(
        std::fs::read_to_string(out.join("hw_data.c"))
            .unwrap()
            .contains("hw_weights[")
    );
    // No temporary directories are left next to the output.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("gen")]);
}

#[cfg(unix)]
#[test]
fn cli_generate_refuses_read_only_directory() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ro");
    std::fs::create_dir(&out).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).unwrap();
    let o = run_generate(&["-o", out.to_str().unwrap()]);
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn cli_generate_rejects_bad_name() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("gen");
    for name in ["9-bad", "nncube_net"] {
        let o = run_generate(&["-o", out.to_str().unwrap(), "--name", name]);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("invalid network name `{name}`")),
            "{err}"
        );
        assert!(!out.exists());
    }
}

fn nncube(args: &[&str], cc: Option<&str>, cache: &Path) -> std::process::Output {
    let mut cmd = Command::new(common::nncube_bin());
    cmd.args(args).env("NNCUBE_CACHE_DIR", cache);
    if let Some(cc) = cc {
        cmd.env("NNCUBE_CC", cc);
    }
    cmd.output().unwrap()
}

#[test]
fn cli_validate_host_against_interpreter() {
    let cache = common::host_cache();
    let model = common::shared_model("micro_speech_quantized");
    let o = nncube(
        &[
            "validate",
            model.to_str().unwrap(),
            "--count",
            "3",
            "--seed",
            "7",
            "--per-layer",
        ],
        None,
        &cache,
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("ok (bit-exact)"), "{stdout}");
    assert!(stdout.contains("every layer matches"), "{stdout}");
    for col in [
        "acc", "rmse", "mae", "l2r", "mean", "std", "nse", "cos", "max_abs",
    ] {
        assert!(stdout.contains(col), "missing column {col}: {stdout}");
    }
}

#[test]
fn cli_validate_with_missing_compiler_fails_clearly() {
    let cache = tempfile::tempdir().unwrap();
    let model = common::shared_model("hello_world_int8");
    let o = nncube(
        &["validate", model.to_str().unwrap(), "--count", "1"],
        Some("/nonexistent/cc"),
        cache.path(),
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/nonexistent/cc") && err.contains("NNCUBE_CC"),
        "{err}"
    );
}

#[test]
fn cli_run_host_matches_reference_mode() {
    let cache = common::host_cache();
    let tmp = tempfile::tempdir().unwrap();
    let model = common::shared_model("hello_world_int8");
    let mut outs = Vec::new();
    for mode in ["host", "reference"] {
        let out = tmp.path().join(format!("{mode}.npy"));
        let o = nncube(
            &[
                "run",
                model.to_str().unwrap(),
                "--random",
                "3",
                "--mode",
                mode,
                "--output",
                out.to_str().unwrap(),
            ],
            None,
            &cache,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outs.push(std::fs::read(out).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
}

/// Relu family, quantize, dequantize, add/sub/mul, concatenation, pad (no shared model uses most of them): generated C vs the reference interpreter.
#[test]
fn elementwise_ops_match_the_interpreter() {
    let mut g = Graph::new("elementwise");
    let i8t = |s: f32, z: i32| TensorType::new(DType::I8, vec![1, 300]).quantized(s, z);
    let x = g.add_tensor("x", i8t(0.05, 3));
    g.inputs.push(x);
    let add =
        |g: &mut Graph, name: &str, op: Op, input: nncube_core::ir::TensorId, ty: TensorType| {
            let t = g.add_tensor(name, ty);
            g.add_node(name, op, vec![Some(input)], vec![t]);
            g.outputs.push(t);
            t
        };
    add(&mut g, "relu", Op::Relu, x, i8t(0.04, -10));
    add(&mut g, "relu6", Op::Relu6, x, i8t(0.05, 3));
    add(&mut g, "relu_n1", Op::ReluN1To1, x, i8t(0.01, 0));
    add(&mut g, "requant", Op::Quantize, x, i8t(0.1, 5));
    let d = add(
        &mut g,
        "deq",
        Op::Dequantize,
        x,
        TensorType::new(DType::F32, vec![1, 300]),
    );
    add(
        &mut g,
        "frelu6",
        Op::Relu6,
        d,
        TensorType::new(DType::F32, vec![1, 300]),
    );
    add(&mut g, "fquant", Op::Quantize, d, i8t(0.07, -4));
    let y = g.add_tensor("y", i8t(0.03, -7));
    g.inputs.push(y);
    let act = nncube_core::ir::Activation::Relu;
    for (name, op, ty) in [
        ("add", Op::Add { activation: act }, i8t(0.06, 2)),
        (
            "sub",
            Op::Sub {
                activation: nncube_core::ir::Activation::None,
            },
            i8t(0.06, 2),
        ),
        ("mul", Op::Mul { activation: act }, i8t(0.02, -3)),
    ] {
        let t = g.add_tensor(name, ty);
        g.add_node(name, op, vec![Some(x), Some(y)], vec![t]);
        g.outputs.push(t);
    }
    let r6 = g.outputs[1];
    let cat = g.add_tensor(
        "cat",
        TensorType::new(DType::I8, vec![1, 600]).quantized(0.05, 3),
    );
    g.add_node(
        "cat",
        Op::Concatenation {
            axis: 1,
            activation: nncube_core::ir::Activation::None,
        },
        vec![Some(x), Some(r6)],
        vec![cat],
    );
    g.outputs.push(cat);
    let pads = g.add_const(
        "pads",
        TensorType::new(DType::I32, vec![2, 2]),
        nncube_core::ir::ConstData::from_i32(&[1, 0, 2, 3]),
    );
    for (name, src, ty) in [
        (
            "pad",
            x,
            TensorType::new(DType::I8, vec![2, 305]).quantized(0.05, 3),
        ),
        ("fpad", d, TensorType::new(DType::F32, vec![2, 305])),
    ] {
        let t = g.add_tensor(name, ty);
        g.add_node(name, Op::Pad, vec![Some(src), Some(pads)], vec![t]);
        g.outputs.push(t);
    }
    let fy = g.add_tensor("fy", TensorType::new(DType::F32, vec![1, 300]));
    g.inputs.push(fy);
    for (name, op) in [
        ("fadd", Op::Add { activation: act }),
        (
            "fsub",
            Op::Sub {
                activation: nncube_core::ir::Activation::None,
            },
        ),
        (
            "fmul",
            Op::Mul {
                activation: nncube_core::ir::Activation::Relu6,
            },
        ),
    ] {
        let t = g.add_tensor(name, TensorType::new(DType::F32, vec![1, 300]));
        g.add_node(name, op, vec![Some(d), Some(fy)], vec![t]);
        g.outputs.push(t);
    }
    let files = codegen::generate(
        &g,
        &CodegenOptions {
            include_runtime: true,
            ..CodegenOptions::default()
        },
    )
    .unwrap();
    for compiler in ["gcc", "clang"] {
        let tmp = tempfile::tempdir().unwrap();
        compile_all(compiler, &[], &files, tmp.path());
    }
    common::assert_host_matches_interpreter(&g, 5);
}

#[test]
fn cli_validate_reads_user_inputs_and_rejects_wrong_ones() {
    use nncube_core::{interp, npy};
    let cache = common::host_cache();
    let tmp = tempfile::tempdir().unwrap();
    let model = common::shared_model("hello_world_float");
    let graph = import::load_model(&model).unwrap();
    let arrays: Vec<(String, interp::TensorData)> = (0..4)
        .map(|s| (format!("s{s}"), interp::random_inputs(&graph, s).remove(0)))
        .collect();
    let good = tmp.path().join("in.npz");
    npy::write_npz(&good, &arrays).unwrap();
    let o = nncube(
        &[
            "validate",
            model.to_str().unwrap(),
            "--inputs",
            good.to_str().unwrap(),
        ],
        None,
        &cache,
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("(4 samples") && stdout.contains("ok (within 1e-5)"),
        "{stdout}"
    );
    // An int8 array for a float model is refused with a message naming the expected type.
    let bad = tmp.path().join("bad.npy");
    npy::write_npy(&bad, &interp::TensorData::from_i8(vec![1, 1], &[3])).unwrap();
    let o = nncube(
        &[
            "validate",
            model.to_str().unwrap(),
            "--inputs",
            bad.to_str().unwrap(),
        ],
        None,
        &cache,
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("expects f32"), "{err}");
}

/// Builds the network generated in `dir` (named `net`) with a main that feeds a fixed input and prints the output
/// bytes; with `caller`, it first checks that run refuses to start before the caller buffers are set.
fn run_caller_main(dir: &Path, caller: bool) -> String {
    let main = format!(
        r#"#include <stdio.h>
#include "net.h"
#include "net_data.h"
static uint32_t arena[(NET_ACTIVATIONS_BYTES + 3) / 4];
static uint32_t in_buf[(NET_INPUT_0_BYTES + 3) / 4];
static uint32_t out_buf[(NET_OUTPUT_0_BYTES + 3) / 4];
int main(void) {{
    net_ctx ctx;
    unsigned i;
    uint8_t *in;
    uint8_t *out;
    if (net_init(&ctx, arena, net_weights) != NNCUBE_OK) return 10;
    if ({caller}) {{
        if (net_input(&ctx, 0) != NULL || net_output(&ctx, 0) != NULL) return 11;
        if (net_run(&ctx) != NNCUBE_ERROR_NULL_ARGUMENT) return 12;
        if (net_set_input_buffer(&ctx, 0, in_buf) != NNCUBE_OK) return 13;
        if (net_set_output_buffer(&ctx, 0, out_buf) != NNCUBE_OK) return 14;
    }}
    in = (uint8_t *)net_input(&ctx, 0);
    out = (uint8_t *)net_output(&ctx, 0);
    for (i = 0; i < NET_INPUT_0_BYTES; i++) in[i] = (uint8_t)(i * 37u + 11u);
    if (net_run(&ctx) != NNCUBE_OK) return 15;
    for (i = 0; i < NET_OUTPUT_0_BYTES; i++) printf("%02x", out[i]);
    printf("\n");
    return 0;
}}
"#,
        caller = u8::from(caller)
    );
    std::fs::write(dir.join("main.c"), main).unwrap();
    common::build_and_run_host_main(dir, &["-std=c99", "-O1"])
}

/// `--no-inputs-allocation --no-outputs-allocation`: inputs and outputs leave the activations buffer (smaller
/// macro), `run` refuses to start until the caller buffers are set, and the outputs equal the default build's.
#[test]
fn cli_generate_caller_owned_inputs_and_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let model = common::shared_model("ad01_int8");
    let mut bytes = Vec::new();
    let mut outputs = Vec::new();
    for (sub, flags) in [
        ("default", &[][..]),
        (
            "caller",
            &["--no-inputs-allocation", "--no-outputs-allocation"][..],
        ),
    ] {
        let dir = tmp.path().join(sub);
        common::run_ok(
            Command::new(common::nncube_bin())
                .arg("generate")
                .arg(&model)
                .args(["--name", "net", "-o"])
                .arg(&dir)
                .args(flags),
        );
        let header = std::fs::read_to_string(dir.join("net.h")).unwrap();
        let n: u64 = header
            .lines()
            .find_map(|l| l.strip_prefix("#define NET_ACTIVATIONS_BYTES "))
            .and_then(|v| v.trim_end_matches('u').parse().ok())
            .unwrap();
        bytes.push(n);
        outputs.push(run_caller_main(&dir, sub == "caller"));
    }
    assert!(bytes[1] < bytes[0], "{bytes:?}");
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0].trim().len(), 1280, "{}", outputs[0]);
}

/// Int8 convolutions and fully connected layers on the edges of the blocked matmul (odd pixel counts, odd
/// channel counts, depths not a multiple of 4, padding, stride 2, per-tensor and per-channel weights, a non-zero
/// weights zero point): generated C on the host (portable path) vs the reference interpreter.
#[test]
fn matmul_edge_cases_match_the_interpreter() {
    common::assert_host_matches_interpreter(&common::matmul_edges::graph(), 5);
}

/// The code generator picks `nncube_conv1x1_small_s8` / `nncube_conv1x1_wide_s8` exactly for the 1×1 layers that meet its conditions: of the edge
/// graph's 1×1 convs, the `rec*` layers on in_c 8 / 16 / 32 / 64 / 256 with the whole int8 range and right shifts
/// in [1, 22] (or dead channels), and the unclamped in_c 128 and 144 layers of the widened-row group — not the
/// one with a shift of −23, a shift of 0 and a bias beyond the bound, nor those with a clamp (ReLU towards zero
/// point 4) or in_c 3, 124, 130 and 148.
#[test]
fn only_eligible_1x1_layers_call_the_records_kernel() {
    let files =
        codegen::generate(&common::matmul_edges::graph(), &CodegenOptions::default()).unwrap();
    let calls = files
        .files
        .iter()
        .filter(|(p, _)| {
            p.extension().is_some_and(|e| e == "c") && !p.starts_with("nncube_runtime")
        })
        .map(|(_, c)| {
            [
                "nncube_conv1x1_small_s8(&",
                "nncube_conv1x1_wide_s8(&",
                "nncube_conv_pool1x1_wide_s8(&",
                "nncube_conv_pool1x1_deep_s8(&",
                "nncube_conv_pool2d_s8(&",
            ]
            .map(|f| c.matches(f).count())
        })
        .fold([0; 5], |a, b| std::array::from_fn(|i| a[i] + b[i]));
    // 1x1 wide layers of 9, 14 and 20 pixels take the records, of 1 and 5 pixels the general path; the three
    // 1x1 conv+pool layers the records (in_c 64 and 80: blocks of 6, in_c 256: blocks of 3).
    assert_eq!(calls, [11, 9, 2, 1, 0]);
}

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
    codegen::generate(
        &graph,
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
    for stem in [
        "kws_ref_model",
        "pretrainedResnet",
        "pretrainedResnet_quant",
    ] {
        let files = generate(stem, true);
        for (compiler, extra) in [
            ("gcc", vec![]),
            ("clang", vec![]),
            ("gcc", vec!["-DNNCUBE_OBSERVER"]),
            (
                "arm-none-eabi-gcc",
                vec![
                    "-mcpu=cortex-m4",
                    "-mthumb",
                    "-mfloat-abi=hard",
                    "-mfpu=fpv4-sp-d16",
                ],
            ),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            compile_all(compiler, &extra, &files, tmp.path());
        }
    }
}

#[test]
fn split_weights_compile_and_name_each_tensor() {
    let graph = import::load_model(&common::shared_model("hello_world_int8")).unwrap();
    let files = codegen::generate(
        &graph,
        &CodegenOptions {
            split_weights: true,
            include_runtime: true,
            ..CodegenOptions::default()
        },
    )
    .unwrap();
    let data = &files.files[&PathBuf::from("hello_world_int8_data.h")];
    assert_eq!(
        data.matches("extern const uint8_t hello_world_int8_w")
            .count(),
        6
    );
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
    let o = run_generate(&["-o", out.to_str().unwrap(), "--name", "9-bad"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("invalid network name"));
    assert!(!out.exists());
}

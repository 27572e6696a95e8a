//! Helpers shared by the end-to-end tests: where the repository, the shared models and the test Python live.
#![allow(dead_code)]

use std::path::PathBuf;

pub mod matmul_edges;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `../shared/models` next to the repository (real third-party models).
pub fn shared_models_dir() -> PathBuf {
    repo_root().join("../shared/models")
}

/// Path of a shared model by file stem, e.g. `shared_model("vww_96_int8")`.
pub fn shared_model(stem: &str) -> PathBuf {
    for dir in ["mlperf-tiny", "tflite-micro"] {
        let p = shared_models_dir().join(dir).join(format!("{stem}.tflite"));
        if p.exists() {
            return p;
        }
    }
    panic!(
        "shared model {stem} not found under {}",
        shared_models_dir().display()
    );
}

/// Every shared model, sorted by file stem.
pub fn all_shared_models() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for dir in ["mlperf-tiny", "tflite-micro"] {
        let d = shared_models_dir().join(dir);
        for e in
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()))
        {
            let p = e.expect("dir entry").path();
            if p.extension().is_some_and(|x| x == "tflite") {
                out.push((
                    p.file_stem().expect("stem").to_string_lossy().into_owned(),
                    p,
                ));
            }
        }
    }
    out.sort();
    assert_eq!(out.len(), 11, "expected the 11 shared models");
    out
}

/// The Python interpreter with the oracle packages (tflite-micro, numpy, tflite): `NNCUBE_TEST_PYTHON`, or the
/// project's `.venv` made by scripts/test.sh. Tests that need it fail (never skip) when it is missing.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("NNCUBE_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo_root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "no test Python: run `bash scripts/test.sh` (it creates .venv with tflite-micro) or set NNCUBE_TEST_PYTHON"
    );
    venv
}

/// The `nncube` binary built for these tests.
pub fn nncube_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nncube"))
}

/// Runs `cmd` and asserts that it exited 0 (the failure message shows the command and its stderr); returns its
/// output.
pub fn run_ok(cmd: &mut std::process::Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the `nncube` binary with `args` and asserts that it exited 0; returns its output.
pub fn nncube_ok<S: AsRef<std::ffi::OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> std::process::Output {
    run_ok(std::process::Command::new(nncube_bin()).args(args))
}

/// `make -C dir APP=app` in a generated firmware project; returns the ELF it builds.
pub fn make_app(dir: &std::path::Path, app: &str) -> PathBuf {
    run_ok(
        std::process::Command::new("make")
            .arg("-C")
            .arg(dir)
            .arg(format!("APP={app}")),
    );
    dir.join(format!("build/{app}/{app}.elf"))
}

/// Compiles a generated model for the host with `cc` and `flags`: the caller's `main.c` in `dir`, `net.c`,
/// `net_data.c` and the runtime sources under `dir/nncube_runtime`; runs the program, asserts it exited 0 and
/// returns its stdout.
pub fn build_and_run_host_main(dir: &std::path::Path, flags: &[&str]) -> String {
    let mut sources: Vec<PathBuf> = vec![
        dir.join("main.c"),
        dir.join("net.c"),
        dir.join("net_data.c"),
    ];
    for e in std::fs::read_dir(dir.join("nncube_runtime/src")).expect("runtime sources") {
        let p = e.expect("dir entry").path();
        if p.extension().is_some_and(|x| x == "c") {
            sources.push(p);
        }
    }
    sources.sort();
    let exe = dir.join("net_exe");
    run_ok(
        std::process::Command::new("cc")
            .args(flags)
            .arg("-I")
            .arg(dir)
            .arg("-I")
            .arg(dir.join("nncube_runtime/include"))
            .args(&sources)
            .arg("-o")
            .arg(&exe)
            .arg("-lm"),
    );
    let run = std::process::Command::new(&exe)
        .output()
        .expect("run the host build");
    assert!(run.status.success(), "exit {:?}", run.status.code());
    String::from_utf8(run.stdout).expect("utf-8 output")
}

/// Asserts that `ours` is within 1e-5 × the range of `theirs` (max abs error over all elements), and that both have
/// the same number of elements; `what` names the comparison in the failure message.
pub fn assert_within_range_tolerance(what: &str, ours: &[f64], theirs: &[f64]) {
    assert_eq!(ours.len(), theirs.len(), "{what}: element count");
    let (lo, hi) = theirs
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    let range = (hi - lo).max(f64::MIN_POSITIVE);
    let max_err = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        max_err <= 1e-5 * range,
        "{what}: max abs error {max_err:e} exceeds 1e-5 × range {range:e}"
    );
}

/// Little-endian f32 values of raw output bytes.
pub fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Max |got − want| / max(max |want|, 1e-6): the relative error of float outputs.
pub fn relative_error(got: &[f32], want: &[f32]) -> f32 {
    let scale = want.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    let err = got
        .iter()
        .zip(want)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    err / scale
}

/// Writes `dir/tiny-ram.ron`: the qemu-netduinoplus2 board renamed `tiny-ram`, with `ram_bytes` of SRAM; returns
/// its path.
pub fn tiny_ram_board(dir: &std::path::Path, ram_bytes: u64) -> PathBuf {
    let text = std::fs::read_to_string(repo_root().join("assets/boards/qemu-netduinoplus2.ron"))
        .expect("read the qemu-netduinoplus2 board")
        .replace("\"qemu-netduinoplus2\"", "\"tiny-ram\"")
        .replace(
            "size_bytes: 0x00020000",
            &format!("size_bytes: {ram_bytes}"),
        );
    let path = dir.join("tiny-ram.ron");
    std::fs::write(&path, text).expect("write the tiny-ram board");
    path
}

/// TFLM's outputs (tests/oracle/tflm_codegen_run.py) for `samples` (per sample, per input, its raw bytes), each
/// sample's outputs concatenated; the samples file is written into `dir`.
pub fn tflm_outputs(
    model: &std::path::Path,
    samples: &[Vec<Vec<u8>>],
    dir: &std::path::Path,
) -> Vec<u8> {
    let input_file = dir.join("samples.bin");
    let bytes: Vec<u8> = samples.iter().flatten().flatten().copied().collect();
    std::fs::write(&input_file, bytes).unwrap();
    let out = std::process::Command::new(python())
        .arg(repo_root().join("tests/oracle/tflm_codegen_run.py"))
        .arg(model)
        .arg(&input_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "TFLM oracle failed on {}: {}",
        model.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The host runner cache the tests share (under the target directory: kept across runs; runners are keyed by
/// their sources, so tests never see each other's).
pub fn host_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nncube-cache")
}

/// Builds the host runner of `graph` (cached in [`host_cache`]) and asserts that its outputs equal the reference
/// interpreter's, bit for bit, on the random inputs of seeds `0..seeds`.
pub fn assert_host_matches_interpreter(graph: &nncube_core::ir::Graph, seeds: u64) {
    use nncube_core::interp;
    let runner =
        nncube::host::build_runner_with(graph, &nncube::host::c_compiler(), &host_cache()).unwrap();
    for seed in 0..seeds {
        let inputs = interp::random_inputs(graph, seed);
        let want = interp::run(graph, &inputs).unwrap();
        let got = runner
            .run(&[inputs.iter().map(|t| t.bytes.clone()).collect()], false)
            .unwrap();
        for (o, w) in want.outputs().iter().enumerate() {
            assert_eq!(got[0].outputs[o], w.bytes, "seed {seed} output {o}");
        }
    }
}

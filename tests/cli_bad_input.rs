//! Bad input, tried as a new user would: every case exits non-zero with one clear `error:` line, never a panic.

mod common;

use std::path::Path;
use std::process::Command;

/// Runs `nncube analyze FILE` and returns stderr, asserting the failure is a clean one-line error.
fn analyze_fails(file: &Path) -> String {
    let out = Command::new(common::nncube_bin())
        .arg("analyze")
        .arg(file)
        .output()
        .expect("run nncube");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}: expected exit 1, stderr: {stderr}",
        file.display()
    );
    assert!(
        !stderr.contains("panicked"),
        "{}: panic: {stderr}",
        file.display()
    );
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{}: expected one line, got: {stderr}",
        file.display()
    );
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout for a failed import"
    );
    stderr
}

fn write_temp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).expect("write fixture");
    p
}

/// A small deterministic byte generator (xorshift), so failures reproduce.
fn pseudo_random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = analyze_fails(&write_temp(&dir, "empty.tflite", &[]));
    assert!(err.contains("empty"), "{err}");
}

#[test]
fn missing_file() {
    let err = analyze_fails(Path::new("/nonexistent/model.tflite"));
    assert!(
        err.contains("cannot read model file /nonexistent/model.tflite"),
        "{err}"
    );
    // The OS error once, not once per link of the error chain.
    assert_eq!(err.matches("(os error 2)").count(), 1, "{err}");
}

#[test]
fn random_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = analyze_fails(&write_temp(
        &dir,
        "random.tflite",
        &pseudo_random_bytes(4096, 7),
    ));
    assert!(err.contains("not a TFLite model"), "{err}");
}

#[test]
fn random_bytes_behind_a_valid_identifier() {
    let dir = tempfile::tempdir().expect("tempdir");
    for seed in 1..20 {
        let mut bytes = pseudo_random_bytes(2048, seed);
        bytes[4..8].copy_from_slice(b"TFL3");
        let err = analyze_fails(&write_temp(&dir, "random_tfl3.tflite", &bytes));
        assert!(err.contains("model"), "{err}");
    }
}

#[test]
fn wrong_file_identifier() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = std::fs::read(common::shared_model("hello_world_int8")).expect("read model");
    bytes[4..8].copy_from_slice(b"ONNX");
    let err = analyze_fails(&write_temp(&dir, "wrong_id.tflite", &bytes));
    assert!(
        err.contains("not a TFLite model") && err.contains("\"ONNX\""),
        "{err}"
    );
}

#[test]
fn every_shared_model_cut_at_20_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (stem, path) in common::all_shared_models() {
        let bytes = std::fs::read(&path).expect("read model");
        for k in 0..20 {
            // Spread the cuts over the file, with the first ones in the header.
            let cut = if k < 4 {
                k * 3
            } else {
                bytes.len() * (k - 3) / 17
            };
            let cut = cut.min(bytes.len() - 1);
            let file = write_temp(&dir, &format!("{stem}_cut{k}.tflite"), &bytes[..cut]);
            analyze_fails(&file);
        }
    }
}

#[test]
fn unsupported_op_names_op_node_and_list() {
    let fixture = common::repo_root().join("tests/fixtures/unsupported_op.tflite");
    let err = analyze_fails(&fixture);
    assert!(err.contains("unsupported op `FLOOR`"), "{err}");
    assert!(err.contains("node `floor_out`"), "{err}");
    assert!(err.contains("nncube supported-ops"), "{err}");
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    let mut child = Command::new(common::nncube_bin())
        .arg("analyze")
        .arg(common::shared_model("vww_96_int8"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run nncube");
    // Close the reading end at once: nncube is still importing the model, so its first write meets a closed
    // pipe (as with `nncube analyze … | head -0`).
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

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

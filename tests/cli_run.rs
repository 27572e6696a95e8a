//! `nncube run`: NumPy-written inputs in, NumPy-readable outputs out, identical to the library interpreter.

mod common;

use nncube_core::interp::{self, TensorData};
use nncube_core::{import, npy};
use std::process::Command;

fn python(code: &str) -> String {
    let out = Command::new(common::python())
        .arg("-c")
        .arg(code)
        .output()
        .expect("start python");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn runs_numpy_inputs_and_numpy_reads_the_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = common::shared_model("kws_ref_model");
    let input = dir.path().join("in.npy");
    let output = dir.path().join("out.npy");
    python(&format!(
        "import numpy as np; np.save({:?}, np.random.default_rng(3).integers(-128, 128, (1, 49, 10, 1), dtype=np.int8))",
        input.display().to_string()
    ));
    common::run_ok(
        Command::new(common::nncube_bin())
            .arg("run")
            .arg(&model)
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .arg("--mode")
            .arg("reference"),
    );

    let graph = import::load_model(&model).expect("import");
    let x = npy::read_npy(&input).expect("read input");
    let expected = interp::run(&graph, &[x]).expect("run").outputs()[0].clone();
    let got = npy::read_npy(&output).expect("read output");
    assert_eq!(got, expected);
    let seen = python(&format!(
        "import numpy as np; a = np.load({:?}); print(a.dtype, a.shape, a.tolist())",
        output.display().to_string()
    ));
    assert_eq!(
        seen.trim(),
        format!("int8 (1, 12) {:?}", expected.as_i8())
            .replace("[", "[[")
            .replace("]", "]]")
    );
}

#[test]
fn random_inputs_to_npz() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = common::shared_model("hello_world_float");
    let output = dir.path().join("out.npz");
    common::run_ok(
        Command::new(common::nncube_bin())
            .args(["run", "--random", "5", "--output"])
            .arg(&output)
            .arg(&model),
    );
    let graph = import::load_model(&model).expect("import");
    let expected = interp::run(&graph, &interp::random_inputs(&graph, 5))
        .expect("run")
        .outputs()[0]
        .clone();
    let seen = python(&format!(
        "import numpy as np; z = np.load({:?}); print(z.files, z['output_0'].dtype, z['output_0'].tobytes().hex())",
        output.display().to_string()
    ));
    let hex: String = expected.bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(seen.trim(), format!("['output_0'] float32 {hex}"));
    let back: Vec<(String, TensorData)> = npy::read_npz(&output).expect("read npz");
    assert_eq!(back, vec![("output_0".to_string(), expected)]);
}

#[test]
fn reads_npz_written_by_numpy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("x.npz");
    python(&format!(
        "import numpy as np; np.savez({:?}, a=np.arange(6, dtype=np.int8).reshape(2, 3), b=np.array([1.5], dtype=np.float32))",
        path.display().to_string()
    ));
    let arrays = npy::read_npz(&path).expect("read numpy npz");
    assert_eq!(
        arrays,
        vec![
            (
                "a".to_string(),
                TensorData::from_i8(vec![2, 3], &[0, 1, 2, 3, 4, 5])
            ),
            ("b".to_string(), TensorData::from_f32(vec![1], &[1.5])),
        ]
    );
}

#[test]
fn wrong_input_type_names_the_input_and_both_types() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.npy");
    npy::write_npy(&input, &TensorData::from_f32(vec![1, 490], &vec![0.0; 490])).expect("write");
    let out = Command::new(common::nncube_bin())
        .arg("run")
        .arg(common::shared_model("kws_ref_model"))
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(dir.path().join("out.npy"))
        .output()
        .expect("run nncube");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("input 0 (`input_1`) expects i8[1,49,10,1] but was given f32[1,490]"),
        "{err}"
    );
    assert!(!dir.path().join("out.npy").exists());
}

/// An output that cannot be written names the file and gives the OS error once (not once per error-chain link).
#[test]
fn unwritable_output_names_the_file_and_the_os_error_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("missing-dir").join("out.npy");
    let out = Command::new(common::nncube_bin())
        .args(["run", "--random", "1", "--mode", "reference", "--output"])
        .arg(&output)
        .arg(common::shared_model("hello_world_int8"))
        .output()
        .expect("start nncube");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing-dir/out.npy"), "{stderr}");
    assert_eq!(stderr.matches("(os error 2)").count(), 1, "{stderr}");
}

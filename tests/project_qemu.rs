//! `nncube generate MODEL --board B --project DIR`: the generated project builds with make and with CMake, both
//! apps run on the virtual board, the validation app's outputs equal the reference interpreter's, and
//! regeneration keeps user code.

mod common;

use nncube_core::device::{HostFile, QemuDevice, measure};
use nncube_core::import::load_model;
use nncube_core::interp::{self, TensorData};
use nncube_core::target::{ArmToolchain, Board, Firmware};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn generate(dir: &Path) {
    common::run_ok(
        Command::new(common::nncube_bin())
            .arg("generate")
            .arg(common::shared_model("hello_world_int8"))
            .args(["--board", "qemu-netduinoplus2", "--project"])
            .arg(dir),
    );
}

fn run(elf: std::path::PathBuf, files: &[HostFile]) -> nncube_core::device::Measurement {
    let board = Board::find("qemu-netduinoplus2").unwrap();
    let firmware = Firmware::from_elf(&ArmToolchain::locate().unwrap(), &board, elf).unwrap();
    let mut device = QemuDevice::new(&board, Duration::from_secs(30)).unwrap();
    let counter = board.virtual_board.as_ref().map(|v| &v.counter);
    measure(&mut device, &firmware, files, counter).unwrap()
}

#[test]
fn generated_project_builds_runs_and_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    generate(&dir);
    for file in [
        "Makefile",
        "CMakeLists.txt",
        "cmake/arm-none-eabi.cmake",
        "board.ld",
        "app/main.c",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let graph = load_model(&common::shared_model("hello_world_int8")).unwrap();

    // Performance app: embedded inputs, counts per inference and per layer.
    let perf = run(common::make_app(&dir, "performance"), &[]);
    assert_eq!(perf.instructions_per_inference.len(), 1);
    assert!(
        perf.instructions_per_inference[0] > 288,
        "more instructions than MACs"
    );
    assert_eq!(perf.instructions_per_layer.len(), graph.nodes.len());

    // Validation app: inputs from host files, outputs equal to the interpreter's.
    let make_elf = common::make_app(&dir, "validation");
    let cmake_build = tmp.path().join("cmake-build");
    for args in [
        vec![
            "-S".into(),
            dir.display().to_string(),
            "-B".into(),
            cmake_build.display().to_string(),
            "-DNNCUBE_APP=validation".into(),
        ],
        vec!["--build".into(), cmake_build.display().to_string()],
    ] {
        common::run_ok(Command::new("cmake").args(&args));
    }
    let cmake_elf = cmake_build.join("validation.elf");
    // Both builds place and count the network alike (board.ld recognises make's nn__*.o and CMake's nn__network
    // objects): same weights, activations and network code.
    let footprint = |elf: &std::path::Path| {
        let board = Board::find("qemu-netduinoplus2").unwrap();
        let fw = Firmware::from_elf(&ArmToolchain::locate().unwrap(), &board, elf.to_path_buf())
            .unwrap();
        fw.footprint
    };
    let (make_fp, cmake_fp) = (footprint(&make_elf), footprint(&cmake_elf));
    assert!(
        make_fp.weights_bytes > 0
            && make_fp.activations_bytes > 0
            && make_fp.network_code_bytes > 0
    );
    assert_eq!(cmake_fp.weights_bytes, make_fp.weights_bytes);
    assert_eq!(cmake_fp.activations_bytes, make_fp.activations_bytes);
    assert!(cmake_fp.network_code_bytes > 0);
    let input_type = &graph.tensor(graph.inputs[0]).ty;
    for value in [0x80u8, 0xf0, 0x10, 0x7f] {
        let bytes = vec![value; input_type.size_bytes()];
        let expected = interp::run(
            &graph,
            &[TensorData::from_bytes(
                input_type.dtype,
                input_type.shape.to_vec(),
                bytes.clone(),
            )],
        )
        .unwrap()
        .outputs()[0]
            .bytes
            .clone();
        let files = [HostFile {
            name: "input0.bin".to_string(),
            bytes,
        }];
        assert_eq!(
            run(make_elf.clone(), &files).outputs,
            vec![expected.clone()],
            "make, input {value:#x}"
        );
        assert_eq!(
            run(cmake_elf.clone(), &files).outputs,
            vec![expected],
            "cmake, input {value:#x}"
        );
    }
}

#[test]
fn regeneration_keeps_user_code() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    generate(&dir);
    let main = dir.join("app/main.c");
    let text = std::fs::read_to_string(&main).unwrap().replace(
        "/* USER CODE BEGIN after_run */\n",
        "/* USER CODE BEGIN after_run */\n  nncube_puts(\"user code ran\\n\");\n",
    );
    std::fs::write(&main, text).unwrap();
    let elf = common::make_app(&dir, "performance");
    generate(&dir);
    assert!(
        std::fs::read_to_string(&main)
            .unwrap()
            .contains("nncube_puts(\"user code ran\\n\");")
    );
    assert!(elf.exists(), "regeneration leaves build outputs alone");
    let board = Board::find("qemu-netduinoplus2").unwrap();
    let firmware = Firmware::from_elf(
        &ArmToolchain::locate().unwrap(),
        &board,
        common::make_app(&dir, "performance"),
    )
    .unwrap();
    let mut device = QemuDevice::new(&board, Duration::from_secs(30)).unwrap();
    use nncube_core::device::Device;
    let out = device.run(&firmware, &[]).unwrap();
    assert_eq!(out.exit_status, 0);
    assert!(out.console.contains("user code ran"), "{}", out.console);
}

/// A board whose RAM cannot hold the planned activations: a clear error naming the board, the region and the
/// sizes, and nothing written.
#[test]
fn activations_larger_than_board_ram_are_refused_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let board = common::tiny_ram_board(tmp.path(), 16 * 1024);
    let dir = tmp.path().join("project");
    let out = Command::new(common::nncube_bin())
        .arg("generate")
        .arg(common::shared_model("vww_96_int8"))
        .arg("--board")
        .arg(&board)
        .arg("--project")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("do not fit board `tiny-ram`")
            && stderr.contains("region `SRAM` has 16384 B"),
        "{stderr}"
    );
    assert!(!dir.exists(), "files were written to {}", dir.display());
}

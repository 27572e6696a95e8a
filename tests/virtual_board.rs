//! The virtual board end to end: a small int8 network in C (tests/fixtures/firmware) is built with nncube's
//! toolchain runner for QEMU boards, run in QEMU, and checked against the same C built for the host; the
//! instruction counts must repeat exactly. Also: footprint, memory shortfall, timeout and fault reporting.

mod common;

use nncube_core::device::{ConsoleReport, DeviceError, HostFile, Measurement, QemuDevice, measure};
use nncube_core::target::{
    ArmToolchain, Board, Firmware, FirmwareSpec, HostCompiler, TargetError, build_firmware, support,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Multiply-accumulates of one tiny_conv inference: 14 x 14 outputs x 8 channels x 3 x 3.
const TINY_CONV_MACC: u64 = 14 * 14 * 8 * 9;
const QEMU_TIMEOUT: Duration = Duration::from_secs(30);

fn fixture_dir() -> PathBuf {
    common::repo_root().join("tests/fixtures/firmware")
}

fn tiny_conv_spec(defines: &[(&str, &str)]) -> FirmwareSpec {
    let dir = fixture_dir();
    let mut spec = FirmwareSpec::new("tiny_conv", vec![dir.join("tiny_conv_main.c")]);
    spec.network_sources = vec![dir.join("tiny_conv.c")];
    spec.include_dirs = vec![dir];
    spec.defines = defines
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    spec
}

fn build(board: &Board, spec: &FirmwareSpec, out: &Path) -> Result<Firmware, TargetError> {
    build_firmware(&ArmToolchain::locate().unwrap(), board, spec, out)
}

fn run(board: &Board, firmware: &Firmware, files: &[HostFile]) -> Result<Measurement, DeviceError> {
    let mut device = QemuDevice::new(board, QEMU_TIMEOUT).unwrap();
    let counter = board.virtual_board.as_ref().map(|v| &v.counter);
    measure(&mut device, firmware, files, counter)
}

/// Builds tiny_conv for the host, runs it in `run_dir` and returns its outputs.
fn host_outputs(defines: &[(&str, &str)], run_dir: &Path) -> Vec<Vec<u8>> {
    let support_dir = run_dir.join("nncube");
    let mut sources = support::write_files(&support_dir, &support::host_files()).unwrap();
    sources.push(fixture_dir().join("tiny_conv.c"));
    sources.push(fixture_dir().join("tiny_conv_main.c"));
    let exe = run_dir.join("tiny_conv_host");
    let defines: Vec<(String, String)> = defines
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    HostCompiler::locate()
        .unwrap()
        .build_executable(&sources, &[support_dir, fixture_dir()], &defines, &exe)
        .unwrap();
    let out = Command::new(&exe).current_dir(run_dir).output().unwrap();
    assert!(out.status.success(), "host run failed: {out:?}");
    let report = ConsoleReport::parse(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert!(
        report.inference_ticks.iter().all(|&t| t == 0),
        "the host has no counter"
    );
    report.outputs
}

#[test]
fn tiny_conv_on_virtual_boards_matches_the_host_with_repeatable_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = host_outputs(&[], tmp.path());
    assert_eq!(expected.len(), 1);
    assert_eq!(expected[0].len(), 7 * 7 * 8);
    assert!(
        expected[0].iter().any(|&b| b != expected[0][0]),
        "degenerate output: the comparison would prove nothing"
    );

    let mut m4_counts = Vec::new();
    for id in [
        "qemu-netduinoplus2",
        "qemu-mps2-an386",
        "qemu-mps2-an500",
        "qemu-mps2-an505",
    ] {
        let board = Board::find(id).unwrap();
        let firmware = build(&board, &tiny_conv_spec(&[]), &tmp.path().join(id)).unwrap();

        let fp = &firmware.footprint;
        assert_eq!(fp.activations_bytes, 14 * 14 * 8, "{id}: the conv arena");
        assert!(
            fp.weights_bytes >= 72 + 32,
            "{id}: weights + bias, got {}",
            fp.weights_bytes
        );
        assert!(fp.network_code_bytes > 100, "{id}");
        assert!(fp.other_code_bytes > fp.network_code_bytes / 10, "{id}");
        assert!(
            fp.static_ram_bytes >= 256 + 392,
            "{id}: input and output buffers"
        );
        assert_eq!(fp.stack_bytes, 4096, "{id}");
        assert!(
            fp.regions.iter().all(|r| r.used_bytes <= r.size_bytes),
            "{id}"
        );

        let first = run(&board, &firmware, &[]).unwrap();
        let second = run(&board, &firmware, &[]).unwrap();
        assert_eq!(
            first.outputs, expected,
            "{id}: output differs from the host build"
        );
        assert_eq!(
            first, second,
            "{id}: two runs differ (outputs or instruction counts)"
        );
        // The stack high-water mark: measured, within the reservation, and well below it for this small app.
        let stack = first.stack.expect("no #stack record");
        assert_eq!(stack.reserved_bytes, 4096, "{id}");
        assert!(
            (64..1024).contains(&stack.used_bytes),
            "{id}: stack used {} bytes",
            stack.used_bytes
        );

        // Both inferences of a run execute the same instructions, and the layers add up.
        let counts = &first.instructions_per_inference;
        assert_eq!(counts.len(), 2, "{id}");
        assert_eq!(counts[0], counts[1], "{id}");
        let per_tick = u64::from(first.resolution_instructions);
        assert!(counts[0] % per_tick == 0, "{id}");
        let layers: u64 = first.instructions_per_layer[..2]
            .iter()
            .map(|(_, n)| n)
            .sum();
        assert!(
            layers.abs_diff(counts[0]) <= per_tick,
            "{id}: layers {layers} vs {}",
            counts[0]
        );
        // A plausible instruction count: at least 2 and at most 40 instructions per MAC.
        assert!(
            (2 * TINY_CONV_MACC..=40 * TINY_CONV_MACC).contains(&counts[0]),
            "{id}: {} instructions for {TINY_CONV_MACC} MACs",
            counts[0]
        );
        eprintln!(
            "{id}: {} instructions/inference ({:.2}/MAC, resolution {per_tick}), layers {:?}, {fp:?}",
            counts[0],
            counts[0] as f64 / TINY_CONV_MACC as f64,
            first.instructions_per_layer
        );
        if board.core == nncube_core::target::CpuCore::CortexM4 {
            m4_counts.push((id, counts[0], per_tick));
        }
    }
    // The same Cortex-M4 code on two machines: the same instructions, seen through counters of different
    // resolution (1 vs 40 instructions per tick).
    let [(_, exact, 1), (_, coarse, 40)] = m4_counts[..] else {
        panic!("unexpected counters: {m4_counts:?}");
    };
    assert!(
        exact.abs_diff(coarse) <= 40,
        "netduinoplus2 {exact} vs mps2-an386 {coarse}"
    );
}

/// The stack high-water mark follows a known stack depth: a 2 KiB stack buffer shows as 2 KiB more stack (plus a
/// frame), and a buffer larger than the reservation is reported as a stack overflow, not as a good run or a bare
/// fault.
#[test]
fn the_stack_high_water_mark_follows_a_known_stack_buffer_and_an_overflow_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let board = Board::find("qemu-netduinoplus2").unwrap();
    let used = |probe: &str, stack_bytes: u32| {
        let mut spec = tiny_conv_spec(&[("TINY_CONV_STACK_PROBE_BYTES", probe)]);
        spec.stack_bytes = stack_bytes;
        let dir = tmp.path().join(format!("probe-{probe}-{stack_bytes}"));
        let firmware = build(&board, &spec, &dir).unwrap();
        run(&board, &firmware, &[])
    };
    let base = run(
        &board,
        &build(&board, &tiny_conv_spec(&[]), &tmp.path().join("base")).unwrap(),
        &[],
    )
    .unwrap()
    .stack
    .unwrap()
    .used_bytes;
    let probed = used("2048", 4096).unwrap().stack.unwrap();
    assert_eq!(probed.reserved_bytes, 4096);
    assert!(
        (base.max(2048 + 8)..=2048 + base + 64).contains(&probed.used_bytes),
        "a 2048-byte buffer: used {} bytes (without it {base})",
        probed.used_bytes
    );

    let err = used("2048", 1024).unwrap_err();
    let DeviceError::StackOverflow { reserved, used, .. } = &err else {
        panic!("a 2048-byte buffer on a 1024-byte stack: {err}");
    };
    // The stack is first in the RAM: the buffer runs off its start and faults, with SP at least 2 KiB down.
    assert!(*reserved == 1024 && *used >= 2048, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("the stack overflowed its 1024-byte reservation") && text.contains("--stack"),
        "{text}"
    );
}

#[test]
fn inputs_read_from_host_files_match_the_host() {
    let tmp = tempfile::tempdir().unwrap();
    let mut state = 0x2545_f491_u32;
    let input: Vec<u8> = (0..256)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect();
    std::fs::write(tmp.path().join("input.bin"), &input).unwrap();
    let defines = [("TINY_CONV_INPUT_FILE", "\"input.bin\"")];
    let expected = host_outputs(&defines, tmp.path());

    let board = Board::find("qemu-netduinoplus2").unwrap();
    let firmware = build(&board, &tiny_conv_spec(&defines), &tmp.path().join("fw")).unwrap();
    let file = HostFile {
        name: "input.bin".to_string(),
        bytes: input,
    };
    let measured = run(&board, &firmware, std::slice::from_ref(&file)).unwrap();
    assert_eq!(measured.outputs, expected);
    // The embedded-input build computes something else: the file really was read.
    assert_ne!(measured.outputs, host_outputs(&[], &tmp.path().join("fw")));

    // Without the file, the firmware reports it and fails; nncube turns that into an error.
    match run(&board, &firmware, &[]) {
        Err(DeviceError::FirmwareFailed {
            exit_status: 2,
            console,
            ..
        }) => {
            assert!(console.contains("cannot read the input file"), "{console}")
        }
        other => panic!("expected a failed run, got {other:?}"),
    }
}

#[test]
fn a_board_with_too_little_ram_names_the_region_and_the_shortfall() {
    let tmp = tempfile::tempdir().unwrap();
    let board = Board::find("qemu-netduinoplus2").unwrap();
    let fits = build(&board, &tiny_conv_spec(&[]), &tmp.path().join("fits")).unwrap();
    let sram_used = fits
        .footprint
        .regions
        .iter()
        .find(|r| r.region == "SRAM")
        .unwrap()
        .used_bytes;

    let small_ram: u64 = 2048;
    let path = common::tiny_ram_board(tmp.path(), small_ram);
    let small = Board::find(path.to_str().unwrap()).unwrap();
    let err = build(&small, &tiny_conv_spec(&[]), &tmp.path().join("small")).unwrap_err();
    let TargetError::DoesNotFit {
        board, shortfalls, ..
    } = &err
    else {
        panic!("expected DoesNotFit, got {err}");
    };
    assert_eq!(board, "tiny-ram");
    assert_eq!(shortfalls.len(), 1, "{err}");
    assert_eq!(shortfalls[0].region, "SRAM");
    assert_eq!(shortfalls[0].size_bytes, small_ram);
    // The linker counts alignment padding too, so allow a few bytes over the sum of section sizes.
    let expected = sram_used - small_ram;
    assert!(
        (expected..=expected + 32).contains(&shortfalls[0].short_by_bytes),
        "{err} (sections need {expected} more bytes)"
    );
    let message = err.to_string();
    assert!(
        message.contains("region SRAM (2048 bytes) is short by"),
        "{message}"
    );
    assert!(
        !tmp.path().join("small/tiny_conv.elf").exists(),
        "no half-written image"
    );
}

fn write_app(dir: &Path, name: &str, body: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(format!("{name}.c"));
    std::fs::write(&path, format!("#include \"nncube_platform.h\"\n{body}\n")).unwrap();
    path
}

#[test]
fn a_firmware_that_never_exits_is_stopped_by_the_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let board = Board::find("qemu-netduinoplus2").unwrap();
    let app = write_app(
        tmp.path(),
        "forever",
        "int main(void) { nncube_puts(\"spinning\\n\"); for (;;) { __asm volatile(\"nop\"); } }",
    );
    let firmware = build(&board, &FirmwareSpec::new("forever", vec![app]), tmp.path()).unwrap();
    let mut device = QemuDevice::new(&board, Duration::from_secs(2)).unwrap();
    let err = measure(&mut device, &firmware, &[], None).unwrap_err();
    match &err {
        DeviceError::Timeout { console, .. } => assert!(console.contains("spinning"), "{err}"),
        other => panic!("expected a timeout, got {other}"),
    }
}

#[test]
fn a_fault_is_reported_with_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    for id in ["qemu-netduinoplus2", "qemu-mps2-an505"] {
        let board = Board::find(id).unwrap();
        let app = write_app(
            &tmp.path().join(id),
            "crash",
            "int main(void) { __asm volatile(\"udf #0\"); return 0; }",
        );
        let firmware = build(
            &board,
            &FirmwareSpec::new("crash", vec![app]),
            &tmp.path().join(id),
        )
        .unwrap();
        let err = run(&board, &firmware, &[]).unwrap_err();
        match &err {
            DeviceError::FirmwareFailed {
                exit_status: 126,
                fault: Some(fault),
                ..
            } => {
                assert_eq!(fault, "HardFault", "{id}")
            }
            other => panic!("{id}: expected a fault, got {other}"),
        }
    }
}

#[test]
fn tiny_conv_builds_and_fits_every_builtin_board() {
    let tmp = tempfile::tempdir().unwrap();
    for board in nncube_core::target::board::builtin_boards().unwrap() {
        let firmware = build(&board, &tiny_conv_spec(&[]), &tmp.path().join(&board.id))
            .unwrap_or_else(|e| panic!("{}: {e}", board.id));
        let fp = &firmware.footprint;
        assert_eq!(fp.activations_bytes, 14 * 14 * 8, "{}", board.id);
        // The activations are in the largest RAM region, the stack in the first one.
        let activations_region = &board.default_activations_ram().name;
        let usage = |name: &str| {
            fp.regions
                .iter()
                .find(|r| r.region == name)
                .unwrap()
                .used_bytes
        };
        assert!(
            usage(activations_region) >= fp.activations_bytes,
            "{}",
            board.id
        );
        assert!(
            usage(&board.system_ram().name) >= fp.stack_bytes,
            "{}",
            board.id
        );
        assert!(
            usage(&board.code_flash().name) >= fp.code_bytes() + fp.weights_bytes,
            "{}",
            board.id
        );
    }
}

#[test]
fn activations_go_to_the_chosen_ram_region() {
    let tmp = tempfile::tempdir().unwrap();
    let board = Board::find("nucleo-h743zi2").unwrap();
    let mut spec = tiny_conv_spec(&[]);
    spec.activations_region = Some("SRAM4".to_string());
    let firmware = build(&board, &spec, tmp.path()).unwrap();
    let sram4 = firmware
        .footprint
        .regions
        .iter()
        .find(|r| r.region == "SRAM4")
        .unwrap();
    assert_eq!(sram4.used_bytes, 14 * 14 * 8);

    spec.activations_region = Some("CCM".to_string());
    let err = build(&board, &spec, tmp.path()).unwrap_err().to_string();
    assert!(
        err.contains("no RAM region `CCM`") && err.contains("AXI_SRAM"),
        "{err}"
    );
}

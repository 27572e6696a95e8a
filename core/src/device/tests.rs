//! Device logic against the fake device: result parsing, failure detection, tick scaling.

use super::*;
use crate::target::{Footprint, InstructionCounter};

fn firmware() -> Firmware {
    Firmware {
        board_id: "qemu-mps2-an386".to_string(),
        elf: PathBuf::from("fw.elf"),
        footprint: Footprint {
            network_code_bytes: 0,
            other_code_bytes: 0,
            weights_bytes: 0,
            activations_bytes: 0,
            static_ram_bytes: 0,
            stack_bytes: 0,
            regions: Vec::new(),
        },
    }
}

fn cmsdk() -> InstructionCounter {
    InstructionCounter::CmsdkTimer {
        base_address: 0x4000_0000,
        instructions_per_tick: 40,
    }
}

fn answer(exit_status: i32, console: &str) -> RunOutput {
    RunOutput {
        exit_status,
        console: console.to_string(),
    }
}

#[test]
fn a_good_run_gives_outputs_and_scaled_counts() {
    let mut device = FakeDevice::new(vec![answer(
        0,
        "hello\n#ticks layer 0 10\n#ticks layer 1 15\n#ticks inference 25\n#output 1 ff00\n#output 0 7f80\n\
         #stack used 1200 reserved 4096\n",
    )]);
    let files = vec![HostFile {
        name: "input.bin".to_string(),
        bytes: vec![1, 2, 3],
    }];
    let m = measure(&mut device, &firmware(), &files, Some(&cmsdk())).unwrap();
    assert_eq!(m.outputs, vec![vec![0x7f, 0x80], vec![0xff, 0x00]]);
    assert_eq!(m.instructions_per_inference, vec![1000]);
    assert_eq!(m.instructions_per_layer, vec![(0, 400), (1, 600)]);
    assert_eq!(m.resolution_instructions, 40);
    assert_eq!(
        m.stack,
        Some(StackUsage {
            used_bytes: 1200,
            reserved_bytes: 4096
        })
    );
    assert_eq!(device.runs, vec![(PathBuf::from("fw.elf"), files)]);
}

#[test]
fn a_fault_is_an_error_even_with_results_printed() {
    let mut device = FakeDevice::new(vec![answer(126, "#output 0 00\n#fault HardFault\n")]);
    let err = measure(&mut device, &firmware(), &[], Some(&cmsdk())).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("exit status 126 after a HardFault fault"),
        "{text}"
    );
}

#[test]
fn a_stack_at_the_end_of_its_reservation_is_an_overflow_even_after_a_fault() {
    for (status, console) in [
        (0, "#output 0 00\n#stack used 4096 reserved 4096\n"),
        (0, "#stack used 4040 reserved 4096\n"),
        (126, "#fault HardFault\n#stack used 1024 reserved 1024\n"),
    ] {
        let mut device = FakeDevice::new(vec![answer(status, console)]);
        let err = measure(&mut device, &firmware(), &[], None).unwrap_err();
        let DeviceError::StackOverflow { reserved, used, .. } = &err else {
            panic!("{console}: {err}");
        };
        assert!(used + 64 >= *reserved, "{console}");
        let text = err.to_string();
        assert!(
            text.contains(&format!(
                "overflowed its {reserved}-byte reservation: it reached {used} bytes"
            )) && text.contains("--stack BYTES"),
            "{text}"
        );
    }
    // 65 bytes of headroom is not an overflow; the host's `0 0` record is not a measurement.
    for console in [
        "#stack used 4031 reserved 4096\n",
        "#stack used 0 reserved 0\n",
    ] {
        let mut device = FakeDevice::new(vec![answer(0, console)]);
        assert!(
            measure(&mut device, &firmware(), &[], None).is_ok(),
            "{console}"
        );
    }
}

#[test]
fn a_non_zero_exit_is_an_error() {
    let mut device = FakeDevice::new(vec![answer(3, "#output 0 00\n")]);
    let err = measure(&mut device, &firmware(), &[], None).unwrap_err();
    assert!(
        matches!(
            err,
            DeviceError::FirmwareFailed {
                exit_status: 3,
                fault: None,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn malformed_records_are_protocol_errors() {
    for console in [
        "#output 0 abc\n",
        "#ticks inference many\n",
        "#bogus 1\n",
        "#output x 00\n",
        "#stack used lots reserved 4096\n",
        "#stack used 10\n",
    ] {
        let mut device = FakeDevice::new(vec![answer(0, console)]);
        let err = measure(&mut device, &firmware(), &[], None).unwrap_err();
        assert!(
            matches!(err, DeviceError::Protocol { .. }),
            "{console}: {err}"
        );
    }
}

#[test]
fn the_fake_reports_when_it_has_no_answer_left() {
    let mut device = FakeDevice::default();
    assert!(device.run(&firmware(), &[]).is_err());
}

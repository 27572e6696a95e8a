//! A fake device for tests: returns canned run outputs in order and records what it was asked to run.

use super::{Device, DeviceError, HostFile, RunOutput};
use crate::target::Firmware;
use std::collections::VecDeque;
use std::path::PathBuf;

/// A device that answers from a queue of canned outputs.
#[derive(Debug, Default)]
pub struct FakeDevice {
    /// Outputs returned by the next runs, first first.
    pub answers: VecDeque<RunOutput>,
    /// Every run so far: the ELF path and the host files given.
    pub runs: Vec<(PathBuf, Vec<HostFile>)>,
}

impl FakeDevice {
    /// A fake that will answer `answers` in order.
    pub fn new(answers: Vec<RunOutput>) -> FakeDevice {
        FakeDevice {
            answers: answers.into(),
            runs: Vec::new(),
        }
    }
}

impl Device for FakeDevice {
    fn describe(&self) -> String {
        "fake device".to_string()
    }

    fn run(&mut self, firmware: &Firmware, files: &[HostFile]) -> Result<RunOutput, DeviceError> {
        self.runs.push((firmware.elf.clone(), files.to_vec()));
        self.answers
            .pop_front()
            .ok_or_else(|| DeviceError::Emulator {
                device: self.describe(),
                elf: firmware.elf.clone(),
                stderr: "no canned answer left".to_string(),
            })
    }
}

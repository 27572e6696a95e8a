//! The QEMU virtual board: runs a firmware in `qemu-system-arm` with a deterministic instruction clock.
//!
//! - `-icount shift=0`: every guest instruction advances virtual time by exactly 1 ns, so timers count executed
//!   instructions (QEMU's STM32 TIM2 ticks at 1 GHz: 1 tick = 1 instruction; the MPS2 CMSDK timers at 25 MHz:
//!   1 tick = 40 instructions). Runs are bit-for-bit repeatable.
//! - Semihosting (`target=native`) carries the console, host file reads and the exit status
//!   (`SYS_EXIT_EXTENDED`). The console goes to a chardev file, so it is never mixed with QEMU's own messages.
//! - Each run has a timeout; a firmware that never exits is killed and reported, never waited for forever.
//!
//! A run happens in `<elf stem>.run/` next to the ELF: the host files are written there (it is QEMU's working
//! directory, where semihosting opens files) along with `console.txt` and QEMU's own output.

use super::{Device, DeviceError, HostFile, RunOutput};
use crate::target::toolchain::locate_program;
use crate::target::{Board, CancelToken, Firmware};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variable that overrides the path of `qemu-system-arm`.
const QEMU_ENV: &str = "NNCUBE_QEMU";
/// The default time limit of one run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// A virtual board run by `qemu-system-arm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuDevice {
    /// The emulator binary.
    pub qemu: PathBuf,
    /// The `-M` machine.
    pub machine: String,
    /// The board id firmware must be built for.
    pub board_id: String,
    /// Time limit of one run.
    pub timeout: Duration,
    /// Stops a running emulator when set.
    pub cancel: CancelToken,
}

impl QemuDevice {
    /// The virtual board for `board` (which must have a `virtual_board` section). Finds `qemu-system-arm` in
    /// `$NNCUBE_QEMU` or the `PATH`; the error names the Debian package to install.
    pub fn new(board: &Board, timeout: Duration) -> Result<QemuDevice, DeviceError> {
        QemuDevice::with_emulator(
            board,
            std::env::var_os(QEMU_ENV).map(PathBuf::from),
            timeout,
        )
    }

    /// Like [`QemuDevice::new`], with `qemu` as the emulator when given instead of the environment and `PATH`.
    fn with_emulator(
        board: &Board,
        qemu: Option<PathBuf>,
        timeout: Duration,
    ) -> Result<QemuDevice, DeviceError> {
        let Some(virtual_board) = &board.virtual_board else {
            return Err(DeviceError::WrongBoard {
                board: board.id.clone(),
                device: "QEMU".to_string(),
                reason: "it is a real board (no `virtual_board` section); pick a qemu-* board"
                    .to_string(),
            });
        };
        Ok(QemuDevice {
            qemu: locate_qemu(qemu)?,
            machine: virtual_board.qemu_machine.clone(),
            board_id: board.id.clone(),
            timeout,
            cancel: CancelToken::new(),
        })
    }
}

fn locate_qemu(override_path: Option<PathBuf>) -> Result<PathBuf, DeviceError> {
    Ok(locate_program(
        "qemu-system-arm",
        override_path,
        QEMU_ENV,
        "qemu-system-arm",
    )?)
}

fn io_error(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> DeviceError {
    let what = what.to_string();
    let path = path.to_path_buf();
    move |source| DeviceError::Io {
        what,
        path,
        io: source,
    }
}

/// Creates an empty run directory next to the ELF and writes the host files into it.
fn prepare_run_dir(elf: &Path, files: &[HostFile]) -> Result<PathBuf, DeviceError> {
    let stem = elf
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = elf.with_file_name(format!("{stem}.run"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io_error("clear the run directory", &dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io_error("create the run directory", &dir))?;
    for file in files {
        let plain = !file.name.is_empty()
            && !file.name.contains(['/', '\\'])
            && file.name != "."
            && file.name != "..";
        let path = dir.join(&file.name);
        if !plain {
            return Err(DeviceError::Io {
                what: "write the host file (its name must be a plain file name)".to_string(),
                path,
                io: std::io::ErrorKind::InvalidInput.into(),
            });
        }
        std::fs::write(&path, &file.bytes).map_err(io_error("write the host file", &path))?;
    }
    Ok(dir)
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

impl Device for QemuDevice {
    fn describe(&self) -> String {
        format!("QEMU {}", self.machine)
    }

    fn run(&mut self, firmware: &Firmware, files: &[HostFile]) -> Result<RunOutput, DeviceError> {
        if firmware.board_id != self.board_id {
            return Err(DeviceError::WrongBoard {
                board: firmware.board_id.clone(),
                device: self.describe(),
                reason: format!(
                    "the firmware was built for `{}`, this device runs `{}`; rebuild it",
                    firmware.board_id, self.board_id
                ),
            });
        }
        let elf = std::path::absolute(&firmware.elf).map_err(io_error("resolve", &firmware.elf))?;
        let dir = prepare_run_dir(&elf, files)?;
        let console_path = dir.join("console.txt");
        let stdout_path = dir.join("qemu-stdout.txt");
        let stderr_path = dir.join("qemu-stderr.txt");
        let stdout = File::create(&stdout_path).map_err(io_error("create", &stdout_path))?;
        let stderr = File::create(&stderr_path).map_err(io_error("create", &stderr_path))?;
        let mut child = Command::new(&self.qemu)
            .current_dir(&dir)
            .args([
                "-M",
                &self.machine,
                "-icount",
                "shift=0",
                "-display",
                "none",
                "-nodefaults",
                "-nic",
                "none",
            ])
            .args(["-chardev", "file,id=nncube_console,path=console.txt"])
            .args([
                "-semihosting-config",
                "enable=on,target=native,chardev=nncube_console",
            ])
            .arg("-kernel")
            .arg(&elf)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .map_err(|e| DeviceError::Emulator {
                device: self.describe(),
                elf: elf.clone(),
                stderr: format!("cannot start {}: {e}", self.qemu.display()),
            })?;
        let started = Instant::now();
        let status = loop {
            match child.try_wait().map_err(io_error("wait for", &self.qemu))? {
                Some(status) => break status,
                None if started.elapsed() >= self.timeout => {
                    // The process may have exited in between; either way it is gone afterwards.
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(DeviceError::Timeout {
                        device: self.describe(),
                        elf,
                        timeout: self.timeout,
                        console: read_lossy(&console_path),
                    });
                }
                None if self.cancel.is_cancelled() => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(DeviceError::Cancelled {
                        device: self.describe(),
                    });
                }
                None => std::thread::sleep(POLL_INTERVAL),
            }
        };
        let qemu_stderr = read_lossy(&stderr_path);
        let emulator_errors: Vec<&str> = qemu_stderr
            .lines()
            .filter(|l| !l.contains("warning:") && !l.trim().is_empty())
            .collect();
        match status.code() {
            Some(code) if emulator_errors.is_empty() => Ok(RunOutput {
                exit_status: code,
                console: read_lossy(&console_path),
            }),
            _ => Err(DeviceError::Emulator {
                device: self.describe(),
                elf,
                stderr: if emulator_errors.is_empty() {
                    format!("terminated by a signal ({status})")
                } else {
                    emulator_errors.join("\n")
                },
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_emulator_names_the_debian_package() {
        let board = Board::find("qemu-netduinoplus2").unwrap();
        let err = QemuDevice::with_emulator(
            &board,
            Some(PathBuf::from("/nonexistent/qemu-system-arm")),
            DEFAULT_TIMEOUT,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "qemu-system-arm not found (NNCUBE_QEMU=/nonexistent/qemu-system-arm does not exist); install the \
             Debian package `qemu-system-arm` (apt-get install qemu-system-arm) or set NNCUBE_QEMU to its path"
        );
    }

    #[test]
    fn a_real_board_is_not_a_virtual_one() {
        let board = Board::find("nucleo-f446re").unwrap();
        let err = QemuDevice::new(&board, DEFAULT_TIMEOUT)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("nucleo-f446re") && err.contains("qemu-*"),
            "{err}"
        );
    }

    #[test]
    fn host_file_names_must_be_plain() {
        let dir = tempfile::tempdir().unwrap();
        let elf = dir.path().join("fw.elf");
        let file = |name: &str| HostFile {
            name: name.to_string(),
            bytes: vec![1],
        };
        assert!(prepare_run_dir(&elf, &[file("../escape.bin")]).is_err());
        assert!(prepare_run_dir(&elf, &[file("")]).is_err());
        let run_dir = prepare_run_dir(&elf, &[file("input.bin")]).unwrap();
        assert_eq!(std::fs::read(run_dir.join("input.bin")).unwrap(), vec![1]);
    }
}

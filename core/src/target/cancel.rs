//! Cancelling slow external tools: a [`CancelToken`] shared between the thread that runs `arm-none-eabi-gcc` or
//! QEMU and the one that may cancel it (the GUI's cancel button). A cancelled tool is killed and waited for. For
//! the compiler that is the `arm-none-eabi-gcc` driver: a pass it had started (`cc1`, `as`) is not signalled and
//! finishes the one source file it is on, then exits; no new file is compiled.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often a running tool is checked for completion or cancellation.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// A flag that, once set, makes every tool run under it stop. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks every tool run under this token (and its clones) to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// True once [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Tokens compare equal when they share the flag.
impl PartialEq for CancelToken {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for CancelToken {}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut p) = pipe {
            // A read error ends the capture; the exit status still tells whether the tool succeeded.
            let _ = p.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Runs `command` to completion like [`Command::output`], but kills it as soon as `cancel` is set; returns
/// `Ok(None)` when it was cancelled.
pub fn output_unless_cancelled(
    command: &mut Command,
    cancel: &CancelToken,
) -> std::io::Result<Option<Output>> {
    if cancel.is_cancelled() {
        return Ok(None);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if cancel.is_cancelled() {
            // The process may have exited in between; either way it is gone afterwards.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(POLL_INTERVAL);
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(status.map(|status| Output {
        status,
        stdout,
        stderr,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_command_returns_its_output() {
        let out = output_unless_cancelled(
            Command::new("sh").args(["-c", "echo hi; echo err >&2"]),
            &CancelToken::new(),
        )
        .unwrap()
        .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn cancelling_kills_a_running_command() {
        let token = CancelToken::new();
        let other = token.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            other.cancel();
        });
        let started = std::time::Instant::now();
        let out = output_unless_cancelled(Command::new("sleep").arg("30"), &token).unwrap();
        canceller.join().unwrap();
        assert!(out.is_none());
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(
            output_unless_cancelled(&mut Command::new("true"), &token)
                .unwrap()
                .is_none()
        );
    }
}

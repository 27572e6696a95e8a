//! Command output on stdout. A closed pipe (`nncube analyze … | head`) ends the output quietly instead of
//! panicking the way `print!` does.

use anyhow::Context;
use std::io::Write;

/// Writes `text` to stdout; a broken pipe is not an error.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result.context("cannot write to standard output"),
    }
}

/// `println!` for command output: formats a line and writes it with [`print`]; evaluates to its `Result`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::stdout::print(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

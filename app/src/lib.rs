//! nncube, the application: the command-line interface and the desktop configurator ([`gui`]).
//!
//! Everything user-facing lives in this library so that tests can drive it; `main.rs` only calls [`cli::main`].

// Library code reports errors; tests (cfg(test) modules, tests/) may unwrap.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cli;
pub mod gui;
pub mod host;
pub mod validation;

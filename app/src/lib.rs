//! nncube, the application: the command-line interface and the desktop configurator ([`gui`]).
//!
//! Everything user-facing lives in this library so that tests can drive it; `main.rs` only calls [`cli::main`].

pub mod cli;
pub mod gui;

//! nncube-core: the compiler behind nncube.
//!
//! Data flow (see docs/ARCHITECTURE.md): a model file is imported into the [`ir`] graph ([`import`]),
//! checked by [`ir::Graph::verify`], and described by the analyze [`report`]. Later stages (passes, memory
//! planning, the reference interpreter, C code generation, the target toolchain and devices) consume the same graph.
//! No GUI dependency may enter this crate.

// Library code reports errors; tests (cfg(test) modules, tests/) may unwrap.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod arith;
pub mod codegen;
pub mod device;
pub mod files;
pub mod import;
pub mod interp;
pub mod ir;
pub mod memplan;
pub mod npy;
pub mod passes;
pub mod report;
pub mod target;

/// The tool version written into generated files and reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

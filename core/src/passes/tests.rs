//! Unit and golden tests of the passes.

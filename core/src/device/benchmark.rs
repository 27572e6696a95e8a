//! Benchmarking a model on a device: generate its C ([`crate::codegen`]), build a firmware around it with the
//! benchmark application (`assets/templates/nncube_benchmark_main.c`), run it, and report instructions per
//! inference, per MAC and per layer, the outputs, and the footprint.
//!
//! The whole-inference count comes from a run without the layer observer; the per-layer counts from a second run
//! with it (each layer's count excludes the printing but includes the observer call, a few instructions).

use super::{Device, DeviceError, HostFile, measure};
use crate::codegen;
use crate::ir::Graph;
use crate::report::layer_macc;
use crate::target::{
    ArmToolchain, Board, FirmwareSpec, TargetError, build_firmware, project, support,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Where the benchmark's inputs come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BenchmarkInputs {
    /// Deterministic bytes compiled into the firmware (`(k·37 + 11·i + 5) mod 251`, byte k of input i).
    Embedded,
    /// These bytes, one buffer per graph input, read by the firmware from host files.
    Files(Vec<Vec<u8>>),
}

/// One layer's measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerBenchmark {
    /// Position in the schedule.
    pub index: usize,
    /// Node name.
    pub name: String,
    /// Operator (kebab-case, as in the IR).
    pub op: String,
    /// Multiply-accumulates of the layer.
    pub macc: u64,
    /// Executed instructions (including the observer call).
    pub instructions: u64,
}

/// The result of `nncube benchmark`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkReport {
    /// Board id.
    pub board: String,
    /// Executed instructions of one inference.
    pub instructions_per_inference: u64,
    /// Multiply-accumulates of one inference.
    pub macc: u64,
    /// Instructions per multiply-accumulate.
    pub instructions_per_macc: f64,
    /// Counter resolution: counts are multiples of this many instructions.
    pub resolution_instructions: u32,
    /// Flash code: network + kernels + the rest.
    pub code_bytes: u64,
    /// Flash code of the network and kernel library alone.
    pub network_code_bytes: u64,
    /// Weights in flash.
    pub weights_bytes: u64,
    /// Activations in RAM.
    pub activations_bytes: u64,
    /// Other static RAM.
    pub static_ram_bytes: u64,
    /// Reserved stack.
    pub stack_bytes: u64,
    /// Measured stack high-water mark: bytes of the reservation ever written during the run.
    pub stack_used_bytes: u64,
    /// Per-layer counts.
    pub layers: Vec<LayerBenchmark>,
    /// Output buffers as bytes (hex in JSON).
    #[serde(skip)]
    pub outputs: Vec<Vec<u8>>,
}

impl BenchmarkReport {
    /// The JSON form written by `nncube benchmark --json` (pretty, stable key order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Generates, builds and runs `graph` on `device` for `board`, with files under `work_dir`, with the default stack
/// reservation ([`crate::target::firmware::DEFAULT_STACK_BYTES`]).
pub fn benchmark(
    graph: &Graph,
    board: &Board,
    toolchain: &ArmToolchain,
    device: &mut dyn Device,
    inputs: &BenchmarkInputs,
    work_dir: &Path,
) -> Result<BenchmarkReport, DeviceError> {
    let stack_bytes = crate::target::firmware::DEFAULT_STACK_BYTES;
    benchmark_with_stack(
        graph,
        board,
        toolchain,
        device,
        inputs,
        work_dir,
        stack_bytes,
    )
}

/// [`benchmark`] with a main-stack reservation of `stack_bytes`; a run whose stack reaches the end of it is a
/// [`DeviceError::StackOverflow`].
pub fn benchmark_with_stack(
    graph: &Graph,
    board: &Board,
    toolchain: &ArmToolchain,
    device: &mut dyn Device,
    inputs: &BenchmarkInputs,
    work_dir: &Path,
    stack_bytes: u32,
) -> Result<BenchmarkReport, DeviceError> {
    let files = project::network_files(graph)?;
    let mut network_sources =
        support::c_sources(crate::files::write_tree(work_dir, &files).map_err(TargetError::from)?);
    let net_dir = work_dir.join("network");
    let app_dir = work_dir.join("app");
    let io = project::io_header(graph);
    let arena = project::arena_source();
    let arena_header = project::arena_header(&codegen::Placement::default());
    let app_sources = support::write_files(
        &app_dir,
        &[
            ("nncube_benchmark_main.c", project::APP_MAIN),
            ("nncube_io.h", &io),
            ("network_arena.h", &arena_header),
        ],
    )?;
    // The arena is built as a network source so the footprint counts it as activations.
    network_sources.extend(support::write_files(
        &app_dir,
        &[("network_arena.c", &arena)],
    )?);

    let mut spec = FirmwareSpec::new("benchmark", app_sources);
    spec.stack_bytes = stack_bytes;
    spec.network_sources = network_sources;
    spec.include_dirs = vec![
        net_dir.clone(),
        net_dir.join(codegen::runtime::DIR).join("include"),
        app_dir,
    ];
    spec.defines
        .push(("NNCUBE_OBSERVER".to_string(), "1".to_string()));
    let host_files: Vec<HostFile> = match inputs {
        BenchmarkInputs::Embedded => Vec::new(),
        BenchmarkInputs::Files(buffers) => {
            spec.defines
                .push(("NNCUBE_INPUTS_FROM_FILES".to_string(), "1".to_string()));
            buffers
                .iter()
                .enumerate()
                .map(|(i, bytes)| HostFile {
                    name: format!("input{i}.bin"),
                    bytes: bytes.clone(),
                })
                .collect()
        }
    };
    let firmware = build_firmware(toolchain, board, &spec, &work_dir.join("firmware"))?;
    let counter = board.virtual_board.as_ref().map(|v| &v.counter);
    let measured = measure(device, &firmware, &host_files, counter)?;
    let Some(&instructions) = measured.instructions_per_inference.first() else {
        return Err(DeviceError::Protocol {
            line: String::new(),
            detail: "the benchmark printed no `#ticks inference` record".to_string(),
        });
    };
    let Some(stack) = measured.stack else {
        return Err(DeviceError::Protocol {
            line: String::new(),
            detail: "the benchmark printed no `#stack` record".to_string(),
        });
    };
    let layers: Vec<LayerBenchmark> = measured
        .instructions_per_layer
        .iter()
        .map(|&(index, instructions)| {
            let index = index as usize;
            let node = graph.nodes.get(index);
            LayerBenchmark {
                index,
                name: node.map(|n| n.name.clone()).unwrap_or_default(),
                op: node.map(|n| n.op.name().to_string()).unwrap_or_default(),
                macc: node.map_or(0, |n| layer_macc(graph, n)),
                instructions,
            }
        })
        .collect();
    let macc: u64 = graph.nodes.iter().map(|n| layer_macc(graph, n)).sum();
    let fp = &firmware.footprint;
    Ok(BenchmarkReport {
        board: board.id.clone(),
        instructions_per_inference: instructions,
        macc,
        instructions_per_macc: if macc == 0 {
            0.0
        } else {
            instructions as f64 / macc as f64
        },
        resolution_instructions: measured.resolution_instructions,
        code_bytes: fp.code_bytes(),
        network_code_bytes: fp.network_code_bytes,
        weights_bytes: fp.weights_bytes,
        activations_bytes: fp.activations_bytes,
        static_ram_bytes: fp.static_ram_bytes,
        stack_bytes: fp.stack_bytes,
        stack_used_bytes: stack.used_bytes,
        layers,
        outputs: measured.outputs,
    })
}

//! Host validation support: compiles a generated network with the system C compiler into a cached runner
//! executable, and runs it on input samples (optionally reading every layer's output through the observer).
//!
//! Compiler: `NNCUBE_CC`, else `CC`, else `cc`. Cache: `NNCUBE_CACHE_DIR`, else `$XDG_CACHE_HOME/nncube`, else
//! `$HOME/.cache/nncube`; one directory per hash of the compiler, flags and every source byte, created atomically.

use anyhow::{Context, bail};
use nncube_core::codegen::{self, CodegenOptions, GeneratedFiles, fnv1a64};
use nncube_core::ir::Graph;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const RUNNER_MAIN: &str = include_str!("runner_main.c");
const RUNNER_NAME: &str = "runner_model";
const CFLAGS: &[&str] = &["-std=c99", "-O2", "-DNNCUBE_OBSERVER"];

/// A compiled host runner of one network, with the byte sizes needed to split its output stream.
#[derive(Debug, Clone)]
pub struct HostRunner {
    /// The executable.
    pub exe: PathBuf,
    /// Bytes of each graph input.
    pub input_bytes: Vec<usize>,
    /// Bytes of each graph output.
    pub output_bytes: Vec<usize>,
    /// Bytes of each layer's (node's) first output, in schedule order.
    pub layer_bytes: Vec<usize>,
}

/// What one sample produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleResult {
    /// Each graph output's bytes.
    pub outputs: Vec<Vec<u8>>,
    /// Each layer's output bytes (empty unless requested).
    pub layers: Vec<Vec<u8>>,
}

/// The C compiler to use: `NNCUBE_CC`, `CC` or `cc`.
pub fn c_compiler() -> String {
    std::env::var("NNCUBE_CC")
        .or_else(|_| std::env::var("CC"))
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "cc".into())
}

/// The cache directory for compiled runners.
fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NNCUBE_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("nncube");
    }
    if let Some(h) = std::env::var_os("HOME") {
        return PathBuf::from(h).join(".cache/nncube");
    }
    std::env::temp_dir().join("nncube-cache")
}

fn runner_header(graph: &Graph) -> String {
    let n = RUNNER_NAME;
    let up = n.to_ascii_uppercase();
    let list = |ts: &[nncube_core::ir::TensorId]| {
        ts.iter()
            .map(|&t| format!("{}u", graph.tensor(t).ty.size_bytes()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "#include \"{n}.h\"\n#include \"{n}_data.h\"\n#define NET_CTX {n}_ctx\n#define NET_INIT {n}_init\n#define NET_RUN {n}_run\n\
         #define NET_INPUT {n}_input\n#define NET_OUTPUT {n}_output\n#define NET_SET_OBSERVER {n}_set_observer\n\
         #define NET_WEIGHTS {n}_weights\n#define NET_ACTIVATIONS_BYTES {up}_ACTIVATIONS_BYTES\n\
         #define NET_NUM_INPUTS {up}_NUM_INPUTS\n#define NET_NUM_OUTPUTS {up}_NUM_OUTPUTS\n\
         static const size_t net_input_bytes[] = {{{}}};\nstatic const size_t net_output_bytes[] = {{{}}};\n",
        list(&graph.inputs),
        list(&graph.outputs)
    );
    s
}

/// Generates the network (with the runtime) plus the runner's main, as one source tree.
fn runner_sources(graph: &Graph) -> anyhow::Result<GeneratedFiles> {
    let options = CodegenOptions {
        name: RUNNER_NAME.into(),
        include_runtime: true,
        ..CodegenOptions::default()
    };
    let mut files =
        codegen::generate(graph, &options).context("cannot generate C for the host runner")?;
    files
        .files
        .insert(PathBuf::from("runner_net.h"), runner_header(graph));
    files
        .files
        .insert(PathBuf::from("runner_main.c"), RUNNER_MAIN.to_string());
    Ok(files)
}

/// Compiles (or reuses from the cache) the host runner of `graph` with [`c_compiler`] under [`cache_dir`].
pub fn build_runner(graph: &Graph) -> anyhow::Result<HostRunner> {
    build_runner_with(graph, &c_compiler(), &cache_dir())
}

/// Compiles (or reuses from `cache`) the host runner of `graph` with `compiler`.
pub fn build_runner_with(
    graph: &Graph,
    compiler: &str,
    cache: &Path,
) -> anyhow::Result<HostRunner> {
    let files = runner_sources(graph)?;
    let mut key_bytes = Vec::new();
    key_bytes.extend_from_slice(compiler.as_bytes());
    for f in CFLAGS {
        key_bytes.extend_from_slice(f.as_bytes());
    }
    for (path, contents) in &files.files {
        key_bytes.extend_from_slice(path.to_string_lossy().as_bytes());
        key_bytes.push(0);
        key_bytes.extend_from_slice(contents.as_bytes());
        key_bytes.push(0);
    }
    let key = format!("{:016x}", fnv1a64(&key_bytes));
    let root = cache.join("host-runner");
    let dir = root.join(&key);
    let exe = dir.join("runner");
    if !exe.exists() {
        std::fs::create_dir_all(&root)
            .with_context(|| format!("cannot create the runner cache {}", root.display()))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{key}.tmp"))
            .tempdir_in(&root)
            .with_context(|| format!("cannot create a build directory in {}", root.display()))?;
        files
            .write_to(tmp.path())
            .context("cannot write the runner sources")?;
        compile(compiler, tmp.path())?;
        let built = tmp.keep();
        if std::fs::rename(&built, &dir).is_err() && !exe.exists() {
            bail!("cannot move the runner into the cache at {}", dir.display());
        }
        if built.exists() {
            let _ = std::fs::remove_dir_all(&built);
        }
    }
    Ok(HostRunner {
        exe,
        input_bytes: graph
            .inputs
            .iter()
            .map(|&t| graph.tensor(t).ty.size_bytes())
            .collect(),
        output_bytes: graph
            .outputs
            .iter()
            .map(|&t| graph.tensor(t).ty.size_bytes())
            .collect(),
        layer_bytes: graph
            .nodes
            .iter()
            .map(|n| n.output().map_or(0, |t| graph.tensor(t).ty.size_bytes()))
            .collect(),
    })
}

fn compile(compiler: &str, dir: &Path) -> anyhow::Result<()> {
    let mut sources: Vec<PathBuf> = vec![
        dir.join("runner_main.c"),
        dir.join(format!("{RUNNER_NAME}.c")),
        dir.join(format!("{RUNNER_NAME}_data.c")),
    ];
    let rt = dir.join(codegen::runtime::DIR);
    for (rel, _) in codegen::runtime::SOURCES {
        if rel.ends_with(".c") {
            sources.push(rt.join(rel));
        }
    }
    let output = Command::new(compiler)
        .args(CFLAGS)
        .arg("-I")
        .arg(dir)
        .arg("-I")
        .arg(rt.join("include"))
        .args(&sources)
        .arg("-o")
        .arg(dir.join("runner"))
        .arg("-lm")
        .output()
        .with_context(|| {
            format!(
                "cannot run the C compiler `{compiler}`: install gcc or clang, or set NNCUBE_CC (or CC) to a C compiler"
            )
        })?;
    if !output.status.success() {
        bail!(
            "the C compiler `{compiler}` failed on the generated code (this is a bug in nncube):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

impl HostRunner {
    /// Runs every sample (each a list of input byte buffers) and splits the outputs.
    pub fn run(
        &self,
        samples: &[Vec<Vec<u8>>],
        per_layer: bool,
    ) -> anyhow::Result<Vec<SampleResult>> {
        let mut stdin_bytes = Vec::new();
        for (s, sample) in samples.iter().enumerate() {
            if sample.len() != self.input_bytes.len()
                || sample
                    .iter()
                    .zip(&self.input_bytes)
                    .any(|(b, n)| b.len() != *n)
            {
                bail!(
                    "sample {s}: expected inputs of {:?} bytes",
                    self.input_bytes
                );
            }
            for b in sample {
                stdin_bytes.extend_from_slice(b);
            }
        }
        let mut cmd = Command::new(&self.exe);
        if per_layer {
            cmd.arg("--layers");
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start the host runner {}", self.exe.display()))?;
        let mut stdin = child.stdin.take().context("no stdin for the host runner")?;
        let writer = std::thread::spawn(move || stdin.write_all(&stdin_bytes));
        let out = child.wait_with_output().context("the host runner failed")?;
        let _ = writer.join();
        if !out.status.success() {
            bail!(
                "the host runner failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut pos = 0usize;
        let mut take = |n: usize| -> anyhow::Result<Vec<u8>> {
            let chunk = out
                .stdout
                .get(pos..pos + n)
                .context("the host runner wrote fewer bytes than expected")?
                .to_vec();
            pos += n;
            Ok(chunk)
        };
        let mut results = Vec::with_capacity(samples.len());
        for _ in samples {
            let layers = if per_layer {
                self.layer_bytes
                    .iter()
                    .map(|&n| take(n))
                    .collect::<anyhow::Result<Vec<_>>>()?
            } else {
                Vec::new()
            };
            let outputs = self
                .output_bytes
                .iter()
                .map(|&n| take(n))
                .collect::<anyhow::Result<Vec<_>>>()?;
            results.push(SampleResult { outputs, layers });
        }
        Ok(results)
    }
}

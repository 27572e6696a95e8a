//! Writes the network files: `<name>.h` (the C API and sizing macros), `<name>.c` (the static schedule),
//! the weights (see [`super::weights`]) and the analyze reports.

use super::lower::{Lowered, Operands, c_float, lower_node};
use super::placement::{self, Placement};
use super::weights::{WeightKey, WeightTable, emit_data, split_symbol};
use super::{CodegenError, CodegenOptions, hash};
use crate::ir::{Graph, TensorId};
use crate::report;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// Memory of every tensor as C expressions.
struct Memory<'a> {
    graph: &'a Graph,
    name: &'a str,
    alias: BTreeMap<TensorId, TensorId>,
    placement: Placement,
    weights: WeightTable,
    split_weights: bool,
}

impl Memory<'_> {
    fn root(&self, t: TensorId) -> TensorId {
        self.alias.get(&t).copied().unwrap_or(t)
    }
}

impl Memory<'_> {
    fn weight(&self, key: WeightKey) -> String {
        if self.split_weights {
            split_symbol(self.name, key)
        } else {
            format!(
                "wts + {}",
                self.weights.offsets.get(&key).copied().unwrap_or(0)
            )
        }
    }
}

impl Operands for Memory<'_> {
    fn packed(&self, node: usize, bias: bool) -> String {
        self.weight(if bias {
            WeightKey::PackedBias(node)
        } else {
            WeightKey::PackedFilter(node)
        })
    }

    fn ptr(&self, t: TensorId) -> String {
        if self.graph.tensor(t).is_const() {
            return self.weight(WeightKey::Tensor(t));
        }
        let r = self.root(t);
        if let Some(i) = self.graph.inputs.iter().position(|&x| x == r) {
            format!("(uint8_t *)ctx->inputs[{i}]")
        } else if let Some(i) = self.graph.outputs.iter().position(|&x| x == r) {
            format!("(uint8_t *)ctx->outputs[{i}]")
        } else {
            let off = self.placement.offsets.get(&r).copied().unwrap_or(0);
            if self.placement.is_multi_pool() {
                format!("act{} + {off}", self.placement.pool(r))
            } else {
                format!("act + {off}")
            }
        }
    }
}

/// Views whose output can share the input's buffer: neither side is a graph output.
fn view_aliases(graph: &Graph) -> BTreeMap<TensorId, TensorId> {
    let mut alias = BTreeMap::new();
    for node in graph.nodes.iter().filter(|n| n.op.is_view()) {
        if let (Some(i), Some(o)) = (node.input(0), node.output())
            && !graph.tensor(i).is_const()
            && !graph.is_output(o)
            && !graph.inputs.contains(&o)
        {
            let root = alias.get(&i).copied().unwrap_or(i);
            alias.insert(o, root);
        }
    }
    alias
}

fn c_string(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            ' '..='~' => out.push(ch),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

fn comment(s: &str) -> String {
    s.replace("*/", "* /")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// How code generation plans activations: one unbounded pool (holding graph inputs/outputs unless the caller
/// provides them), offsets aligned to [`placement::ALIGN_BYTES`], kernel-contract overlaps allowed.
pub fn plan_options(options: &CodegenOptions) -> crate::memplan::PlanOptions {
    crate::memplan::PlanOptions {
        alignment: placement::ALIGN_BYTES as u64,
        inputs_in_activations: !options.caller_inputs,
        outputs_in_activations: !options.caller_outputs,
        allow_kernel_overlap: true,
        ..crate::memplan::PlanOptions::default()
    }
}

/// Emits every network file.
pub fn emit(
    graph: &Graph,
    name: &str,
    options: &CodegenOptions,
) -> Result<BTreeMap<PathBuf, String>, CodegenError> {
    let alias = view_aliases(graph);
    let buffers = placement::buffers(graph, &alias);
    let placement = match &options.placement {
        Some(p) => {
            p.check(&buffers)?;
            p.clone()
        }
        None => {
            let plan = crate::memplan::plan(graph, &plan_options(options)).map_err(|e| {
                CodegenError::InvalidPlacement {
                    reason: e.to_string(),
                }
            })?;
            let p = Placement::from_plan(graph, &plan)?;
            p.check(&buffers)?;
            p
        }
    };
    let mem = Memory {
        graph,
        name,
        alias,
        placement,
        weights: WeightTable::collect(graph)?,
        split_weights: options.split_weights,
    };
    let mut lowered = Vec::with_capacity(graph.nodes.len());
    for (i, node) in graph.nodes.iter().enumerate() {
        lowered.push(lower_node(graph, node, i, &format!("n{i}"), &mem)?);
    }
    let macc = report::analyze(graph, None).macc;
    let upper = name.to_ascii_uppercase();
    let mut files = BTreeMap::new();
    files.insert(
        PathBuf::from(format!("{name}.h")),
        header(graph, name, &upper, &mem),
    );
    files.insert(
        PathBuf::from(format!("{name}.c")),
        source(graph, name, &upper, &mem, &lowered, macc),
    );
    let (dh, dc) = emit_data(name, &mem.weights, options.split_weights);
    files.insert(PathBuf::from(format!("{name}_data.h")), dh);
    files.insert(PathBuf::from(format!("{name}_data.c")), dc);
    let rep = report::analyze(
        graph,
        Some((
            mem.placement.arena_bytes as u64,
            "nncube generate: activations buffer of the generated C".into(),
        )),
    );
    files.insert(
        PathBuf::from(format!("{name}_report.txt")),
        report::render_text(&rep),
    );
    files.insert(
        PathBuf::from(format!("{name}_report.json")),
        rep.to_json() + "\n",
    );
    Ok(files)
}

fn io_macros(out: &mut String, graph: &Graph, upper: &str, kind: &str, ts: &[TensorId]) {
    for (i, &t) in ts.iter().enumerate() {
        let tensor = graph.tensor(t);
        let _ = writeln!(
            out,
            "/* {kind} {i}: `{}` {} */\n#define {upper}_{kind}_{i}_BYTES {}u\n#define {upper}_{kind}_{i}_ELEMENTS {}u",
            comment(&tensor.name),
            tensor.ty,
            tensor.ty.size_bytes(),
            tensor.ty.num_elements()
        );
        if let Some((scale, zp)) = tensor.ty.per_tensor_quant() {
            let _ = writeln!(
                out,
                "#define {upper}_{kind}_{i}_SCALE {}\n#define {upper}_{kind}_{i}_ZERO_POINT {zp}",
                c_float(scale)
            );
        }
    }
}

fn header(graph: &Graph, name: &str, upper: &str, mem: &Memory<'_>) -> String {
    let mut h = format!(
        "/* {name}.h: C API of network `{name}` (see docs/c-api.md). Generated by nncube {}; do not edit. */\n\
         #ifndef {upper}_H\n#define {upper}_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n#include \"nncube_network.h\"\n\n\
         #ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n",
        crate::VERSION
    );
    let weights_bytes = if mem.split_weights {
        mem.weights.entries.iter().map(|e| e.bytes.len()).sum()
    } else {
        mem.weights.total_bytes
    };
    let multi = mem.placement.is_multi_pool();
    if multi {
        let _ = writeln!(
            h,
            "/* The activations are split over {n} pools, one caller buffer each (4-byte aligned), given to {name}_init\n\
             \x20* in this order; place each in its RAM region (docs/c-api.md, \"Several memory pools\"). */\n\
             #define {upper}_NUM_POOLS {n}",
            n = mem.placement.pools.len()
        );
        for (i, pool) in mem.placement.pools.iter().enumerate() {
            let _ = writeln!(
                h,
                "#define {upper}_POOL_{i}_BYTES {}u\n#define {upper}_POOL_{i}_NAME {}",
                pool.bytes.max(4),
                c_string(&pool.name)
            );
        }
    }
    let _ = writeln!(
        h,
        "/* Size of the activations buffer given to {name}_init (4-byte aligned). */\n#define {upper}_ACTIVATIONS_BYTES {}u\n\
         /* Size of the weights ({name}_weights). */\n#define {upper}_WEIGHTS_BYTES {weights_bytes}u\n\
         #define {upper}_NUM_INPUTS {}\n#define {upper}_NUM_OUTPUTS {}\n#define {upper}_NUM_LAYERS {}",
        if multi {
            mem.placement.pools.iter().map(|p| p.bytes.max(4)).sum()
        } else {
            mem.placement.arena_bytes.max(4)
        },
        graph.inputs.len(),
        graph.outputs.len(),
        graph.nodes.len()
    );
    io_macros(&mut h, graph, upper, "INPUT", &graph.inputs);
    io_macros(&mut h, graph, upper, "OUTPUT", &graph.outputs);
    let (buffers_member, init_params, buffers_doc) = if multi {
        (
            format!("uint8_t *pools[{upper}_NUM_POOLS];"),
            format!("void *const pools[{upper}_NUM_POOLS]"),
            format!(
                "`pools[i]`: {upper}_POOL_<i>_BYTES bytes, 4-byte aligned, for every i < {upper}_NUM_POOLS"
            ),
        )
    } else {
        (
            "uint8_t *activations;".to_string(),
            "void *activations".to_string(),
            format!("`activations`: {upper}_ACTIVATIONS_BYTES bytes, 4-byte aligned"),
        )
    };
    let _ = write!(
        h,
        "\n/* One instance of the network. The caller owns it (static, stack, …); fill it with {name}_init. */\n\
         typedef struct {{\n    {buffers_member}\n    const uint8_t *weights;\n    void *inputs[{ni}];\n    void *outputs[{no}];\n\
         \x20   nncube_observer_fn observer; /* called after each layer when compiled with NNCUBE_OBSERVER */\n    void *observer_user;\n}} {name}_ctx;\n\n\
         /* Binds the buffers. {buffers_doc}. `weights`: {name}_weights{split} */\n\
         nncube_status {name}_init({name}_ctx *ctx, {init_params}, const void *weights);\n\
         /* Where to write input `index` / read output `index` (inside the activations buffer unless replaced). */\n\
         void *{name}_input({name}_ctx *ctx, int index);\nvoid *{name}_output({name}_ctx *ctx, int index);\n\
         /* Use a caller buffer (4-byte aligned, {upper}_INPUT_<i>_BYTES) for input `index` instead. */\n\
         nncube_status {name}_set_input_buffer({name}_ctx *ctx, int index, void *buffer);\n\
         /* Use a caller buffer (4-byte aligned, {upper}_OUTPUT_<i>_BYTES) for output `index` instead. */\n\
         nncube_status {name}_set_output_buffer({name}_ctx *ctx, int index, void *buffer);\n\
         /* Installs a per-layer observer (only called when compiled with NNCUBE_OBSERVER). */\n\
         void {name}_set_observer({name}_ctx *ctx, nncube_observer_fn observer, void *user);\n\
         /* Runs one inference. */\nnncube_status {name}_run({name}_ctx *ctx);\n\
         /* Static facts: MACC, sizes, tool version, model hash. */\nconst nncube_network_info *{name}_info(void);\n\n\
         #ifdef __cplusplus\n}}\n#endif\n\n#endif /* {upper}_H */\n",
        ni = graph.inputs.len().max(1),
        no = graph.outputs.len().max(1),
        split = if mem.split_weights {
            " is unused with split weights (may be NULL). */"
        } else {
            " or a copy of it, 4-byte aligned. */"
        }
        .trim_end_matches(" */")
    );
    h
}

fn source(
    graph: &Graph,
    name: &str,
    upper: &str,
    mem: &Memory<'_>,
    lowered: &[Lowered],
    macc: u64,
) -> String {
    let mut c = format!(
        "/* {name}.c: network `{name}` as a static schedule of nncube kernel calls. Generated by nncube {}; do not edit. */\n\
         #include \"{name}.h\"\n#include \"{name}_data.h\"\n#include \"nncube_kernels.h\"\n\n#include <string.h>\n\n",
        crate::VERSION
    );
    let _ = write!(
        c,
        "#ifdef NNCUBE_OBSERVER\n#define {upper}_OBSERVE(layer, layer_name, ptr, bytes) \\\n    do {{ \\\n        if (ctx->observer != NULL) {{ \\\n\
         \x20           ctx->observer(ctx->observer_user, (layer), (layer_name), (ptr), (bytes)); \\\n        }} \\\n    }} while (0)\n\
         #else\n#define {upper}_OBSERVE(layer, layer_name, ptr, bytes) ((void)0)\n#endif\n\n"
    );
    let _ = write!(
        c,
        "static const nncube_network_info {name}_info_data = {{\n    {}, {}, {},\n    {macc}u, {upper}_ACTIVATIONS_BYTES, {upper}_WEIGHTS_BYTES,\n    {upper}_NUM_INPUTS, {upper}_NUM_OUTPUTS, {upper}_NUM_LAYERS}};\n\n",
        c_string(name),
        c_string(crate::VERSION),
        c_string(&hash::model_hash(graph))
    );
    for (i, (node, l)) in graph.nodes.iter().zip(lowered).enumerate() {
        if !l.decls.is_empty() {
            let _ = writeln!(
                c,
                "/* n{i}: {} `{}` */\n{}",
                node.op,
                comment(&node.name),
                l.decls
            );
        }
    }
    // init
    let wnull = if mem.split_weights {
        ""
    } else {
        " || weights == NULL"
    };
    let multi = mem.placement.is_multi_pool();
    if multi {
        let _ = write!(
            c,
            "nncube_status {name}_init({name}_ctx *ctx, void *const pools[{upper}_NUM_POOLS], const void *weights)\n{{\n\
             \x20   int i;\n\
             \x20   if (ctx == NULL || pools == NULL{wnull}) {{\n        return NNCUBE_ERROR_NULL_ARGUMENT;\n    }}\n\
             \x20   for (i = 0; i < {upper}_NUM_POOLS; i++) {{\n\
             \x20       if (pools[i] == NULL) {{\n            return NNCUBE_ERROR_NULL_ARGUMENT;\n        }}\n\
             \x20       if (((uintptr_t)pools[i] & 3u) != 0u) {{\n            return NNCUBE_ERROR_MISALIGNED;\n        }}\n    }}\n\
             \x20   if (((uintptr_t)weights & 3u) != 0u) {{\n        return NNCUBE_ERROR_MISALIGNED;\n    }}\n\
             \x20   for (i = 0; i < {upper}_NUM_POOLS; i++) {{\n        ctx->pools[i] = (uint8_t *)pools[i];\n    }}\n\
             \x20   ctx->weights = (const uint8_t *)weights;\n"
        );
    } else {
        let _ = write!(
            c,
            "nncube_status {name}_init({name}_ctx *ctx, void *activations, const void *weights)\n{{\n\
             \x20   if (ctx == NULL || activations == NULL{wnull}) {{\n        return NNCUBE_ERROR_NULL_ARGUMENT;\n    }}\n\
             \x20   if (((uintptr_t)activations & 3u) != 0u || ((uintptr_t)weights & 3u) != 0u) {{\n        return NNCUBE_ERROR_MISALIGNED;\n    }}\n\
             \x20   ctx->activations = (uint8_t *)activations;\n    ctx->weights = (const uint8_t *)weights;\n"
        );
    }
    for (kind, ts) in [("inputs", &graph.inputs), ("outputs", &graph.outputs)] {
        for (i, t) in ts.iter().enumerate() {
            let r = mem.root(*t);
            if mem.placement.caller_owned.contains(&r) {
                let _ = writeln!(
                    c,
                    "    ctx->{kind}[{i}] = NULL; /* caller-owned: set it with the set_*_buffer function */"
                );
            } else {
                let off = mem.placement.offsets.get(&r).copied().unwrap_or(0);
                let base = if multi {
                    format!("ctx->pools[{}]", mem.placement.pool(r))
                } else {
                    "ctx->activations".to_string()
                };
                let _ = writeln!(c, "    ctx->{kind}[{i}] = {base} + {off};");
            }
        }
    }
    let _ = write!(
        c,
        "    ctx->observer = NULL;\n    ctx->observer_user = NULL;\n    return NNCUBE_OK;\n}}\n\n"
    );
    for (kind, fname, count) in [
        ("inputs", "input", graph.inputs.len()),
        ("outputs", "output", graph.outputs.len()),
    ] {
        let _ = write!(
            c,
            "void *{name}_{fname}({name}_ctx *ctx, int index)\n{{\n    if (ctx == NULL || index < 0 || index >= {count}) {{\n        return NULL;\n    }}\n    return ctx->{kind}[index];\n}}\n\n\
             nncube_status {name}_set_{fname}_buffer({name}_ctx *ctx, int index, void *buffer)\n{{\n\
             \x20   if (ctx == NULL || buffer == NULL) {{\n        return NNCUBE_ERROR_NULL_ARGUMENT;\n    }}\n\
             \x20   if (index < 0 || index >= {count}) {{\n        return NNCUBE_ERROR_BAD_INDEX;\n    }}\n\
             \x20   if (((uintptr_t)buffer & 3u) != 0u) {{\n        return NNCUBE_ERROR_MISALIGNED;\n    }}\n\
             \x20   ctx->{kind}[index] = buffer;\n    return NNCUBE_OK;\n}}\n\n"
        );
    }
    let _ = write!(
        c,
        "void {name}_set_observer({name}_ctx *ctx, nncube_observer_fn observer, void *user)\n{{\n    if (ctx != NULL) {{\n        ctx->observer = observer;\n        ctx->observer_user = user;\n    }}\n}}\n\n\
         const nncube_network_info *{name}_info(void)\n{{\n    return &{name}_info_data;\n}}\n\n"
    );
    // run: the body first, so that only the locals it uses are declared.
    let mut body = String::new();
    for (i, (node, l)) in graph.nodes.iter().zip(lowered).enumerate() {
        let _ = writeln!(
            body,
            "    /* n{i}: {} `{}` */",
            node.op,
            comment(&node.name)
        );
        for line in l.call.lines() {
            let _ = writeln!(body, "    {line}");
        }
        if let Some(o) = node.output() {
            let _ = writeln!(
                body,
                "    {upper}_OBSERVE({i}, {}, {}, {}u);",
                c_string(&node.name),
                mem.ptr(o),
                graph.tensor(o).ty.size_bytes()
            );
        }
    }
    // The local `act` (one pool) or `act<p>` (pool p of several) of each pool the body uses.
    let act_locals: Vec<(String, String)> = if multi {
        (0..mem.placement.pools.len())
            .map(|p| (format!("act{p}"), format!("ctx->pools[{p}]")))
            .filter(|(local, _)| body.contains(&format!("{local} + ")))
            .collect()
    } else if body.contains("act + ") {
        vec![("act".to_string(), "ctx->activations".to_string())]
    } else {
        Vec::new()
    };
    let uses_wts = body.contains("wts + ");
    let _ = write!(c, "nncube_status {name}_run({name}_ctx *ctx)\n{{\n");
    for (local, _) in &act_locals {
        let _ = writeln!(c, "    uint8_t *{local};");
    }
    if uses_wts {
        c.push_str("    const uint8_t *wts;\n");
    }
    let _ = write!(
        c,
        "    if (ctx == NULL || {} == NULL) {{\n        return NNCUBE_ERROR_NOT_INITIALIZED;\n    }}\n",
        if multi {
            "ctx->pools[0]"
        } else {
            "ctx->activations"
        }
    );
    for (kind, ts) in [("inputs", &graph.inputs), ("outputs", &graph.outputs)] {
        for (i, t) in ts.iter().enumerate() {
            if mem.placement.caller_owned.contains(&mem.root(*t)) {
                let _ = write!(
                    c,
                    "    if (ctx->{kind}[{i}] == NULL) {{\n        return NNCUBE_ERROR_NULL_ARGUMENT; /* caller buffer not set */\n    }}\n"
                );
            }
        }
    }
    for (local, base) in &act_locals {
        let _ = writeln!(c, "    {local} = {base};");
    }
    if uses_wts {
        c.push_str("    wts = ctx->weights;\n");
    }
    c.push_str(&body);
    c.push_str("    return NNCUBE_OK;\n}\n");
    c
}

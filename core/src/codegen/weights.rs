//! The weights: which constant tensors the kernels read, where each lives, and the `<name>_data.h/.c` text.
//!
//! Blob mode (default): one `const uint8_t <name>_weights[]` array, every tensor at a 16-byte aligned offset, in
//! order of first use; the network reads it through the pointer given to `<name>_init`, so it can live anywhere.
//! Split mode: one aligned array per tensor, referenced by symbol. The filter and bias of int8 convolutions and
//! fully connected layers are stored re-arranged for their kernel, one entry per node (see [`super::pack`]), and
//! so are int8 3×3 depthwise layers (one stream per node, see [`super::pack_depthwise`]).

use super::CodegenError;
use super::pack::{self, PackedMatmul};
use super::pack_depthwise;
use crate::ir::{Graph, Op, TensorId};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Alignment of every weights tensor in the blob, in bytes.
const WEIGHTS_ALIGN_BYTES: usize = 16;

/// What a blob entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WeightKey {
    /// A constant tensor, as imported.
    Tensor(TensorId),
    /// The re-arranged filter of node `n` (see [`pack`]; for a 3×3 depthwise node its whole stream, see
    /// [`pack_depthwise`]).
    PackedFilter(usize),
    /// The folded bias of node `n` (see [`pack`]).
    PackedBias(usize),
}

/// One blob entry.
#[derive(Debug, Clone)]
pub struct WeightEntry {
    /// What it holds.
    pub key: WeightKey,
    /// Offset in the blob.
    pub offset: usize,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// A comment for the split-mode declaration.
    pub comment: String,
}

/// Constant tensors and their blob offsets.
#[derive(Debug, Default)]
pub struct WeightTable {
    /// Entries in order of first use.
    pub entries: Vec<WeightEntry>,
    /// Offsets by key.
    pub offsets: BTreeMap<WeightKey, usize>,
    /// Blob size in bytes (0 when there are no weights).
    pub total_bytes: usize,
}

impl WeightTable {
    fn push(&mut self, key: WeightKey, bytes: Vec<u8>, comment: String) {
        if self.offsets.contains_key(&key) {
            return;
        }
        let offset = self.total_bytes.next_multiple_of(WEIGHTS_ALIGN_BYTES);
        self.offsets.insert(key, offset);
        self.total_bytes = offset + bytes.len();
        self.entries.push(WeightEntry {
            key,
            offset,
            bytes,
            comment,
        });
    }

    /// Collects the constants read by kernels (shape operands of views are not weights). The filter and bias
    /// of int8 matmul nodes ([`pack::is_matmul_node`]) are stored re-arranged, per node; `Err` names the node
    /// whose weights cannot be packed and why.
    pub fn collect(graph: &Graph) -> Result<Self, CodegenError> {
        let mut table = WeightTable::default();
        for (i, node) in graph.nodes.iter().enumerate() {
            if node.op.is_view() {
                continue;
            }
            // Pad's paddings and fill value are baked into the generated code.
            let operands = if matches!(node.op, Op::Pad) {
                &node.inputs[..1]
            } else if let Some(records) = pack::pointwise_records(graph, node) {
                table.push(
                    WeightKey::PackedFilter(i),
                    records,
                    format!("node {i} `{}`: 1x1 channel records", node.name),
                );
                &node.inputs[..1]
            } else if pack::is_matmul_node(graph, node) {
                let PackedMatmul { filter, bias } =
                    pack::pack(graph, node).map_err(|reason| CodegenError::Unsupported {
                        node: node.name.clone(),
                        op: node.op.name().to_string(),
                        reason,
                    })?;
                table.push(
                    WeightKey::PackedFilter(i),
                    filter,
                    format!("node {i} `{}`: filter, pair-interleaved", node.name),
                );
                table.push(
                    WeightKey::PackedBias(i),
                    bias,
                    format!(
                        "node {i} `{}`: bias with the input offset folded in",
                        node.name
                    ),
                );
                &node.inputs[..1]
            } else if let Some(plan) = pack_depthwise::plan(graph, node) {
                table.push(
                    WeightKey::PackedFilter(i),
                    plan.pack(),
                    format!(
                        "node {i} `{}`: depthwise 3x3 filter, folded bias and requantization records",
                        node.name
                    ),
                );
                &node.inputs[..1]
            } else {
                &node.inputs[..]
            };
            for &t in operands.iter().flatten() {
                let tensor = graph.tensor(t);
                if let Some(d) = &tensor.data {
                    table.push(
                        WeightKey::Tensor(t),
                        d.bytes().to_vec(),
                        format!("{} {}", tensor.name, tensor.ty),
                    );
                }
            }
        }
        Ok(table)
    }
}

/// The C symbol of an entry in split mode.
pub fn split_symbol(name: &str, key: WeightKey) -> String {
    match key {
        WeightKey::Tensor(t) => format!("{name}_w{}", t.0),
        WeightKey::PackedFilter(n) => format!("{name}_n{n}_filter"),
        WeightKey::PackedBias(n) => format!("{name}_n{n}_bias"),
    }
}

fn push_bytes(out: &mut String, bytes: &[u8]) {
    for (i, chunk) in bytes.chunks(16).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        for b in chunk {
            let _ = write!(out, "0x{b:02x},");
        }
    }
    out.push('\n');
}

/// `<name>_data.h` and `<name>_data.c`.
pub fn emit_data(name: &str, table: &WeightTable, split: bool) -> (String, String) {
    let upper = name.to_ascii_uppercase();
    let mut h = format!(
        "/* {name}_data.h: weights of network `{name}`. Generated by nncube {}; do not edit. */\n\
         #ifndef {upper}_DATA_H\n#define {upper}_DATA_H\n\n#include <stdint.h>\n\n\
         #if defined(__GNUC__) || defined(__clang__)\n#define {upper}_WEIGHTS_ALIGN __attribute__((aligned({WEIGHTS_ALIGN_BYTES})))\n\
         #else\n#define {upper}_WEIGHTS_ALIGN\n#endif\n\n",
        crate::VERSION
    );
    let mut c = format!(
        "/* {name}_data.c: weights of network `{name}`. Generated by nncube {}; do not edit. */\n#include \"{name}_data.h\"\n\n",
        crate::VERSION
    );
    if split {
        for e in &table.entries {
            let symbol = split_symbol(name, e.key);
            let len = e.bytes.len().max(1);
            let _ = writeln!(
                h,
                "/* {} */\nextern const uint8_t {symbol}[{len}];",
                e.comment.replace("*/", "* /"),
            );
            let _ = writeln!(
                c,
                "{upper}_WEIGHTS_ALIGN const uint8_t {symbol}[{len}] = {{"
            );
            push_bytes(&mut c, if e.bytes.is_empty() { &[0] } else { &e.bytes });
            c.push_str("};\n\n");
        }
    } else {
        let mut blob = vec![0u8; table.total_bytes.max(1)];
        for e in &table.entries {
            blob[e.offset..e.offset + e.bytes.len()].copy_from_slice(&e.bytes);
        }
        let _ = writeln!(
            h,
            "/* All weights in one blob; pass it (or a copy anywhere in memory) to {name}_init. */\n\
             extern const uint8_t {name}_weights[{}];",
            blob.len()
        );
        let _ = writeln!(
            c,
            "{upper}_WEIGHTS_ALIGN const uint8_t {name}_weights[{}] = {{",
            blob.len()
        );
        push_bytes(&mut c, &blob);
        c.push_str("};\n");
    }
    h.push_str(&format!("\n#endif /* {upper}_DATA_H */\n"));
    (h, c)
}

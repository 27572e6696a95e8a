//! Weights re-arranged at generation time for the blocked int8 matrix product (`nncube_matmul.c`), which runs
//! int8 convolutions (not depthwise), conv+pool and fully connected layers. Layouts are documented in
//! docs/kernels.md.
//!
//! - **Filter**: rows (output channels) of `depth` values (`k_h·k_w·in_c` or `in_features`) go in pairs; a pair
//!   is stored as 4-byte groups alternating between its two rows (`r0[0..4] r1[0..4] r0[4..8] r1[4..8] …`), so
//!   one pointer streams both rows with 8-byte steps. Rows are padded with zeros to a multiple of 4; an odd last
//!   row is stored alone (padded too).
//! - **Bias**: `bias[c] − zp_in·Σ_k w[c][k]` (the input offset folded in), always present, so the inner loop
//!   multiplies raw int8 inputs: Σ (a + ao)·w = Σ a·w + ao·Σ w. Padding taps of a convolution hold the input
//!   zero point, so they contribute exactly nothing, as in TFLite.
//! - **1×1 channel records** ([`pointwise_records`]): for the 1×1 layers `nncube_conv1x1_small_s8` /
//!   `nncube_conv1x1_wide_s8` run (chosen per layer here), one record per output channel instead of the two above:
//!   twice the folded bias, the filter (doubled 16-bit lanes for in_c 8/16/32, int8 otherwise) and the output
//!   stage precomputed (multiplier, rounding constant with the output offset, right shift).

use crate::arith::{
    activation_range_quantized, channel_multiplier, multiply_by_quantized_multiplier,
};
use crate::ir::{Activation, DType, Graph, Node, Op};

/// The re-arranged operands of one int8 matmul node.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedMatmul {
    /// Filter bytes in the pair-interleaved layout.
    pub filter: Vec<u8>,
    /// Bias with the input offset folded in, `i32` little-endian.
    pub bias: Vec<u8>,
}

/// True for nodes whose int8 kernel reads packed operands: int8 [`Op::Conv2d`], [`Op::ConvPool2d`] and
/// [`Op::FullyConnected`] (activations and weights int8).
pub fn is_matmul_node(graph: &Graph, node: &Node) -> bool {
    let int8 = |i: usize| {
        node.input(i)
            .is_some_and(|t| graph.tensor(t).ty.dtype == DType::I8)
    };
    matches!(
        node.op,
        Op::Conv2d { .. } | Op::ConvPool2d { .. } | Op::FullyConnected { .. }
    ) && int8(0)
        && int8(1)
}

/// Packs the filter and bias of a matmul node (see [`is_matmul_node`]). Errors say why it cannot be packed.
pub fn pack(graph: &Graph, node: &Node) -> Result<PackedMatmul, String> {
    let input = node.input(0).ok_or("the input operand is missing")?;
    let filter = node.input(1).ok_or("the filter operand is missing")?;
    let ft = graph.tensor(filter);
    let data = ft
        .data
        .as_ref()
        .ok_or("int8 weights must be constant (the kernel reads them re-arranged)")?;
    let rows = ft.ty.shape.first().copied().unwrap_or(0);
    if rows == 0 {
        return Err("the weights have no output channel".into());
    }
    let values = data.as_i8();
    let depth = values.len() / rows;
    if depth * rows != values.len() {
        return Err("the weights' size is not a multiple of the output channels".into());
    }
    let (_, in_zp) = graph
        .tensor(input)
        .ty
        .per_tensor_quant()
        .ok_or("the int8 input needs per-tensor quantization")?;
    let bias = match node.input(2) {
        Some(b) => {
            let values = graph
                .tensor(b)
                .data
                .as_ref()
                .ok_or("the bias must be constant")?
                .as_i32();
            if values.len() != rows {
                return Err(format!(
                    "the bias has {} values for {rows} output channels",
                    values.len()
                ));
            }
            Some(values)
        }
        None => None,
    };
    Ok(PackedMatmul {
        filter: interleave_pairs(&values, rows, depth),
        bias: folded_bias(&values, rows, depth, bias.as_deref(), in_zp)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect(),
    })
}

/// `rows × depth` values in the pair-interleaved layout (module docs), `rows · ⌈depth/4⌉ · 4` bytes.
pub fn interleave_pairs(values: &[i8], rows: usize, depth: usize) -> Vec<u8> {
    let groups = depth.div_ceil(4);
    let mut out = Vec::with_capacity(rows * groups * 4);
    let byte = |r: usize, k: usize| {
        if k < depth {
            values[r * depth + k] as u8
        } else {
            0
        }
    };
    let mut r = 0;
    while r < rows {
        let pair = if r + 1 < rows { 2 } else { 1 };
        for g in 0..groups {
            for row in r..r + pair {
                out.extend((4 * g..4 * g + 4).map(|k| byte(row, k)));
            }
        }
        r += pair;
    }
    out
}

/// `bias[c] − in_zp · Σ_k w[c][k]` (wrapping, as the C kernel's int32 arithmetic).
pub fn folded_bias(
    values: &[i8],
    rows: usize,
    depth: usize,
    bias: Option<&[i32]>,
    in_zp: i32,
) -> Vec<i32> {
    (0..rows)
        .map(|r| {
            let sum: i32 = values[r * depth..(r + 1) * depth]
                .iter()
                .map(|&v| i32::from(v))
                .sum();
            bias.map_or(0, |b| b[r])
                .wrapping_sub(in_zp.wrapping_mul(sum))
        })
        .collect()
}

/// Input channel counts `nncube_conv1x1_*_s8` is unrolled for (records with the filter as doubled 16-bit lanes).
pub const POINTWISE_DEPTHS: [usize; 3] = [8, 16, 32];

/// Input channel counts of `nncube_conv1x1_*_s8`'s wide loop (records with the filter as int8): multiples of
/// 16 in this range (the kernel widens 6 input pixels on the stack: up to 3 KiB).
pub const POINTWISE_WIDE_DEPTHS: std::ops::RangeInclusive<usize> = 64..=256;

/// Whether `nncube_conv1x1_*_s8` runs 1×1 convolutions of `depth` input channels.
fn pointwise_depth(depth: usize) -> bool {
    POINTWISE_DEPTHS.contains(&depth) || (POINTWISE_WIDE_DEPTHS.contains(&depth) && depth % 16 == 0)
}

/// Output pixels per block of `nncube_conv1x1_*_s8`.
const POINTWISE_BLOCK_PIXELS: usize = 6;

/// Whether `nncube_conv1x1_*_s8` runs a layer of `pixels` output pixels: blocks of 6 pixels, the wide loop's last
/// block of at most 3 pixels in a 3-pixel loop; fewer than 12 pixels that are neither whole blocks nor (wide) a
/// multiple of 6 plus 3 waste more than the records save.
fn pointwise_pixels(pixels: usize, wide: bool) -> bool {
    let rest = pixels % POINTWISE_BLOCK_PIXELS;
    pixels >= 12 || rest == 0 || (wide && rest == POINTWISE_BLOCK_PIXELS / 2)
}

/// Largest output channel count of `nncube_conv_pool1x1_*_s8` (its pool accumulators are on the stack).
const POINTWISE_POOL_MAX_CHANNELS: usize = 256;

/// Largest in_c of `nncube_conv_pool1x1_wide_s8` (conv pixels in blocks of 6, 1.5 KiB widened on the stack);
/// deeper layers run `nncube_conv_pool1x1_deep_s8` (blocks of 5 and a last one of 4: 2.5 KiB).
pub const POINTWISE_POOL_WIDE_MAX_DEPTH: usize = 128;

/// Largest pooling window of `nncube_conv_pool1x1_*_s8`: its int16 accumulators hold the sum of 256 int8 values.
const POINTWISE_POOL_MAX_WINDOW: usize = 256;

/// Whether `nncube_conv_pool1x1_*_s8` runs a 1×1 conv+pool of `depth` input and `channels` output channels and a
/// pooling window of `window` pixels: the wide records only.
fn pointwise_pool(depth: usize, channels: usize, window: usize) -> bool {
    !POINTWISE_DEPTHS.contains(&depth)
        && channels <= POINTWISE_POOL_MAX_CHANNELS
        && window <= POINTWISE_POOL_MAX_WINDOW
}

/// Largest right shift of `nncube_conv1x1_*_s8`: with it the rounding constant `2^(e−1) + zp_out·2^e` plus the
/// rounded product (below 2^30 in magnitude) stays inside int32.
const POINTWISE_MAX_RIGHT: i32 = 22;

/// The per-channel records of `nncube_conv1x1_*_s8` (layout in `core/runtime/src/nncube_conv1x1.c`), as
/// little-endian bytes, when `node` is an int8 1×1 convolution (or, wide only, a 1×1 conv+pool: the records
/// requantize to its conv result's quantization) without padding, of `in_c` in [`POINTWISE_DEPTHS`] or a multiple
/// of 16 in [`POINTWISE_WIDE_DEPTHS`], symmetric weights, an activation that clamps nothing inside int8, every right
/// shift in `[1, 22]` and `|bias − zp_in·Σw| + in_c·2^14 < 2^30` for every channel (so twice any accumulator fits in int32);
/// `None` otherwise (the layer keeps the general matrix product).
pub fn pointwise_records(graph: &Graph, node: &Node) -> Option<Vec<u8>> {
    let (window, activation, out_ty, pool_window) = match &node.op {
        Op::Conv2d { window, activation } => {
            (window, activation, &graph.tensor(node.output()?).ty, None)
        }
        Op::ConvPool2d {
            window,
            activation,
            pool,
        } => (
            window,
            activation,
            &pool.conv_output,
            Some(pool.filter_h * pool.filter_w),
        ),
        _ => return None,
    };
    if !is_matmul_node(graph, node) || *activation == Activation::Tanh {
        return None;
    }
    let (input, filter) = (node.input(0)?, node.input(1)?);
    let ft = graph.tensor(filter);
    let &[rows, 1, 1, depth] = ft.ty.shape.as_slice() else {
        return None;
    };
    let pad = &window.padding;
    if !pointwise_depth(depth)
        || pad.top + pad.bottom + pad.left + pad.right != 0
        || out_ty.dtype != DType::I8
    {
        return None;
    }
    let wide = !POINTWISE_DEPTHS.contains(&depth);
    if let Some(pool_window) = pool_window {
        if !pointwise_pool(depth, rows, pool_window) {
            return None;
        }
    } else if !pointwise_pixels(out_ty.shape.iter().rev().skip(1).product(), wide) {
        return None;
    }
    let (in_scale, in_zp) = graph.tensor(input).ty.per_tensor_quant()?;
    let (out_scale, out_zp) = out_ty.per_tensor_quant()?;
    if activation_range_quantized(*activation, out_scale, out_zp, -128, 127) != (-128, 127) {
        return None;
    }
    let fq = ft.ty.quant.as_ref()?;
    let values = ft.data.as_ref()?.as_i8();
    let bias = match node.input(2) {
        Some(b) => Some(graph.tensor(b).data.as_ref()?.as_i32()),
        None => None,
    };
    if values.len() != rows * depth || bias.as_ref().is_some_and(|b| b.len() != rows) {
        return None;
    }
    let folded = folded_bias(&values, rows, depth, bias.as_deref(), in_zp);
    let mut bytes: Vec<u8> = Vec::with_capacity(rows * (16 + 2 * depth));
    for (c, &fb) in folded.iter().enumerate() {
        let w = &values[c * depth..(c + 1) * depth];
        // |accumulator| ≤ |bias| + 128·Σ|w| for int8 inputs.
        let bound = i64::from(fb).abs() + 128 * w.iter().map(|&v| i64::from(v).abs()).sum::<i64>();
        let q = channel_multiplier(in_scale, fq.scale(c), out_scale);
        if fq.zero_point(c) != 0 || q.multiplier < 0 {
            return None;
        }
        let (fb, m, k, e) = if w.iter().all(|&v| v == 0) {
            // A dead channel (zero filter): its output is a constant v, made as (k = 2v + 1) >> 1 from m = 0.
            let v = (multiply_by_quantized_multiplier(fb, q) + out_zp).clamp(-128, 127);
            (0, 0, 2 * v + 1, 1)
        } else if bound >= 1 << 30 {
            return None;
        } else if always_zero(bound, q.multiplier, q.shift) {
            // The requantized value is 0 for every input: the output zero point.
            (fb, 0, 1 + 2 * out_zp, 1)
        } else if (1..=POINTWISE_MAX_RIGHT).contains(&-q.shift) {
            let e = -q.shift;
            (fb, q.multiplier, (1 << (e - 1)) + out_zp * (1 << e), e)
        } else {
            return None;
        };
        bytes.extend((2 * fb).to_le_bytes());
        if wide {
            bytes.extend(w.iter().map(|&v| v as u8));
        } else {
            let lanes = |lo: i8, hi: i8| {
                let half = |v: i8| u32::from((2 * i16::from(v)) as u16);
                (half(lo) | half(hi) << 16) as i32
            };
            for g in w.chunks_exact(4) {
                bytes.extend(lanes(g[0], g[2]).to_le_bytes());
                bytes.extend(lanes(g[1], g[3]).to_le_bytes());
            }
        }
        for v in [m, k, e] {
            bytes.extend(v.to_le_bytes());
        }
    }
    Some(bytes)
}

/// Whether TFLite's requantization of every accumulator `|x| ≤ bound` with `multiplier` and `shift` is 0: a zero
/// multiplier, or a right shift `e` with `|round(x·m / 2^31)| < 2^(e−1)` (then the rounding shift gives 0). Such
/// channels (dead channels of folded batch norms: shift −31 or a zero multiplier) output the zero point.
fn always_zero(bound: i64, multiplier: i32, shift: i32) -> bool {
    multiplier == 0
        || (shift <= -1
            && (i128::from(bound) * i128::from(multiplier) + (1i128 << 30)) >> 31
                < 1i128 << (-shift - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_interleave_in_groups_of_four_with_zero_padding() {
        // 3 rows of depth 5: rows 0/1 interleaved, row 2 alone; each row padded to 8 bytes.
        let v: Vec<i8> = (1..=15).collect();
        let packed = interleave_pairs(&v, 3, 5);
        assert_eq!(
            packed,
            vec![
                1, 2, 3, 4, 6, 7, 8, 9, //
                5, 0, 0, 0, 10, 0, 0, 0, //
                11, 12, 13, 14, 15, 0, 0, 0
            ]
        );
    }

    /// A 1×1 conv of in_c 8 (input zero point −2, scale 0.5; weights per channel; output scale 1, zero point 3):
    /// channel 0 live (weight scale 1/64: effective 2^−7, shift −6), channel 1 a zero filter with a large bias.
    fn pointwise_graph(activation: crate::ir::Activation, bias1: i32) -> Graph {
        use crate::ir::{ConstData, Padding2d, Quant, TensorType, Window2d};
        let mut g = Graph::new("pw");
        let x = g.add_tensor(
            "x",
            TensorType::new(DType::I8, vec![1, 2, 3, 8]).quantized(0.5, -2),
        );
        let mut fty = TensorType::new(DType::I8, vec![2, 1, 1, 8]);
        fty.quant = Some(Quant::PerChannel {
            scales: vec![1.0 / 64.0, 1.0 / 64.0],
            zero_points: vec![0, 0],
            axis: 0,
        });
        let mut w: Vec<i8> = (1..=8).collect();
        w.extend([0; 8]);
        let f = g.add_const("f", fty, ConstData::from_i8(&w));
        let b = g.add_const(
            "b",
            TensorType::new(DType::I32, vec![2]),
            ConstData::from_i32(&[10, bias1]),
        );
        let y = g.add_tensor(
            "y",
            TensorType::new(DType::I8, vec![1, 2, 3, 2]).quantized(1.0, 3),
        );
        let window = Window2d {
            stride_h: 1,
            stride_w: 1,
            dilation_h: 1,
            dilation_w: 1,
            padding: Padding2d::default(),
        };
        g.add_node(
            "pw",
            Op::Conv2d { window, activation },
            vec![Some(x), Some(f), Some(b)],
            vec![y],
        );
        g.outputs.push(y);
        g
    }

    fn words(bytes: &[u8]) -> Vec<i32> {
        bytes
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    #[test]
    fn pointwise_records_hold_the_doubled_filter_and_the_output_stage() {
        let g = pointwise_graph(crate::ir::Activation::None, 1 << 30);
        let r = words(&pointwise_records(&g, &g.nodes[0]).unwrap());
        assert_eq!(r.len(), 2 * (4 + 4));
        // Channel 0: 2·(10 + 2·36), lanes (2·1, 2·3) (2·2, 2·4) (2·5, 2·7) (2·6, 2·8), m = 2^30, k = 2^5 + 3·2^6, e = 6.
        assert_eq!(r[0], 2 * (10 + 2 * 36));
        assert_eq!(
            &r[1..5],
            &[2 | 6 << 16, 4 | 8 << 16, 10 | 14 << 16, 12 | 16 << 16]
        );
        assert_eq!(&r[5..8], &[1 << 30, 32 + 3 * 64, 6]);
        // Channel 1 (zero filter): the constant 2^30 · 2^−7 + 3, clamped to 127, as k = 2·127 + 1 with m = 0, e = 1.
        assert_eq!(&r[8..16], &[0, 0, 0, 0, 0, 0, 255, 1]);
    }

    #[test]
    fn pointwise_records_refuse_clamps_and_unbounded_accumulators() {
        use crate::ir::Activation;
        let g = pointwise_graph(Activation::Relu6, 0);
        assert!(pointwise_records(&g, &g.nodes[0]).is_none());
        // A live channel's bias beyond |x| < 2^30 is refused; a dead channel's is not.
        let mut g = pointwise_graph(Activation::None, 0);
        let b = g.nodes[0].input(2).unwrap();
        g.tensors[b.0 as usize].data = Some(crate::ir::ConstData::from_i32(&[1 << 30, 0]));
        assert!(pointwise_records(&g, &g.nodes[0]).is_none());
    }

    #[test]
    fn requantization_is_always_zero_only_when_the_bound_proves_it() {
        assert!(always_zero(1 << 29, 0, 0));
        // 2^20 · 2^30 / 2^31 = 2^19 < 2^30 (shift −31): always 0; with shift −20, not.
        assert!(always_zero(1 << 20, 1 << 30, -31));
        assert!(!always_zero(1 << 20, 1 << 30, -20));
        assert!(!always_zero(1, 1 << 30, 0));
    }

    #[test]
    fn bias_folds_the_input_offset() {
        let v: Vec<i8> = vec![1, -2, 3, 4, 5, -6];
        // Σ row 0 = 2, Σ row 1 = 3; zero point -128 → + 128 · Σ.
        assert_eq!(
            folded_bias(&v, 2, 3, Some(&[10, -10]), -128),
            vec![266, 374]
        );
        assert_eq!(folded_bias(&v, 2, 3, None, 5), vec![-10, -15]);
    }
}

//! Overlaps the kernel memory contract allows between a node's output and an input that dies at that node.
//!
//! The contract (docs/memory-planner.md): window and pixel-wise kernels (conv, depthwise, pooling, fused
//! conv + pooling, elementwise, fully connected) visit output pixels in increasing NHWC order (batch, y, x — every dimension but the last);
//! after writing any byte of output pixel `p` they only read input bytes needed by output pixels `≥ p − 3`.
//!
//! For an output at byte offset `o` and an input at `i`, with `x = o − i`, the placement is safe when
//! `x ≤ max_shift` (every byte written lies below every input byte still needed) or `x ≥ min_shift_above`
//! (every byte written lies above every input byte the kernel ever reads). Both thresholds are exact:
//! `max_shift + 1` and `min_shift_above − 1` are unsafe (checked by brute force in the tests).

use crate::ir::{Graph, Node, Op, PoolAttrs, TensorType, Window2d};

/// How many pixels behind the pixel being written a kernel may still read (the contract's "p − 3").
pub const CONTRACT_LAG_PIXELS: usize = 3;

/// The safe relative placements of an output buffer w.r.t. one input buffer dying at the same node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OverlapRule {
    /// Safe when `output offset − input offset ≤ max_shift` (may be negative).
    pub max_shift: i64,
    /// Safe when `output offset − input offset ≥ min_shift_above` (at most the input's size).
    pub min_shift_above: i64,
}

impl OverlapRule {
    /// True when the output may start `shift` bytes after the input's start.
    pub fn allows(&self, shift: i64) -> bool {
        shift <= self.max_shift || shift >= self.min_shift_above
    }

    /// The safe set common to two rules (a buffer read through two operands must satisfy both).
    pub fn intersect(self, other: OverlapRule) -> OverlapRule {
        OverlapRule {
            max_shift: self.max_shift.min(other.max_shift),
            min_shift_above: self.min_shift_above.max(other.min_shift_above),
        }
    }
}

/// Per output pixel, the lowest input byte that pixel reads (`None`: it reads none), plus sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelGeometry {
    /// Lowest input byte offset read by each output pixel, in visiting order.
    pub first_read: Vec<Option<u64>>,
    /// One past the highest input byte any output pixel reads.
    pub read_end: u64,
    /// Bytes of one output pixel.
    pub out_pixel_bytes: u64,
}

/// Derives the rule from a pixel geometry: `max_shift = min_p (first byte still needed at p − end of pixel p)`.
pub fn rule_from_geometry(geo: &PixelGeometry) -> Option<OverlapRule> {
    let n = geo.first_read.len();
    if n == 0 || geo.first_read.iter().all(Option::is_none) {
        return None;
    }
    // suffix[q] = lowest byte read by any pixel ≥ q.
    let mut suffix = vec![None::<u64>; n + 1];
    for q in (0..n).rev() {
        suffix[q] = match (geo.first_read[q], suffix[q + 1]) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let mut max_shift = i64::MAX;
    for p in 0..n {
        if let Some(still_needed) = suffix[p.saturating_sub(CONTRACT_LAG_PIXELS)] {
            let end_of_p = (p as u64 + 1) * geo.out_pixel_bytes;
            max_shift = max_shift.min(still_needed as i64 - end_of_p as i64);
        }
    }
    Some(OverlapRule {
        max_shift,
        min_shift_above: geo.read_end as i64,
    })
}

/// The rule for `node`'s output over its operand `operand` (an activation dying at this node), or `None`
/// when the kernel gives no guarantee for this operand (the buffers must then be disjoint).
pub fn node_operand_rule(graph: &Graph, node: &Node, operand: usize) -> Option<OverlapRule> {
    if node.outputs.len() != 1 {
        return None;
    }
    let input = &graph.tensor(node.input(operand)?).ty;
    let output = &graph.tensor(node.output()?).ty;
    let geo = match &node.op {
        Op::Conv2d { window, .. } | Op::DepthwiseConv2d { window, .. } if operand == 0 => {
            let filter = &graph.tensor(node.input(1)?).ty.shape;
            window_geometry(input, output, *window, *filter.get(1)?, *filter.get(2)?)?
        }
        Op::ConvPool2d { window, pool, .. } if operand == 0 => {
            let filter = &graph.tensor(node.input(1)?).ty.shape;
            conv_pool_geometry(
                input,
                output,
                *window,
                *filter.get(1)?,
                *filter.get(2)?,
                pool,
            )?
        }
        Op::AveragePool2d {
            filter_h,
            filter_w,
            window,
            ..
        }
        | Op::MaxPool2d {
            filter_h,
            filter_w,
            window,
            ..
        } if operand == 0 => window_geometry(input, output, *window, *filter_h, *filter_w)?,
        Op::FullyConnected { .. } if operand == 0 => fully_connected_geometry(input, output)?,
        Op::Add { .. } | Op::Sub { .. } | Op::Mul { .. } if operand < 2 => {
            elementwise_geometry(input, output)?
        }
        Op::Relu
        | Op::Relu6
        | Op::ReluN1To1
        | Op::LeakyRelu { .. }
        | Op::HardSwish
        | Op::Logistic
        | Op::Tanh
        | Op::Quantize
        | Op::Dequantize
            if operand == 0 =>
        {
            elementwise_geometry(input, output)?
        }
        _ => return None,
    };
    rule_from_geometry(&geo)
}

/// Conv, depthwise and pooling: NHWC input and output; pixel `(n, oy, ox)` reads rows
/// `oy·stride − pad_top + ky·dilation` and columns likewise, clipped to the input, all channels.
pub fn window_geometry(
    input: &TensorType,
    output: &TensorType,
    window: Window2d,
    k_h: usize,
    k_w: usize,
) -> Option<PixelGeometry> {
    let spans = window_pixel_spans(input, output, window, k_h, k_w)?;
    let oc = *output.shape.last()?;
    Some(PixelGeometry {
        first_read: spans.iter().map(|s| s.map(|(first, _)| first)).collect(),
        read_end: spans
            .iter()
            .flatten()
            .map(|&(_, end)| end)
            .max()
            .unwrap_or(0),
        out_pixel_bytes: (oc * output.dtype.size_bytes()) as u64,
    })
}

/// Per output pixel of a window op (NHWC order): the lowest input byte it reads and one past the highest, or
/// `None` when its window lies entirely in the padding.
fn window_pixel_spans(
    input: &TensorType,
    output: &TensorType,
    window: Window2d,
    k_h: usize,
    k_w: usize,
) -> Option<Vec<Option<(u64, u64)>>> {
    let [n, h, w, c] = <[usize; 4]>::try_from(input.shape.as_slice()).ok()?;
    let [on, oh, ow, _] = <[usize; 4]>::try_from(output.shape.as_slice()).ok()?;
    if n != on || k_h == 0 || k_w == 0 {
        return None;
    }
    let in_elem = input.dtype.size_bytes() as u64;
    let first_valid = |o: usize, stride: usize, pad: usize, dil: usize, k: usize, size: usize| {
        (0..k)
            .map(|kk| (o * stride + kk * dil) as i64 - pad as i64)
            .find(|&i| i >= 0 && i < size as i64)
            .map(|i| i as u64)
    };
    let last_valid = |o: usize, stride: usize, pad: usize, dil: usize, k: usize, size: usize| {
        (0..k)
            .rev()
            .map(|kk| (o * stride + kk * dil) as i64 - pad as i64)
            .find(|&i| i >= 0 && i < size as i64)
            .map(|i| i as u64)
    };
    let p = window.padding;
    let mut spans = Vec::with_capacity(n * oh * ow);
    for b in 0..n {
        for oy in 0..oh {
            let rows = (
                first_valid(oy, window.stride_h, p.top, window.dilation_h, k_h, h),
                last_valid(oy, window.stride_h, p.top, window.dilation_h, k_h, h),
            );
            for ox in 0..ow {
                let cols = (
                    first_valid(ox, window.stride_w, p.left, window.dilation_w, k_w, w),
                    last_valid(ox, window.stride_w, p.left, window.dilation_w, k_w, w),
                );
                let pixel = |y: u64, x: u64| ((b as u64 * h as u64 + y) * w as u64 + x) * c as u64;
                spans.push(match (rows, cols) {
                    ((Some(y0), Some(y1)), (Some(x0), Some(x1))) => Some((
                        pixel(y0, x0) * in_elem,
                        (pixel(y1, x1) + c as u64) * in_elem,
                    )),
                    _ => None,
                });
            }
        }
    }
    Some(spans)
}

/// Fused convolution + pooling (`nncube_conv_pool2d_*`): pooled pixel `(n, py, px)` computes the convolution
/// values of its pooling window — conv pixels `py·stride − pad_top + fy` (clipped to the convolution's output,
/// as the kernel clips them) and likewise for columns — so it reads the union of their receptive fields. The
/// convolution's output never exists in memory; the pooled output pixels are visited in NHWC order, as the
/// contract requires.
pub fn conv_pool_geometry(
    input: &TensorType,
    output: &TensorType,
    window: Window2d,
    k_h: usize,
    k_w: usize,
    pool: &PoolAttrs,
) -> Option<PixelGeometry> {
    let conv = &pool.conv_output;
    let spans = window_pixel_spans(input, conv, window, k_h, k_w)?;
    let [n, ch, cw, _] = <[usize; 4]>::try_from(conv.shape.as_slice()).ok()?;
    let [on, ph, pw, oc] = <[usize; 4]>::try_from(output.shape.as_slice()).ok()?;
    if n != on || pool.filter_h == 0 || pool.filter_w == 0 {
        return None;
    }
    let clip = |o: usize, stride: usize, pad: usize, k: usize, size: usize| {
        let start = (o * stride) as i64 - pad as i64;
        let lo = start.max(0) as usize;
        let hi = (start + k as i64).clamp(0, size as i64) as usize;
        lo..hi.max(lo)
    };
    let pool_window = pool.window;
    let mut first_read = Vec::with_capacity(n * ph * pw);
    let mut read_end = 0u64;
    for b in 0..n {
        for py in 0..ph {
            for px in 0..pw {
                let mut span: Option<(u64, u64)> = None;
                for y in clip(
                    py,
                    pool_window.stride_h,
                    pool_window.padding.top,
                    pool.filter_h,
                    ch,
                ) {
                    for x in clip(
                        px,
                        pool_window.stride_w,
                        pool_window.padding.left,
                        pool.filter_w,
                        cw,
                    ) {
                        if let Some((first, end)) = spans[(b * ch + y) * cw + x] {
                            span = Some(match span {
                                Some((f, e)) => (f.min(first), e.max(end)),
                                None => (first, end),
                            });
                        }
                    }
                }
                first_read.push(span.map(|(first, _)| first));
                read_end = read_end.max(span.map_or(0, |(_, end)| end));
            }
        }
    }
    Some(PixelGeometry {
        first_read,
        read_end,
        out_pixel_bytes: (oc * output.dtype.size_bytes()) as u64,
    })
}

/// Fully connected: output row `b` (a pixel) reads input row `b` whole.
pub fn fully_connected_geometry(input: &TensorType, output: &TensorType) -> Option<PixelGeometry> {
    let out_units = *output.shape.last()?;
    let rows = output.num_elements().checked_div(out_units)?;
    let row_bytes = (input.num_elements().checked_div(rows)? * input.dtype.size_bytes()) as u64;
    if row_bytes == 0 || rows as u64 * row_bytes != input.size_bytes() as u64 {
        return None;
    }
    Some(PixelGeometry {
        first_read: (0..rows as u64).map(|r| Some(r * row_bytes)).collect(),
        read_end: input.size_bytes() as u64,
        out_pixel_bytes: (out_units * output.dtype.size_bytes()) as u64,
    })
}

/// Elementwise without broadcasting on this operand: pixel `p` reads input pixel `p` (same shape).
pub fn elementwise_geometry(input: &TensorType, output: &TensorType) -> Option<PixelGeometry> {
    if input.shape != output.shape {
        return None;
    }
    let channels = output.shape.last().copied().unwrap_or(1);
    let pixels = output.num_elements().checked_div(channels)?;
    let in_pixel = (channels * input.dtype.size_bytes()) as u64;
    Some(PixelGeometry {
        first_read: (0..pixels as u64).map(|q| Some(q * in_pixel)).collect(),
        read_end: input.size_bytes() as u64,
        out_pixel_bytes: (channels * output.dtype.size_bytes()) as u64,
    })
}

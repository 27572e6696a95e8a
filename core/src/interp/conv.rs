//! `CONV_2D` and `DEPTHWISE_CONV_2D`: float, and int8 with per-channel requantization (TFLM's
//! `ConvPerChannel` / `DepthwiseConvPerChannel`).
//!
//! Int8: `acc = bias[c] + Σ filter · (input − input_zp)` over the in-bounds taps (padding contributes nothing),
//! then `MultiplyByQuantizedMultiplier(acc, M[c]) + output_zp`, clamped to the fused activation's range.
//! `M[c] = QuantizeMultiplier((double)input_scale · (double)filter_scale[c] / (double)output_scale)`.
//! Float: taps accumulate in TFLM's order (filter row, column, input channel), then bias, then activation.

use super::kernel::{NodeCx, activate_f32, saturate_i8};
use super::{InterpError, TensorData};
use crate::arith::{QuantizedMultiplier, channel_multiplier, multiply_by_quantized_multiplier};
use crate::ir::{Activation, DType, Quant, Window2d};

/// Shapes and window of one convolution, NHWC.
struct Geometry {
    batch: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    k_h: usize,
    k_w: usize,
    out_h: usize,
    out_w: usize,
    out_c: usize,
    window: Window2d,
}

impl Geometry {
    fn new(cx: &NodeCx<'_>, window: &Window2d) -> Result<Self, InterpError> {
        let x = &cx.input_ty(0)?.shape;
        let f = &cx.input_ty(1)?.shape;
        let y = &cx.output_ty(0)?.shape;
        if x.len() != 4 || f.len() != 4 || y.len() != 4 {
            return Err(cx.malformed("input, filter and output must be 4-D"));
        }
        Ok(Self {
            batch: x[0],
            in_h: x[1],
            in_w: x[2],
            in_c: x[3],
            k_h: f[1],
            k_w: f[2],
            out_h: y[1],
            out_w: y[2],
            out_c: y[3],
            window: *window,
        })
    }

    /// Calls `tap(out_index_base, in_pixel_index, ky, kx)` for every in-bounds filter tap of output pixel
    /// `(b, oy, ox)`; `in_pixel_index` is the input's flat index of channel 0.
    fn for_each_tap(
        &self,
        b: usize,
        oy: usize,
        ox: usize,
        mut tap: impl FnMut(usize, usize, usize),
    ) {
        let w = &self.window;
        let y0 = (oy * w.stride_h) as isize - w.padding.top as isize;
        let x0 = (ox * w.stride_w) as isize - w.padding.left as isize;
        for ky in 0..self.k_h {
            let iy = y0 + (ky * w.dilation_h) as isize;
            if iy < 0 || iy >= self.in_h as isize {
                continue;
            }
            for kx in 0..self.k_w {
                let ix = x0 + (kx * w.dilation_w) as isize;
                if ix < 0 || ix >= self.in_w as isize {
                    continue;
                }
                let pixel = ((b * self.in_h + iy as usize) * self.in_w + ix as usize) * self.in_c;
                tap(pixel, ky, kx);
            }
        }
    }

    fn out_len(&self) -> usize {
        self.batch * self.out_h * self.out_w * self.out_c
    }

    /// For every output pixel, sums `x · w` over its in-bounds taps into one accumulator per output channel
    /// (TFLM's order: filter row, column, input channel), then appends `finish(channel, acc)`.
    fn accumulate<T: Mac, O>(
        &self,
        taps: Taps,
        xs: &[T],
        fs: &[T],
        finish: impl Fn(usize, T) -> O,
    ) -> Vec<O> {
        let filter_len = self.k_h * self.k_w * self.in_c;
        let mut out = Vec::with_capacity(self.out_len());
        let mut acc = vec![T::default(); self.out_c];
        for b in 0..self.batch {
            for oy in 0..self.out_h {
                for ox in 0..self.out_w {
                    acc.fill(T::default());
                    self.for_each_tap(b, oy, ox, |pixel, ky, kx| {
                        let xin = &xs[pixel..pixel + self.in_c];
                        let k = ky * self.k_w + kx;
                        match taps {
                            Taps::Full => {
                                for (c, a) in acc.iter_mut().enumerate() {
                                    let start = c * filter_len + k * self.in_c;
                                    let w = &fs[start..start + self.in_c];
                                    for (&xv, &wv) in xin.iter().zip(w) {
                                        *a = a.mac(xv, wv);
                                    }
                                }
                            }
                            Taps::Depthwise(m) => {
                                let w = &fs[k * self.out_c..(k + 1) * self.out_c];
                                for (oc, (a, &wv)) in acc.iter_mut().zip(w).enumerate() {
                                    *a = a.mac(xin[oc / m], wv);
                                }
                            }
                        }
                    });
                    out.extend(acc.iter().enumerate().map(|(c, &a)| finish(c, a)));
                }
            }
        }
        out
    }
}

/// Per-channel requantization of an int8 convolution: multipliers, offsets, clamp range and bias.
struct Requant {
    multipliers: Vec<QuantizedMultiplier>,
    input_offset: i32,
    output_zp: i32,
    act: (i32, i32),
    bias: Vec<i32>,
}

impl Requant {
    fn new(cx: &NodeCx<'_>, out_c: usize, activation: Activation) -> Result<Self, InterpError> {
        let (in_scale, in_zp) = cx.input_quant(0)?;
        let (out_scale, out_zp) = cx.output_quant()?;
        let filter_quant = cx
            .input_ty(1)?
            .quant
            .as_ref()
            .ok_or_else(|| cx.unsupported("an unquantized int8 filter"))?;
        let zero_points = match filter_quant {
            Quant::PerTensor { zero_point, .. } => vec![*zero_point],
            Quant::PerChannel { zero_points, .. } => zero_points.clone(),
        };
        if zero_points.iter().any(|&z| z != 0) {
            return Err(cx.unsupported("an int8 filter with a non-zero zero point"));
        }
        let multipliers = (0..out_c)
            .map(|c| channel_multiplier(in_scale, filter_quant.scale(c), out_scale))
            .collect();
        let bias = i32_bias(cx, out_c)?;
        Ok(Self {
            multipliers,
            input_offset: -in_zp,
            output_zp: out_zp,
            act: cx.activation_range_i8(activation)?,
            bias,
        })
    }

    fn finish(&self, c: usize, acc: i32) -> i8 {
        let v =
            multiply_by_quantized_multiplier(acc.wrapping_add(self.bias[c]), self.multipliers[c]);
        saturate_i8(v.wrapping_add(self.output_zp).clamp(self.act.0, self.act.1))
    }
}

/// The int32 bias of an int8 kernel (operand 2), or zeros when absent; `len` elements.
pub(crate) fn i32_bias(cx: &NodeCx<'_>, len: usize) -> Result<Vec<i32>, InterpError> {
    bias(cx, len, DType::I32, TensorData::as_i32)
}

/// The float bias (operand 2), or zeros when absent; `len` elements.
fn float_bias(cx: &NodeCx<'_>, len: usize) -> Result<Vec<f32>, InterpError> {
    bias(cx, len, DType::F32, TensorData::as_f32)
}

/// Operand 2 read with `values` when it is a `dtype` vector of `len` elements, zeros when absent.
fn bias<T: Clone + Default>(
    cx: &NodeCx<'_>,
    len: usize,
    dtype: DType,
    values: fn(&TensorData) -> Vec<T>,
) -> Result<Vec<T>, InterpError> {
    if !cx.has_input(2) {
        return Ok(vec![T::default(); len]);
    }
    let b = cx.input(2)?;
    if b.dtype != dtype || b.num_elements() != len {
        return Err(cx.unsupported(format!(
            "a {} bias of {} elements",
            b.dtype,
            b.num_elements()
        )));
    }
    Ok(values(b))
}

/// `CONV_2D`.
pub(crate) fn conv2d(
    cx: &NodeCx<'_>,
    window: &Window2d,
    activation: Activation,
) -> Result<TensorData, InterpError> {
    let g = Geometry::new(cx, window)?;
    let filter_c = cx.input_ty(1)?.shape[3];
    if filter_c != g.in_c {
        return Err(cx.unsupported(format!(
            "grouped convolution ({} input channels, filter depth {filter_c})",
            g.in_c
        )));
    }
    convolve(cx, &g, Taps::Full, activation)
}

/// `DEPTHWISE_CONV_2D`.
pub(crate) fn depthwise_conv2d(
    cx: &NodeCx<'_>,
    window: &Window2d,
    depth_multiplier: usize,
    activation: Activation,
) -> Result<TensorData, InterpError> {
    let g = Geometry::new(cx, window)?;
    if g.out_c != g.in_c * depth_multiplier {
        return Err(cx.malformed(format!(
            "{} output channels for {} input channels × multiplier {depth_multiplier}",
            g.out_c, g.in_c
        )));
    }
    convolve(cx, &g, Taps::Depthwise(depth_multiplier), activation)
}

/// How a filter tap connects input channels to output channels.
#[derive(Clone, Copy)]
enum Taps {
    /// `CONV_2D`: every output channel sums over all input channels; filter `[out_c, k_h, k_w, in_c]`.
    Full,
    /// `DEPTHWISE_CONV_2D` with this depth multiplier: output channel `oc` reads input channel `oc / m`;
    /// filter `[1, k_h, k_w, out_c]`.
    Depthwise(usize),
}

/// One multiply-accumulate step: wrapping for `i32`, in order for `f32`.
trait Mac: Copy + Default {
    fn mac(self, x: Self, w: Self) -> Self;
}

impl Mac for i32 {
    fn mac(self, x: i32, w: i32) -> i32 {
        self.wrapping_add(x.wrapping_mul(w))
    }
}

impl Mac for f32 {
    fn mac(self, x: f32, w: f32) -> f32 {
        self + x * w
    }
}

/// Runs the convolution for the operands' dtypes: int8 with per-channel requantization, or float.
fn convolve(
    cx: &NodeCx<'_>,
    g: &Geometry,
    taps: Taps,
    activation: Activation,
) -> Result<TensorData, InterpError> {
    let out_shape = cx.output_ty(0)?.shape.clone();
    let x = cx.input(0)?;
    let f = cx.input(1)?;
    match (x.dtype, f.dtype) {
        (DType::I8, DType::I8) => {
            let rq = Requant::new(cx, g.out_c, activation)?;
            let xs: Vec<i32> = x
                .as_i8()
                .into_iter()
                .map(|v| i32::from(v) + rq.input_offset)
                .collect();
            let fs: Vec<i32> = f.as_i8().into_iter().map(i32::from).collect();
            let out = g.accumulate(taps, &xs, &fs, |c, a| rq.finish(c, a));
            Ok(TensorData::from_i8(out_shape, &out))
        }
        (DType::F32, DType::F32) => {
            let bias = float_bias(cx, g.out_c)?;
            let out = g.accumulate(taps, &x.as_f32(), &f.as_f32(), |c, a| {
                activate_f32(activation, a + bias[c])
            });
            Ok(TensorData::from_f32(out_shape, &out))
        }
        (a, b) => Err(cx.unsupported(format!("input dtype {a} with filter dtype {b}"))),
    }
}

/// Wrapping dot product of two equally long `i32` slices.
pub(crate) fn dot_i32(a: &[i32], b: &[i32]) -> i32 {
    a.iter()
        .zip(b)
        .fold(0i32, |s, (&x, &w)| s.wrapping_add(x.wrapping_mul(w)))
}

//! `AVERAGE_POOL_2D` and `MAX_POOL_2D` (NHWC), float and int8.
//!
//! Only in-bounds window cells count (padding is excluded from the average's divisor). Int8 average rounds half
//! away from zero, as TFLM: `(sum ± count/2) / count` with C's truncating division; input and output share their
//! quantization, so no requantization happens. Float average is `Σ / count` in window order.

use super::kernel::{NodeCx, activate_f32, saturate_i8};
use super::{InterpError, TensorData};
use crate::ir::{Activation, DType, Window2d};

/// Which reduction a pooling node applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PoolKind {
    /// Mean of the in-bounds window.
    Average,
    /// Maximum of the in-bounds window.
    Max,
}

/// Calls `f(flat indices of channel 0 of every in-bounds window cell)` for each output pixel, in NHWC order.
fn windows(
    in_shape: &[usize],
    out_shape: &[usize],
    (fh, fw): (usize, usize),
    w: &Window2d,
    mut f: impl FnMut(&[usize]),
) {
    let (batch, in_h, in_w, c) = (in_shape[0], in_shape[1], in_shape[2], in_shape[3]);
    let mut cells = Vec::with_capacity(fh * fw);
    for b in 0..batch {
        for oy in 0..out_shape[1] {
            for ox in 0..out_shape[2] {
                cells.clear();
                let y0 = (oy * w.stride_h) as isize - w.padding.top as isize;
                let x0 = (ox * w.stride_w) as isize - w.padding.left as isize;
                for ky in 0..fh as isize {
                    for kx in 0..fw as isize {
                        let (iy, ix) = (y0 + ky, x0 + kx);
                        if iy >= 0 && ix >= 0 && (iy as usize) < in_h && (ix as usize) < in_w {
                            cells.push(((b * in_h + iy as usize) * in_w + ix as usize) * c);
                        }
                    }
                }
                f(&cells);
            }
        }
    }
}

/// `AVERAGE_POOL_2D` / `MAX_POOL_2D`.
pub(crate) fn pool2d(
    cx: &NodeCx<'_>,
    kind: PoolKind,
    filter: (usize, usize),
    window: &Window2d,
    activation: Activation,
) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let out_shape = cx.output_ty(0)?.shape.clone();
    if x.shape.len() != 4 || out_shape.len() != 4 {
        return Err(cx.malformed("pooling needs 4-D input and output"));
    }
    let c = x.shape[3];
    match x.dtype {
        DType::I8 => {
            let (lo, hi) = cx.activation_range_i8(activation)?;
            let xs = x.as_i8();
            let mut out = Vec::with_capacity(out_shape.iter().product());
            windows(&x.shape, &out_shape, filter, window, |cells| {
                for ch in 0..c {
                    let v = match kind {
                        PoolKind::Average => {
                            let sum: i32 = cells.iter().map(|&i| i32::from(xs[i + ch])).sum();
                            let n = cells.len().max(1) as i32;
                            if sum > 0 {
                                (sum + n / 2) / n
                            } else {
                                (sum - n / 2) / n
                            }
                        }
                        PoolKind::Max => cells
                            .iter()
                            .map(|&i| i32::from(xs[i + ch]))
                            .fold(-128, i32::max),
                    };
                    out.push(saturate_i8(v.clamp(lo, hi)));
                }
            });
            Ok(TensorData::from_i8(out_shape, &out))
        }
        DType::F32 => {
            let xs = x.as_f32();
            let mut out = Vec::with_capacity(out_shape.iter().product());
            windows(&x.shape, &out_shape, filter, window, |cells| {
                for ch in 0..c {
                    let v = match kind {
                        PoolKind::Average => {
                            let mut total = 0f32;
                            for &i in cells {
                                total += xs[i + ch];
                            }
                            total / cells.len() as f32
                        }
                        PoolKind::Max => cells.iter().map(|&i| xs[i + ch]).fold(f32::MIN, f32::max),
                    };
                    out.push(activate_f32(activation, v));
                }
            });
            Ok(TensorData::from_f32(out_shape, &out))
        }
        _ => Err(cx.unsupported_dtype()),
    }
}

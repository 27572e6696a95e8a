//! `MEAN` and `REDUCE_MAX` over constant axes.
//!
//! Float mean sums in input order and divides by the element count (f32). Int8 mean follows TFLite's integer
//! `Mean`: `acc = Σ (x − z_in)`, `acc = MultiplyByQuantizedMultiplier(acc, (double)s_in / (double)s_out)`, then
//! divided by the count rounding half away from zero, plus `z_out`, saturated. Int8 max keeps the raw maximum
//! (input and output share their quantization in TFLM).

use super::kernel::{NodeCx, saturate_i8};
use super::{InterpError, TensorData};
use crate::arith::{multiply_by_quantized_multiplier, quantize_multiplier};
use crate::ir::DType;

/// For each input element (row-major), the flat index of the output element it reduces into, and the number of
/// input elements per output element.
fn reduction_map(
    cx: &NodeCx<'_>,
    shape: &[usize],
) -> Result<(Vec<usize>, usize, usize), InterpError> {
    let rank = shape.len() as i64;
    let mut reduced = vec![false; shape.len()];
    for a in cx.const_ints(1)? {
        let a = if a < 0 { a + rank } else { a };
        let a = usize::try_from(a)
            .ok()
            .filter(|&a| a < shape.len())
            .ok_or_else(|| cx.malformed(format!("axis {a} out of range")))?;
        reduced[a] = true;
    }
    let kept: Vec<usize> = shape
        .iter()
        .zip(&reduced)
        .map(|(&d, &r)| if r { 1 } else { d })
        .collect();
    let outputs: usize = kept.iter().product();
    let count = shape.iter().product::<usize>() / outputs.max(1);
    let mut map = Vec::with_capacity(shape.iter().product());
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..shape.iter().product::<usize>() {
        let mut o = 0;
        for d in 0..shape.len() {
            o = o * kept[d] + if reduced[d] { 0 } else { idx[d] };
        }
        map.push(o);
        for d in (0..shape.len()).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Ok((map, outputs, count))
}

/// `MEAN`.
pub(crate) fn mean(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let out_shape = cx.output_ty(0)?.shape.clone();
    let (map, outputs, count) = reduction_map(cx, &x.shape)?;
    match x.dtype {
        DType::F32 => {
            let mut sums = vec![0f32; outputs];
            for (v, &o) in x.as_f32().into_iter().zip(&map) {
                sums[o] += v;
            }
            let out: Vec<f32> = sums.into_iter().map(|s| s / count as f32).collect();
            Ok(TensorData::from_f32(out_shape, &out))
        }
        DType::I8 => {
            let (s_in, z_in) = cx.input_quant(0)?;
            let (s_out, z_out) = cx.output_quant()?;
            let m = quantize_multiplier(f64::from(s_in) / f64::from(s_out));
            let mut sums = vec![0i32; outputs];
            for (v, &o) in x.as_i8().into_iter().zip(&map) {
                sums[o] += i32::from(v) - z_in;
            }
            let n = count.max(1) as i32;
            let out: Vec<i8> = sums
                .into_iter()
                .map(|s| {
                    let acc = multiply_by_quantized_multiplier(s, m);
                    let avg = if acc > 0 {
                        (acc + n / 2) / n
                    } else {
                        (acc - n / 2) / n
                    };
                    saturate_i8(avg + z_out)
                })
                .collect();
            Ok(TensorData::from_i8(out_shape, &out))
        }
        _ => Err(cx.unsupported_dtype()),
    }
}

/// `REDUCE_MAX`.
pub(crate) fn reduce_max(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let out_shape = cx.output_ty(0)?.shape.clone();
    let (map, outputs, _) = reduction_map(cx, &x.shape)?;
    match x.dtype {
        DType::F32 => {
            let mut m = vec![f32::MIN; outputs];
            for (v, &o) in x.as_f32().into_iter().zip(&map) {
                m[o] = m[o].max(v);
            }
            Ok(TensorData::from_f32(out_shape, &m))
        }
        DType::I8 => {
            let mut m = vec![i8::MIN; outputs];
            for (v, &o) in x.as_i8().into_iter().zip(&map) {
                m[o] = m[o].max(v);
            }
            Ok(TensorData::from_i8(out_shape, &m))
        }
        _ => Err(cx.unsupported_dtype()),
    }
}

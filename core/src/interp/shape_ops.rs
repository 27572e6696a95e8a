//! Data movement: reshape/squeeze, transpose, strided slice, pad, concatenation. Bytes move unchanged, so these
//! kernels are exact for every dtype (int8 concatenation requires all operands to share the output's
//! quantization, as TFLM does).

use super::kernel::{NodeCx, activate_f32};
use super::{InterpError, TensorData};
use crate::ir::{Activation, DType, StridedSliceMasks, strided_slice_ranges};

/// Row-major strides (in elements) of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut st = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        st[i] = st[i + 1] * shape[i + 1];
    }
    st
}

/// Calls `f(flat output index, coordinates)` for every element of `shape` in row-major order.
fn for_each_coord(shape: &[usize], mut f: impl FnMut(usize, &[usize])) {
    let total: usize = shape.iter().product();
    let mut idx = vec![0usize; shape.len()];
    for flat in 0..total {
        f(flat, &idx);
        for d in (0..shape.len()).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// Builds an output by copying, for each output element, the input element at `source(coords)`.
fn gather(x: &TensorData, out_shape: Vec<usize>, source: impl Fn(&[usize]) -> usize) -> TensorData {
    let es = x.dtype.size_bytes();
    let mut bytes = vec![0u8; out_shape.iter().product::<usize>() * es];
    for_each_coord(&out_shape, |flat, c| {
        let s = source(c) * es;
        bytes[flat * es..(flat + 1) * es].copy_from_slice(&x.bytes[s..s + es]);
    });
    TensorData::from_bytes(x.dtype, out_shape, bytes)
}

/// `RESHAPE` and `SQUEEZE`: the same bytes under the output's shape.
pub(crate) fn reshape(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let ty = cx.output_ty(0)?;
    if ty.size_bytes() != x.bytes.len() {
        return Err(cx.malformed(format!("cannot reshape {} bytes to {ty}", x.bytes.len())));
    }
    Ok(x.reshaped(ty.shape.clone()))
}

/// `TRANSPOSE` by the constant permutation operand.
pub(crate) fn transpose(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let perm = cx.const_ints(1)?;
    let in_strides = strides(&x.shape);
    let perm: Vec<usize> = perm
        .iter()
        .map(|&p| usize::try_from(p).ok().filter(|&p| p < x.shape.len()))
        .collect::<Option<_>>()
        .ok_or_else(|| cx.malformed(format!("bad permutation {perm:?}")))?;
    let out_shape = cx.output_ty(0)?.shape.clone();
    Ok(gather(x, out_shape, |c| {
        c.iter().zip(&perm).map(|(&v, &p)| v * in_strides[p]).sum()
    }))
}

/// `STRIDED_SLICE` with constant begin/end/strides.
pub(crate) fn strided_slice(
    cx: &NodeCx<'_>,
    masks: &StridedSliceMasks,
) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let (begin, end, step) = (cx.const_ints(1)?, cx.const_ints(2)?, cx.const_ints(3)?);
    let ranges = strided_slice_ranges(&x.shape, &begin, &end, &step, masks)
        .map_err(|e| cx.unsupported(e))?;
    let in_strides = strides(&x.shape);
    let full_shape: Vec<usize> = ranges.iter().map(|r| r.2).collect();
    let out_shape = cx.output_ty(0)?.shape.clone();
    let sliced = gather(x, full_shape, |c| {
        c.iter()
            .zip(&ranges)
            .zip(&in_strides)
            .map(|((&v, &(b, s, _)), &st)| (b + v as i64 * s) as usize * st)
            .sum()
    });
    // Shrunk axes have size 1: dropping them keeps the bytes.
    Ok(sliced.reshaped(out_shape))
}

/// `PAD` with a constant `[rank, 2]` paddings operand; the pad value is the optional third operand, else the
/// output's zero point (0 for float).
pub(crate) fn pad(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let p = cx.const_ints(1)?;
    let out_ty = cx.output_ty(0)?;
    let es = x.dtype.size_bytes();
    let fill: Vec<u8> = if cx.has_input(2) {
        let v = cx.input(2)?;
        if v.bytes.len() != es || v.dtype != x.dtype {
            return Err(cx.unsupported(format!("a pad value of type {}{:?}", v.dtype, v.shape)));
        }
        v.bytes.clone()
    } else {
        match (x.dtype, &out_ty.quant) {
            (DType::F32, _) | (_, None) => vec![0; es],
            (DType::I8, Some(_)) => vec![cx.output_quant()?.1.clamp(-128, 127) as i8 as u8],
            (DType::U8, Some(_)) => vec![cx.output_quant()?.1.clamp(0, 255) as u8],
            (DType::I16, Some(_)) => (cx.output_quant()?.1.clamp(-32768, 32767) as i16)
                .to_le_bytes()
                .to_vec(),
            _ => vec![0; es],
        }
    };
    let before: Vec<usize> = (0..x.shape.len()).map(|i| p[2 * i] as usize).collect();
    let in_strides = strides(&x.shape);
    let out_shape = out_ty.shape.clone();
    let mut bytes = Vec::with_capacity(out_ty.size_bytes());
    for_each_coord(&out_shape, |_, c| {
        let mut src = 0usize;
        for (d, &v) in c.iter().enumerate() {
            match v.checked_sub(before[d]).filter(|&i| i < x.shape[d]) {
                Some(i) => src += i * in_strides[d],
                None => {
                    bytes.extend_from_slice(&fill);
                    return;
                }
            }
        }
        bytes.extend_from_slice(&x.bytes[src * es..(src + 1) * es]);
    });
    Ok(TensorData::from_bytes(x.dtype, out_shape, bytes))
}

/// `CONCATENATION` along `axis`.
pub(crate) fn concatenation(
    cx: &NodeCx<'_>,
    axis: usize,
    activation: Activation,
) -> Result<TensorData, InterpError> {
    let out_ty = cx.output_ty(0)?;
    let n = cx.node.inputs.len();
    let parts: Vec<&TensorData> = (0..n).map(|i| cx.input(i)).collect::<Result<_, _>>()?;
    let dtype = out_ty.dtype;
    if dtype != DType::F32 {
        if activation != Activation::None {
            return Err(cx.unsupported(format!("a fused activation on {dtype} concatenation")));
        }
        for i in 0..n {
            if cx.input_ty(i)?.quant != out_ty.quant {
                return Err(
                    cx.unsupported("int8 concatenation of operands with different quantization")
                );
            }
        }
    }
    let es = dtype.size_bytes();
    let outer: usize = out_ty.shape[..axis].iter().product();
    let mut bytes = Vec::with_capacity(out_ty.size_bytes());
    for o in 0..outer {
        for part in &parts {
            if part.dtype != dtype {
                return Err(cx.unsupported(format!("concatenating {} into {dtype}", part.dtype)));
            }
            let chunk = part.shape[axis..].iter().product::<usize>() * es;
            bytes.extend_from_slice(&part.bytes[o * chunk..(o + 1) * chunk]);
        }
    }
    let out = TensorData::from_bytes(dtype, out_ty.shape.clone(), bytes);
    if dtype == DType::F32 && activation != Activation::None {
        let v: Vec<f32> = out
            .as_f32()
            .into_iter()
            .map(|x| activate_f32(activation, x))
            .collect();
        return Ok(TensorData::from_f32(out_ty.shape.clone(), &v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_are_row_major() {
        assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(strides(&[]), Vec::<usize>::new());
    }
}

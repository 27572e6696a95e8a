//! `QUANTIZE` (float → integer, or integer → integer requantization) and `DEQUANTIZE`.
//!
//! Float → int: `round(x / scale) + zero_point` in f32, saturated (TFLM's `AffineQuantize`).
//! Int → int: `MultiplyByQuantizedMultiplier(x − z_in, (double)s_in / (double)s_out) + z_out`, saturated.
//! Int → float: `(float)((double)scale · (x − zero_point))`.

use super::kernel::NodeCx;
use super::{InterpError, TensorData};
use crate::arith::{multiply_by_quantized_multiplier, quantize_multiplier};
use crate::ir::DType;

/// Integer elements of a quantized value, widened.
fn ints(x: &TensorData) -> Option<Vec<i32>> {
    match x.dtype {
        DType::I8 => Some(x.as_i8().into_iter().map(i32::from).collect()),
        DType::U8 => Some(x.bytes.iter().map(|&b| i32::from(b)).collect()),
        DType::I16 => Some(x.as_i16().into_iter().map(i32::from).collect()),
        _ => None,
    }
}

/// Saturates `values` into `dtype` and packs them.
fn pack(dtype: DType, shape: Vec<usize>, values: impl Iterator<Item = i32>) -> Option<TensorData> {
    Some(match dtype {
        DType::I8 => TensorData::from_i8(
            shape,
            &values.map(|v| v.clamp(-128, 127) as i8).collect::<Vec<_>>(),
        ),
        DType::U8 => TensorData::from_u8(
            shape,
            &values.map(|v| v.clamp(0, 255) as u8).collect::<Vec<_>>(),
        ),
        DType::I16 => TensorData::from_i16(
            shape,
            &values
                .map(|v| v.clamp(-32768, 32767) as i16)
                .collect::<Vec<_>>(),
        ),
        _ => return None,
    })
}

/// `QUANTIZE`.
pub(crate) fn quantize(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let out_ty = cx.output_ty(0)?;
    let (s_out, z_out) = cx.output_quant()?;
    let unsupported = || cx.unsupported(format!("quantizing {} to {}", x.dtype, out_ty.dtype));
    let result = if x.dtype == DType::F32 {
        let values = x
            .as_f32()
            .into_iter()
            .map(move |v| (v / s_out).round() as i32 + z_out);
        pack(out_ty.dtype, out_ty.shape.clone(), values)
    } else {
        let (s_in, z_in) = cx.input_quant(0)?;
        let m = quantize_multiplier(f64::from(s_in) / f64::from(s_out));
        let xs = ints(x).ok_or_else(unsupported)?;
        let values = xs
            .into_iter()
            .map(move |v| multiply_by_quantized_multiplier(v - z_in, m).wrapping_add(z_out));
        pack(out_ty.dtype, out_ty.shape.clone(), values)
    };
    result.ok_or_else(unsupported)
}

/// `DEQUANTIZE`.
pub(crate) fn dequantize(cx: &NodeCx<'_>) -> Result<TensorData, InterpError> {
    let x = cx.input(0)?;
    let (scale, zp) = cx.input_quant(0)?;
    let xs = ints(x).ok_or_else(|| cx.unsupported_dtype())?;
    let out: Vec<f32> = xs
        .into_iter()
        .map(|v| (f64::from(scale) * f64::from(v - zp)) as f32)
        .collect();
    Ok(TensorData::from_f32(cx.output_ty(0)?.shape.clone(), &out))
}

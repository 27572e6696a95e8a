//! Element types, quantization parameters and tensor types.
//!
//! A [`TensorType`] is everything the compiler knows statically about a value: its element type,
//! its fully static shape and, for quantized tensors, how integers map to real numbers.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The element type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// IEEE-754 single precision.
    F32,
    /// Signed 8-bit integer (usually quantized).
    I8,
    /// Unsigned 8-bit integer (usually quantized).
    U8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 32-bit integer (biases, shapes).
    I32,
    /// Signed 64-bit integer (shapes, indices).
    I64,
    /// Boolean, one byte per element.
    Bool,
}

impl DType {
    /// Size of one element in bytes.
    pub fn size_bytes(self) -> usize {
        match self {
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::I16 => 2,
            DType::F32 | DType::I32 => 4,
            DType::I64 => 8,
        }
    }

    /// Short lowercase name (`f32`, `i8`, …) used in reports and the IR text form.
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::I8 => "i8",
            DType::U8 => "u8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::Bool => "bool",
        }
    }

    /// True for the integer types that carry quantized activations or weights.
    pub fn is_quantizable_int(self) -> bool {
        matches!(self, DType::I8 | DType::U8 | DType::I16)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Affine quantization: `real = scale × (q − zero_point)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Quant {
    /// One scale and zero point for the whole tensor.
    PerTensor {
        /// Real value of one quantization step.
        scale: f32,
        /// The integer that represents real zero.
        zero_point: i32,
    },
    /// One scale and zero point per slice along `axis` (weights of conv/depthwise/FC layers).
    PerChannel {
        /// One scale per channel.
        scales: Vec<f32>,
        /// One zero point per channel (TFLite requires them all to be zero for int8 weights).
        zero_points: Vec<i32>,
        /// The dimension the channels run along.
        axis: usize,
    },
}

impl Quant {
    /// Scale of channel `c` (or the tensor's scale when per-tensor).
    pub fn scale(&self, c: usize) -> f32 {
        match self {
            Quant::PerTensor { scale, .. } => *scale,
            Quant::PerChannel { scales, .. } => scales.get(c).copied().unwrap_or(scales[0]),
        }
    }

    /// Zero point of channel `c` (or the tensor's zero point when per-tensor).
    pub fn zero_point(&self, c: usize) -> i32 {
        match self {
            Quant::PerTensor { zero_point, .. } => *zero_point,
            Quant::PerChannel { zero_points, .. } => zero_points
                .get(c)
                .copied()
                .unwrap_or_else(|| zero_points.first().copied().unwrap_or(0)),
        }
    }

    /// All scales, one per channel (a single element for per-tensor quantization).
    pub fn scales(&self) -> Vec<f32> {
        match self {
            Quant::PerTensor { scale, .. } => vec![*scale],
            Quant::PerChannel { scales, .. } => scales.clone(),
        }
    }

    /// True when quantized per channel.
    pub fn is_per_channel(&self) -> bool {
        matches!(self, Quant::PerChannel { .. })
    }
}

impl fmt::Display for Quant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quant::PerTensor { scale, zero_point } => write!(f, "s={scale:e} zp={zero_point}"),
            Quant::PerChannel { scales, axis, .. } => {
                write!(f, "per-channel(axis={axis}, {} scales)", scales.len())
            }
        }
    }
}

/// Static shape of a tensor, outermost dimension first (TFLite order: NHWC for images).
pub type Shape = Vec<usize>;

/// Number of elements of a shape (1 for a scalar).
pub fn num_elements(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Element type, static shape and optional quantization of a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorType {
    /// Element type.
    pub dtype: DType,
    /// Static shape.
    pub shape: Shape,
    /// Quantization parameters, when the tensor is quantized.
    pub quant: Option<Quant>,
}

impl TensorType {
    /// A non-quantized tensor type.
    pub fn new(dtype: DType, shape: impl Into<Shape>) -> Self {
        Self {
            dtype,
            shape: shape.into(),
            quant: None,
        }
    }

    /// The same type with per-tensor quantization.
    pub fn quantized(mut self, scale: f32, zero_point: i32) -> Self {
        self.quant = Some(Quant::PerTensor { scale, zero_point });
        self
    }

    /// Number of elements.
    pub fn num_elements(&self) -> usize {
        num_elements(&self.shape)
    }

    /// Size in bytes of the tensor's data.
    pub fn size_bytes(&self) -> usize {
        self.num_elements() * self.dtype.size_bytes()
    }

    /// The per-tensor scale and zero point, if the tensor is quantized per tensor.
    pub fn per_tensor_quant(&self) -> Option<(f32, i32)> {
        match &self.quant {
            Some(Quant::PerTensor { scale, zero_point }) => Some((*scale, *zero_point)),
            _ => None,
        }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.dtype, ShapeDisplay(&self.shape))?;
        if let Some(q) = &self.quant {
            write!(f, " {{{q}}}")?;
        }
        Ok(())
    }
}

/// Displays a shape as `[1,49,10,1]`.
pub struct ShapeDisplay<'a>(pub &'a [usize]);

impl fmt::Display for ShapeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

/// Constant tensor contents, stored as little-endian bytes of the tensor's dtype.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstData {
    bytes: Vec<u8>,
}

impl ConstData {
    /// Wraps raw little-endian bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    /// Builds constant data from `i8` values.
    pub fn from_i8(values: &[i8]) -> Self {
        Self::from_bytes(values.iter().map(|v| v.to_le_bytes()[0]).collect())
    }

    /// Builds constant data from `i32` values.
    pub fn from_i32(values: &[i32]) -> Self {
        Self::from_bytes(values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }

    /// Builds constant data from `f32` values.
    pub fn from_f32(values: &[f32]) -> Self {
        Self::from_bytes(values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }

    /// The raw little-endian bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The data as `i8` values.
    pub fn as_i8(&self) -> Vec<i8> {
        self.bytes.iter().map(|&b| b as i8).collect()
    }

    /// The data as `u8` values.
    pub fn as_u8(&self) -> &[u8] {
        &self.bytes
    }

    /// The data as `i16` values.
    pub fn as_i16(&self) -> Vec<i16> {
        self.bytes
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect()
    }

    /// The data as `i32` values.
    pub fn as_i32(&self) -> Vec<i32> {
        self.bytes
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// The data as `i64` values.
    pub fn as_i64(&self) -> Vec<i64> {
        self.bytes
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()
    }

    /// The data as `f32` values.
    pub fn as_f32(&self) -> Vec<f32> {
        self.bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// Integer values of an index-like tensor (i32 or i64), widened to i64.
    pub fn as_index_values(&self, dtype: DType) -> Option<Vec<i64>> {
        match dtype {
            DType::I32 => Some(self.as_i32().into_iter().map(i64::from).collect()),
            DType::I64 => Some(self.as_i64()),
            _ => None,
        }
    }
}

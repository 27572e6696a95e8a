//! Runtime values of the interpreter: a dtype, a shape and row-major little-endian bytes.
//!
//! Invariant: `bytes.len() == num_elements(shape) × dtype.size_bytes()` for every value built through the
//! constructors here.

use crate::ir::{ConstData, DType, TensorType, num_elements};

/// A tensor value: element type, shape and row-major little-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorData {
    /// Element type.
    pub dtype: DType,
    /// Shape, outermost dimension first.
    pub shape: Vec<usize>,
    /// Row-major little-endian element bytes.
    pub bytes: Vec<u8>,
}

impl TensorData {
    /// A value from raw little-endian bytes (the caller keeps the length invariant).
    pub fn from_bytes(dtype: DType, shape: Vec<usize>, bytes: Vec<u8>) -> Self {
        Self {
            dtype,
            shape,
            bytes,
        }
    }

    /// An `i8` value.
    pub fn from_i8(shape: impl Into<Vec<usize>>, values: &[i8]) -> Self {
        Self::from_bytes(
            DType::I8,
            shape.into(),
            values.iter().map(|v| v.to_le_bytes()[0]).collect(),
        )
    }

    /// A `u8` value.
    pub fn from_u8(shape: impl Into<Vec<usize>>, values: &[u8]) -> Self {
        Self::from_bytes(DType::U8, shape.into(), values.to_vec())
    }

    /// An `i16` value.
    pub fn from_i16(shape: impl Into<Vec<usize>>, values: &[i16]) -> Self {
        Self::from_bytes(
            DType::I16,
            shape.into(),
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }

    /// An `i32` value.
    pub fn from_i32(shape: impl Into<Vec<usize>>, values: &[i32]) -> Self {
        Self::from_bytes(
            DType::I32,
            shape.into(),
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }

    /// An `i64` value.
    pub fn from_i64(shape: impl Into<Vec<usize>>, values: &[i64]) -> Self {
        Self::from_bytes(
            DType::I64,
            shape.into(),
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }

    /// An `f32` value.
    pub fn from_f32(shape: impl Into<Vec<usize>>, values: &[f32]) -> Self {
        Self::from_bytes(
            DType::F32,
            shape.into(),
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }

    /// A zero-filled value of type `ty`.
    pub fn zeros(ty: &TensorType) -> Self {
        Self::from_bytes(ty.dtype, ty.shape.clone(), vec![0; ty.size_bytes()])
    }

    /// Number of elements.
    pub fn num_elements(&self) -> usize {
        num_elements(&self.shape)
    }

    /// The bytes as an [`ConstData`], whose little-endian conversions the `as_*` accessors reuse (one copy of the
    /// bytes; each accessor allocates its result anyway).
    fn as_const_data(&self) -> ConstData {
        ConstData::from_bytes(self.bytes.clone())
    }

    /// The elements as `i8` (reinterpreting the bytes).
    pub fn as_i8(&self) -> Vec<i8> {
        self.as_const_data().as_i8()
    }

    /// The elements as `u8`.
    pub fn as_u8(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The elements as `i16`.
    pub fn as_i16(&self) -> Vec<i16> {
        self.as_const_data().as_i16()
    }

    /// The elements as `i32`.
    pub fn as_i32(&self) -> Vec<i32> {
        self.as_const_data().as_i32()
    }

    /// The elements as `i64`.
    pub fn as_i64(&self) -> Vec<i64> {
        self.as_const_data().as_i64()
    }

    /// The elements as `f32`.
    pub fn as_f32(&self) -> Vec<f32> {
        self.as_const_data().as_f32()
    }

    /// Every element widened to `f64`, whatever the dtype (booleans as 0/1); used by metrics and reports.
    pub fn to_f64_lossy(&self) -> Vec<f64> {
        match self.dtype {
            DType::F32 => self.as_f32().into_iter().map(f64::from).collect(),
            DType::I8 => self.as_i8().into_iter().map(f64::from).collect(),
            DType::U8 | DType::Bool => self.bytes.iter().map(|&b| f64::from(b)).collect(),
            DType::I16 => self.as_i16().into_iter().map(f64::from).collect(),
            DType::I32 => self.as_i32().into_iter().map(f64::from).collect(),
            DType::I64 => self.as_i64().into_iter().map(|v| v as f64).collect(),
        }
    }

    /// The same bytes under another shape (reshape and squeeze).
    pub fn reshaped(&self, shape: Vec<usize>) -> Self {
        Self::from_bytes(self.dtype, shape, self.bytes.clone())
    }
}

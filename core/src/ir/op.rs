//! The operator set of the IR: one enum variant per operator, with typed attributes.
//!
//! Operators follow TFLite semantics (NHWC activations, OHWI conv weights, `1×H×W×C·M` depthwise weights,
//! `[out, in]` fully-connected weights) so that int8 results can match TFLite Micro bit for bit.
//! Operand order is documented on each variant; optional operands are `None` in [`super::Node::inputs`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// An activation fused into the operator that produces a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// No activation.
    #[default]
    None,
    /// `max(x, 0)`.
    Relu,
    /// `clamp(x, -1, 1)`.
    ReluN1To1,
    /// `clamp(x, 0, 6)`.
    Relu6,
    /// `tanh(x)` (float only).
    Tanh,
}

impl Activation {
    /// The kebab-case name used in the IR text form.
    pub fn name(self) -> &'static str {
        match self {
            Activation::None => "none",
            Activation::Relu => "relu",
            Activation::ReluN1To1 => "relu-n1-to-1",
            Activation::Relu6 => "relu6",
            Activation::Tanh => "tanh",
        }
    }

    /// The real-valued clamp range this activation applies, if it is a clamp.
    pub fn clamp_range(self) -> Option<(f32, f32)> {
        match self {
            Activation::None => Some((f32::NEG_INFINITY, f32::INFINITY)),
            Activation::Relu => Some((0.0, f32::INFINITY)),
            Activation::ReluN1To1 => Some((-1.0, 1.0)),
            Activation::Relu6 => Some((0.0, 6.0)),
            Activation::Tanh => None,
        }
    }
}

/// Explicit spatial padding in elements, applied before a window operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Padding2d {
    /// Rows added above.
    pub top: usize,
    /// Rows added below.
    pub bottom: usize,
    /// Columns added to the left.
    pub left: usize,
    /// Columns added to the right.
    pub right: usize,
}

impl Padding2d {
    /// True when no padding is applied.
    pub fn is_zero(&self) -> bool {
        *self == Padding2d::default()
    }

    /// TFLite's padding for one dimension: `SAME` pads so that `out = ceil(in / stride)`, with the smaller half first;
    /// `VALID` pads nothing. Returns `(before, after)`.
    pub fn tflite_1d(
        same: bool,
        input: usize,
        filter: usize,
        stride: usize,
        dilation: usize,
    ) -> (usize, usize) {
        if !same || stride == 0 {
            return (0, 0);
        }
        let effective = (filter.saturating_sub(1)) * dilation + 1;
        let out = input.div_ceil(stride);
        let needed = ((out.saturating_sub(1)) * stride + effective).saturating_sub(input);
        (needed / 2, needed - needed / 2)
    }
}

/// Attributes of a 2-D window (convolution or pooling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window2d {
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical dilation (1 = dense).
    pub dilation_h: usize,
    /// Horizontal dilation (1 = dense).
    pub dilation_w: usize,
    /// Explicit padding.
    pub padding: Padding2d,
}

impl Window2d {
    /// Output size of one spatial dimension.
    pub fn out_dim(
        input: usize,
        pad: usize,
        filter: usize,
        stride: usize,
        dilation: usize,
    ) -> Option<usize> {
        let effective = filter.checked_sub(1)? * dilation + 1;
        let padded = input + pad;
        if stride == 0 || padded < effective {
            return None;
        }
        Some((padded - effective) / stride + 1)
    }

    /// Output height and width for an `in_h × in_w` input and a `k_h × k_w` filter.
    pub fn output_hw(
        &self,
        in_h: usize,
        in_w: usize,
        k_h: usize,
        k_w: usize,
    ) -> Option<(usize, usize)> {
        let p = self.padding;
        Some((
            Self::out_dim(in_h, p.top + p.bottom, k_h, self.stride_h, self.dilation_h)?,
            Self::out_dim(in_w, p.left + p.right, k_w, self.stride_w, self.dilation_w)?,
        ))
    }
}

/// Attributes of `STRIDED_SLICE` (begin/end/strides are constant operands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StridedSliceMasks {
    /// Bit i set: ignore `begin[i]`.
    pub begin_mask: i32,
    /// Bit i set: ignore `end[i]`.
    pub end_mask: i32,
    /// Bit i set: dimension i is indexed, not sliced, and removed from the output.
    pub shrink_axis_mask: i32,
    /// Bit i set: insert a new dimension of size 1 (unsupported when non-zero).
    pub new_axis_mask: i32,
    /// Bit i set: ellipsis (unsupported when non-zero).
    pub ellipsis_mask: i32,
    /// TFLite `offset`: end values are relative to begin.
    pub offset: bool,
}

/// An operator of the IR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// 2-D convolution. Inputs: `input [N,H,W,Cin]`, `filter [Cout,Kh,Kw,Cin/groups]`, optional `bias [Cout]`.
    Conv2d {
        /// Strides, dilations and padding.
        window: Window2d,
        /// Fused activation.
        activation: Activation,
    },
    /// Depthwise 2-D convolution. Inputs: `input [N,H,W,Cin]`, `filter [1,Kh,Kw,Cin·M]`, optional `bias [Cin·M]`.
    DepthwiseConv2d {
        /// Strides, dilations and padding.
        window: Window2d,
        /// Output channels per input channel.
        depth_multiplier: usize,
        /// Fused activation.
        activation: Activation,
    },
    /// Fully connected layer. Inputs: `input [.., In]`, `weights [Out, In]`, optional `bias [Out]`.
    FullyConnected {
        /// Fused activation.
        activation: Activation,
        /// Keep the input's leading dimensions instead of flattening them to a batch.
        keep_num_dims: bool,
    },
    /// Average pooling over a window. Input: `[N,H,W,C]`.
    AveragePool2d {
        /// Window height.
        filter_h: usize,
        /// Window width.
        filter_w: usize,
        /// Strides and padding (dilation is 1).
        window: Window2d,
        /// Fused activation.
        activation: Activation,
    },
    /// Max pooling over a window. Input: `[N,H,W,C]`.
    MaxPool2d {
        /// Window height.
        filter_h: usize,
        /// Window width.
        filter_w: usize,
        /// Strides and padding (dilation is 1).
        window: Window2d,
        /// Fused activation.
        activation: Activation,
    },
    /// Elementwise `a + b` with broadcasting.
    Add {
        /// Fused activation.
        activation: Activation,
    },
    /// Elementwise `a − b` with broadcasting.
    Sub {
        /// Fused activation.
        activation: Activation,
    },
    /// Elementwise `a × b` with broadcasting.
    Mul {
        /// Fused activation.
        activation: Activation,
    },
    /// Concatenation of all inputs along `axis`.
    Concatenation {
        /// The axis (non-negative, already normalized).
        axis: usize,
        /// Fused activation.
        activation: Activation,
    },
    /// Constant padding. Inputs: `input`, `paddings [rank, 2]` (constant), optional `constant_value`.
    Pad,
    /// Mean over the axes given by the constant second input.
    Mean {
        /// Keep reduced dimensions with size 1.
        keep_dims: bool,
    },
    /// Maximum over the axes given by the constant second input.
    ReduceMax {
        /// Keep reduced dimensions with size 1.
        keep_dims: bool,
    },
    /// Softmax over the last dimension: `exp(beta·x) / Σ exp(beta·x)`.
    Softmax {
        /// Input scaling.
        beta: f32,
    },
    /// `1 / (1 + exp(−x))`.
    Logistic,
    /// Hyperbolic tangent.
    Tanh,
    /// `max(x, 0)`.
    Relu,
    /// `clamp(x, 0, 6)`.
    Relu6,
    /// `clamp(x, -1, 1)`.
    ReluN1To1,
    /// `x` if `x ≥ 0` else `alpha·x`.
    LeakyRelu {
        /// Slope for negative inputs.
        alpha: f32,
    },
    /// `x · relu6(x + 3) / 6`.
    HardSwish,
    /// Float → quantized, or re-quantization between two quantized types.
    Quantize,
    /// Quantized → float.
    Dequantize,
    /// Reshape to the output's shape (the optional second input is the constant new shape).
    Reshape,
    /// Remove size-1 dimensions.
    Squeeze {
        /// The axes to remove (empty: every size-1 axis).
        axes: Vec<usize>,
    },
    /// Permute dimensions by the constant second input.
    Transpose,
    /// Strided slice. Inputs: `input`, `begin`, `end`, `strides` (constant).
    StridedSlice {
        /// Masks that modify the slice.
        masks: StridedSliceMasks,
    },
}

/// Every operator name nncube accepts, as TFLite spells them; `nncube supported-ops` prints this list.
pub const SUPPORTED_TFLITE_OPS: &[&str] = &[
    "ADD",
    "AVERAGE_POOL_2D",
    "CONCATENATION",
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "DEQUANTIZE",
    "FULLY_CONNECTED",
    "HARD_SWISH",
    "LEAKY_RELU",
    "LOGISTIC",
    "MAX_POOL_2D",
    "MEAN",
    "MUL",
    "PAD",
    "QUANTIZE",
    "REDUCE_MAX",
    "RELU",
    "RELU6",
    "RELU_N1_TO_1",
    "RESHAPE",
    "SOFTMAX",
    "SQUEEZE",
    "STRIDED_SLICE",
    "SUB",
    "TANH",
    "TRANSPOSE",
];

impl Op {
    /// Stable kebab-case name of the operator kind (used in reports, the IR text form and the GUI).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Conv2d { .. } => "conv2d",
            Op::DepthwiseConv2d { .. } => "depthwise-conv2d",
            Op::FullyConnected { .. } => "fully-connected",
            Op::AveragePool2d { .. } => "average-pool2d",
            Op::MaxPool2d { .. } => "max-pool2d",
            Op::Add { .. } => "add",
            Op::Sub { .. } => "sub",
            Op::Mul { .. } => "mul",
            Op::Concatenation { .. } => "concatenation",
            Op::Pad => "pad",
            Op::Mean { .. } => "mean",
            Op::ReduceMax { .. } => "reduce-max",
            Op::Softmax { .. } => "softmax",
            Op::Logistic => "logistic",
            Op::Tanh => "tanh",
            Op::Relu => "relu",
            Op::Relu6 => "relu6",
            Op::ReluN1To1 => "relu-n1-to-1",
            Op::LeakyRelu { .. } => "leaky-relu",
            Op::HardSwish => "hard-swish",
            Op::Quantize => "quantize",
            Op::Dequantize => "dequantize",
            Op::Reshape => "reshape",
            Op::Squeeze { .. } => "squeeze",
            Op::Transpose => "transpose",
            Op::StridedSlice { .. } => "strided-slice",
        }
    }

    /// The fused activation, for operators that carry one.
    pub fn activation(&self) -> Option<Activation> {
        match self {
            Op::Conv2d { activation, .. }
            | Op::DepthwiseConv2d { activation, .. }
            | Op::FullyConnected { activation, .. }
            | Op::AveragePool2d { activation, .. }
            | Op::MaxPool2d { activation, .. }
            | Op::Add { activation }
            | Op::Sub { activation }
            | Op::Mul { activation }
            | Op::Concatenation { activation, .. } => Some(*activation),
            _ => None,
        }
    }

    /// Mutable access to the fused activation, for operators that carry one.
    pub fn activation_mut(&mut self) -> Option<&mut Activation> {
        match self {
            Op::Conv2d { activation, .. }
            | Op::DepthwiseConv2d { activation, .. }
            | Op::FullyConnected { activation, .. }
            | Op::AveragePool2d { activation, .. }
            | Op::MaxPool2d { activation, .. }
            | Op::Add { activation }
            | Op::Sub { activation }
            | Op::Mul { activation }
            | Op::Concatenation { activation, .. } => Some(activation),
            _ => None,
        }
    }

    /// True for operators that only change how the same bytes are indexed (no data movement).
    pub fn is_view(&self) -> bool {
        matches!(self, Op::Reshape | Op::Squeeze { .. })
    }

    /// Text form of the attributes, used by the IR's `Display`.
    pub fn attrs_text(&self) -> String {
        fn win(w: &Window2d) -> String {
            let p = w.padding;
            let mut s = format!("stride={}x{}", w.stride_h, w.stride_w);
            if w.dilation_h != 1 || w.dilation_w != 1 {
                s += &format!(" dilation={}x{}", w.dilation_h, w.dilation_w);
            }
            if !p.is_zero() {
                s += &format!(" pad=t{}b{}l{}r{}", p.top, p.bottom, p.left, p.right);
            }
            s
        }
        fn act(a: Activation) -> String {
            if a == Activation::None {
                String::new()
            } else {
                format!(" act={}", a.name())
            }
        }
        match self {
            Op::Conv2d { window, activation } => format!("{}{}", win(window), act(*activation)),
            Op::DepthwiseConv2d {
                window,
                depth_multiplier,
                activation,
            } => format!(
                "{} mult={}{}",
                win(window),
                depth_multiplier,
                act(*activation)
            ),
            Op::FullyConnected {
                activation,
                keep_num_dims,
            } => {
                let k = if *keep_num_dims { " keep_num_dims" } else { "" };
                format!("{}{}", act(*activation).trim_start(), k)
                    .trim()
                    .to_string()
            }
            Op::AveragePool2d {
                filter_h,
                filter_w,
                window,
                activation,
            }
            | Op::MaxPool2d {
                filter_h,
                filter_w,
                window,
                activation,
            } => format!(
                "filter={filter_h}x{filter_w} {}{}",
                win(window),
                act(*activation)
            ),
            Op::Add { activation } | Op::Sub { activation } | Op::Mul { activation } => {
                act(*activation).trim().to_string()
            }
            Op::Concatenation { axis, activation } => format!("axis={axis}{}", act(*activation)),
            Op::Mean { keep_dims } | Op::ReduceMax { keep_dims } => {
                if *keep_dims {
                    "keep_dims".into()
                } else {
                    String::new()
                }
            }
            Op::Softmax { beta } => format!("beta={beta}"),
            Op::LeakyRelu { alpha } => format!("alpha={alpha}"),
            Op::Squeeze { axes } => format!("axes={axes:?}"),
            Op::StridedSlice { masks } => format!(
                "begin_mask={} end_mask={} shrink_axis_mask={}",
                masks.begin_mask, masks.end_mask, masks.shrink_axis_mask
            ),
            _ => String::new(),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attrs = self.attrs_text();
        if attrs.is_empty() {
            f.write_str(self.name())
        } else {
            write!(f, "{}({})", self.name(), attrs)
        }
    }
}

//! Lowering of one IR node to C: the constant parameter structs it needs and the kernel call that runs it.
//!
//! Every shape, multiplier, shift, offset and clamp is computed here, at generation time, with
//! [`crate::arith`] (TFLite's rounding), so the C side never parses a model or touches float for int8.

use super::CodegenError;
use super::pack_depthwise;
use crate::arith::{activation_range_quantized, channel_multiplier, quantize_multiplier};
use crate::ir::{
    Activation, DType, Graph, Node, Op, PoolAttrs, PoolKind, Quant, TensorId, TensorType, Window2d,
};
use std::fmt::Write;

/// How the emitter names the memory of tensors.
pub trait Operands {
    /// A C expression of type `uint8_t *` (activations) or `const uint8_t *` (constants) for `t`.
    fn ptr(&self, t: TensorId) -> String;
    /// A C expression of type `const uint8_t *` for the re-arranged filter (or the folded bias, `bias`) of
    /// int8 matmul node `node` (see `super::pack`), or the stream of a 3×3 depthwise node (`bias` false, see
    /// `super::pack_depthwise`).
    fn packed(&self, node: usize, bias: bool) -> String;
}

/// The C for one node: file-scope declarations and the statement(s) that run it.
#[derive(Debug, Default)]
pub struct Lowered {
    /// Static const parameter definitions (file scope).
    pub decls: String,
    /// Statements inside the run function.
    pub call: String,
}

/// Lowers node `index` of `graph`. `p` is the C identifier prefix for this node's parameters.
pub fn lower_node(
    graph: &Graph,
    node: &Node,
    index: usize,
    p: &str,
    ops: &dyn Operands,
) -> Result<Lowered, CodegenError> {
    let cx = Cx { graph, node, index };
    match &node.op {
        Op::Conv2d { window, activation } => cx.conv(p, ops, window, 0, *activation),
        Op::DepthwiseConv2d {
            window,
            depth_multiplier,
            activation,
        } => cx.conv(p, ops, window, *depth_multiplier, *activation),
        Op::ConvPool2d {
            window,
            activation,
            pool,
        } => cx.conv_pool(p, ops, window, *activation, pool),
        Op::FullyConnected { activation, .. } => cx.fully_connected(p, ops, *activation),
        Op::AveragePool2d {
            filter_h,
            filter_w,
            window,
            activation,
        } => cx.pool(
            p,
            ops,
            "average_pool",
            *filter_h,
            *filter_w,
            window,
            *activation,
        ),
        Op::MaxPool2d {
            filter_h,
            filter_w,
            window,
            activation,
        } => cx.pool(
            p,
            ops,
            "max_pool",
            *filter_h,
            *filter_w,
            window,
            *activation,
        ),
        Op::Add { activation } => cx.binary(p, ops, "add", *activation),
        Op::Sub { activation } => cx.binary(p, ops, "sub", *activation),
        Op::Mul { activation } => cx.binary(p, ops, "mul", *activation),
        Op::Softmax { beta } => cx.softmax(p, ops, *beta),
        Op::Relu => cx.relu(p, ops, Activation::Relu, true),
        Op::Relu6 => cx.relu(p, ops, Activation::Relu6, false),
        Op::ReluN1To1 => cx.relu(p, ops, Activation::ReluN1To1, true),
        Op::Quantize => cx.quantize(p, ops),
        Op::Concatenation { axis, activation } => cx.concatenation(p, ops, *axis, *activation),
        Op::Pad => cx.pad(p, ops),
        Op::Dequantize => cx.dequantize(ops),
        Op::Reshape | Op::Squeeze { .. } => cx.copy(ops),
        _ => Err(cx.unsupported("no C kernel for this operator yet")),
    }
}

struct Cx<'a> {
    graph: &'a Graph,
    node: &'a Node,
    index: usize,
}

/// A float literal C accepts (infinite clamps become ±FLT_MAX).
pub fn c_float(v: f32) -> String {
    if v.is_finite() {
        format!("{v:e}f")
    } else if v > 0.0 {
        "3.402823466e+38f".into()
    } else {
        "-3.402823466e+38f".into()
    }
}

/// Whether an int8 convolution calls `nncube_conv2d_s8_first` (first layers: at most 4 input channels, a patch of at
/// most 18 widened words, at most 32 output channels, and records of `⌈out_c/4⌉ · (4·words + 16)` ≤ 384 words — the
/// limits of `core/runtime/src/nncube_conv_first.c`, which checks the quantization once per call and falls back to
/// `nncube_conv2d_s8` itself; docs/kernels.md "First layers"). Other networks do not link that kernel.
fn first_layer_kernel(kh: usize, kw: usize, ic: usize, oc: usize) -> bool {
    let row_bytes = kw * ic;
    let words = kh * 2 * (row_bytes / 4) + (kh * (row_bytes % 4)).div_ceil(2);
    ic <= 4 && oc <= 32 && words <= 18 && oc.div_ceil(4) * (4 * words + 16) <= 384
}

fn c_ints(values: &[i32]) -> String {
    let mut s = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push_str(if i % 8 == 0 { ",\n    " } else { ", " });
        }
        let _ = write!(s, "{v}");
    }
    s
}

impl Cx<'_> {
    fn unsupported(&self, reason: &str) -> CodegenError {
        CodegenError::Unsupported {
            node: self.node.name.clone(),
            op: self.node.op.name().to_string(),
            reason: reason.to_string(),
        }
    }

    fn input(&self, i: usize) -> Result<TensorId, CodegenError> {
        self.node
            .input(i)
            .ok_or_else(|| self.unsupported(&format!("operand {i} is missing")))
    }

    fn output(&self) -> Result<TensorId, CodegenError> {
        self.node
            .output()
            .ok_or_else(|| self.unsupported("the node has no output"))
    }

    fn shape(&self, t: TensorId) -> &[usize] {
        &self.graph.tensor(t).ty.shape
    }

    fn dtype(&self, t: TensorId) -> DType {
        self.graph.tensor(t).ty.dtype
    }

    /// Per-tensor (scale, zero point) of an int8 activation.
    fn qparams(&self, t: TensorId) -> Result<(f32, i32), CodegenError> {
        self.graph.tensor(t).ty.per_tensor_quant().ok_or_else(|| {
            self.unsupported(&format!(
                "int8 tensor `{}` needs per-tensor quantization",
                self.graph.tensor(t).name
            ))
        })
    }

    /// The computation dtype: all-f32 or int8 activations; anything else is unsupported.
    fn act_dtype(&self, ts: &[TensorId]) -> Result<DType, CodegenError> {
        let d = self.dtype(ts[0]);
        if ts.iter().any(|&t| self.dtype(t) != d) || !matches!(d, DType::F32 | DType::I8) {
            return Err(self.unsupported("operands must be all int8 or all float32"));
        }
        Ok(d)
    }

    fn float_clamp(&self, p: &str, activation: Activation) -> Result<String, CodegenError> {
        let (lo, hi) = activation
            .clamp_range()
            .ok_or_else(|| self.unsupported("fused tanh is not supported"))?;
        Ok(format!(
            "static const nncube_clamp_f32_params {p}_clamp = {{{}, {}}};\n",
            c_float(lo),
            c_float(hi)
        ))
    }

    fn int8_range(
        &self,
        activation: Activation,
        out: TensorId,
    ) -> Result<(i32, i32), CodegenError> {
        if activation == Activation::Tanh {
            return Err(self.unsupported("fused tanh is not supported"));
        }
        let (scale, zp) = self.qparams(out)?;
        Ok(activation_range_quantized(activation, scale, zp, -128, 127))
    }

    /// NHWC dims of a rank-4 tensor.
    fn nhwc(&self, t: TensorId) -> Result<[usize; 4], CodegenError> {
        match self.shape(t) {
            &[n, h, w, c] => Ok([n, h, w, c]),
            s => Err(self.unsupported(&format!("expected a rank-4 NHWC tensor, got {s:?}"))),
        }
    }

    fn window_decl(
        &self,
        p: &str,
        input: TensorId,
        output: TensorId,
        k: (usize, usize),
        w: &Window2d,
    ) -> Result<String, CodegenError> {
        let (input, output) = (self.nhwc(input)?, self.nhwc(output)?);
        Ok(window_struct(p, input, output, k, w))
    }

    /// NHWC dims of a rank-4 tensor type.
    fn nhwc_of(&self, ty: &TensorType) -> Result<[usize; 4], CodegenError> {
        match ty.shape.as_slice() {
            &[n, h, w, c] => Ok([n, h, w, c]),
            s => Err(self.unsupported(&format!("expected a rank-4 NHWC tensor, got {s:?}"))),
        }
    }
}

/// A `nncube_window` definition named `{p}_window`.
fn window_struct(
    p: &str,
    [n, ih, iw, ic]: [usize; 4],
    [_, oh, ow, oc]: [usize; 4],
    k: (usize, usize),
    w: &Window2d,
) -> String {
    format!(
        "static const nncube_window {p}_window = {{{n}, {ih}, {iw}, {ic}, {oh}, {ow}, {oc}, {}, {}, {}, {}, {}, {}, {}, {}}};\n",
        k.0, k.1, w.stride_h, w.stride_w, w.dilation_h, w.dilation_w, w.padding.top, w.padding.left
    )
}

impl Cx<'_> {
    /// Multipliers and shifts of a conv-like layer, one per output channel.
    fn channel_multipliers(
        &self,
        input: TensorId,
        filter: TensorId,
        output: TensorId,
        channels: usize,
    ) -> Result<(Vec<i32>, Vec<i32>), CodegenError> {
        let (out_scale, _) = self.qparams(output)?;
        self.channel_multipliers_to(input, filter, out_scale, channels)
    }

    /// [`Self::channel_multipliers`] towards an output scale given directly.
    fn channel_multipliers_to(
        &self,
        input: TensorId,
        filter: TensorId,
        out_scale: f32,
        channels: usize,
    ) -> Result<(Vec<i32>, Vec<i32>), CodegenError> {
        let (in_scale, _) = self.qparams(input)?;
        let fq = self
            .graph
            .tensor(filter)
            .ty
            .quant
            .as_ref()
            .ok_or_else(|| self.unsupported("int8 weights need quantization parameters"))?;
        let mut mults = Vec::with_capacity(channels);
        let mut shifts = Vec::with_capacity(channels);
        for c in 0..channels {
            let q = channel_multiplier(in_scale, fq.scale(c), out_scale);
            mults.push(q.multiplier);
            shifts.push(q.shift);
        }
        Ok((mults, shifts))
    }

    #[allow(clippy::too_many_arguments)]
    fn quant_decl(
        &self,
        p: &str,
        input: TensorId,
        filter_zp: i32,
        output: TensorId,
        activation: Activation,
        mults: &[i32],
        shifts: &[i32],
    ) -> Result<String, CodegenError> {
        let (_, out_zp) = self.qparams(output)?;
        let (lo, hi) = self.int8_range(activation, output)?;
        self.quant_struct(p, input, filter_zp, (out_zp, lo, hi), mults, shifts)
    }

    /// A `nncube_quant_s8` named `{p}_quant` (with its multiplier and shift arrays) towards the output zero
    /// point and clamp `(out_zp, lo, hi)`.
    fn quant_struct(
        &self,
        p: &str,
        input: TensorId,
        filter_zp: i32,
        (out_zp, lo, hi): (i32, i32, i32),
        mults: &[i32],
        shifts: &[i32],
    ) -> Result<String, CodegenError> {
        let (_, in_zp) = self.qparams(input)?;
        Ok(format!(
            "static const int32_t {p}_multiplier[{}] = {{\n    {}}};\nstatic const int32_t {p}_shift[{}] = {{\n    {}}};\n\
             static const nncube_quant_s8 {p}_quant = {{{}, {}, {out_zp}, {lo}, {hi}, {p}_multiplier, {p}_shift}};\n",
            mults.len(),
            c_ints(mults),
            shifts.len(),
            c_ints(shifts),
            -in_zp,
            -filter_zp,
        ))
    }

    /// The filter and bias arguments of an int8 matmul kernel: the node's re-arranged weights (`super::pack`).
    fn packed_args(&self, ops: &dyn Operands) -> (String, String) {
        (
            format!("(const int8_t *)({})", ops.packed(self.index, false)),
            format!("(const int32_t *)({})", ops.packed(self.index, true)),
        )
    }

    fn bias_arg(&self, ops: &dyn Operands, ctype: &str) -> String {
        match self.node.input(2) {
            Some(b) => format!("(const {ctype} *)({})", ops.ptr(b)),
            None => "NULL".into(),
        }
    }

    fn conv(
        &self,
        p: &str,
        ops: &dyn Operands,
        window: &Window2d,
        depth_multiplier: usize,
        activation: Activation,
    ) -> Result<Lowered, CodegenError> {
        let (input, filter, output) = (self.input(0)?, self.input(1)?, self.output()?);
        let depthwise = matches!(self.node.op, Op::DepthwiseConv2d { .. });
        let [_, kh, kw, fc] = self.nhwc(filter)?;
        let [_, _, _, ic] = self.nhwc(input)?;
        let [_, _, _, oc] = self.nhwc(output)?;
        if !depthwise && fc != ic {
            return Err(self.unsupported("grouped convolution is not supported"));
        }
        let dt = self.act_dtype(&[input, filter, output])?;
        let mut decls = self.window_decl(p, input, output, (kh, kw), window)?;
        let (kernel, mult_arg) = if depthwise {
            ("depthwise_conv2d", format!("{depth_multiplier}, "))
        } else {
            ("conv2d", String::new())
        };
        let call = if dt == DType::I8
            && !depthwise
            && super::pack::pointwise_records(self.graph, self.node).is_some()
        {
            // 1×1 on channel records: they hold the filter, bias and output stage (`super::pack`).
            let variant = if super::pack::POINTWISE_DEPTHS.contains(&ic) {
                "small"
            } else {
                "wide"
            };
            format!(
                "nncube_conv1x1_{variant}_s8(&{p}_window, (const int32_t *)({}), (const int8_t *)({}), (int8_t *)({}));\n",
                ops.packed(self.index, false),
                ops.ptr(input),
                ops.ptr(output)
            )
        } else if depthwise
            && dt == DType::I8
            && pack_depthwise::plan(self.graph, self.node).is_some()
        {
            // 3×3 on its generation-time layout: the stream holds the requantization records.
            let (_, out_zp) = self.qparams(output)?;
            let (_, in_zp) = self.qparams(input)?;
            let (lo, hi) = self.int8_range(activation, output)?;
            decls += &format!(
                "static const nncube_quant_s8 {p}_quant = {{{}, 0, {out_zp}, {lo}, {hi}, NULL, NULL}};\n",
                -in_zp
            );
            format!(
                "nncube_depthwise_3x3_s8(&{p}_window, &{p}_quant, (const int8_t *)({}), (const uint32_t *)({}), (int8_t *)({}));\n",
                ops.ptr(input),
                ops.packed(self.index, false),
                ops.ptr(output)
            )
        } else if dt == DType::I8 {
            let (mults, shifts) = self.channel_multipliers(input, filter, output, oc)?;
            decls += &self.quant_decl(p, input, 0, output, activation, &mults, &shifts)?;
            // Other depthwise layers read the filter as imported; regular convolutions read it re-arranged.
            let (filter_arg, bias_arg) = if depthwise {
                (
                    format!("(const int8_t *)({})", ops.ptr(filter)),
                    self.bias_arg(ops, "int32_t"),
                )
            } else {
                self.packed_args(ops)
            };
            let variant = if !depthwise && first_layer_kernel(kh, kw, ic, oc) {
                "_first"
            } else {
                ""
            };
            format!(
                "nncube_{kernel}_s8{variant}(&{p}_window, {mult_arg}&{p}_quant, (const int8_t *)({}), {filter_arg}, {bias_arg}, (int8_t *)({}));\n",
                ops.ptr(input),
                ops.ptr(output)
            )
        } else {
            decls += &self.float_clamp(p, activation)?;
            format!(
                "nncube_{kernel}_f32(&{p}_window, {mult_arg}&{p}_clamp, (const float *)({}), (const float *)({}), {}, (float *)({}));\n",
                ops.ptr(input),
                ops.ptr(filter),
                self.bias_arg(ops, "float"),
                ops.ptr(output)
            )
        };
        Ok(Lowered { decls, call })
    }

    /// Conv followed by pooling ([`Op::ConvPool2d`]): one kernel, the conv's output stage towards
    /// [`PoolAttrs::conv_output`], then the pool's clamp in the output's quantization (pooling keeps it).
    fn conv_pool(
        &self,
        p: &str,
        ops: &dyn Operands,
        window: &Window2d,
        activation: Activation,
        pool: &PoolAttrs,
    ) -> Result<Lowered, CodegenError> {
        let (input, filter, output) = (self.input(0)?, self.input(1)?, self.output()?);
        let [_, kh, kw, fc] = self.nhwc(filter)?;
        let in_dims = self.nhwc(input)?;
        let mid_dims = self.nhwc_of(&pool.conv_output)?;
        let out_dims = self.nhwc(output)?;
        if fc != in_dims[3] {
            return Err(self.unsupported("grouped convolution is not supported"));
        }
        let dt = self.act_dtype(&[input, filter, output])?;
        if pool.conv_output.dtype != dt {
            return Err(self.unsupported("the conv result must have the operands' element type"));
        }
        let conv_p = format!("{p}_conv");
        let pool_p = format!("{p}_pool");
        let mut decls = window_struct(&conv_p, in_dims, mid_dims, (kh, kw), window);
        decls += &window_struct(
            &pool_p,
            mid_dims,
            out_dims,
            (pool.filter_h, pool.filter_w),
            &pool.window,
        );
        let kind = match pool.kind {
            PoolKind::Max => "NNCUBE_POOL_MAX",
            PoolKind::Average => "NNCUBE_POOL_AVERAGE",
        };
        let call = if dt == DType::I8
            && super::pack::pointwise_records(self.graph, self.node).is_some()
        {
            // 1×1, wide depth: the channel records requantize to the conv result (`super::pack`).
            let (lo, hi) = self.int8_range(pool.activation, output)?;
            let variant = if fc <= super::pack::POINTWISE_POOL_WIDE_MAX_DEPTH {
                "wide"
            } else {
                "deep"
            };
            format!(
                "nncube_conv_pool1x1_{variant}_s8(&{conv_p}_window, &{pool_p}_window, {kind}, {lo}, {hi}, (const int32_t *)({}), (const int8_t *)({}), (int8_t *)({}));\n",
                ops.packed(self.index, false),
                ops.ptr(input),
                ops.ptr(output)
            )
        } else if dt == DType::I8 {
            let (mid_scale, mid_zp) = pool.conv_output.per_tensor_quant().ok_or_else(|| {
                self.unsupported("the int8 conv result needs per-tensor quantization")
            })?;
            if activation == Activation::Tanh {
                return Err(self.unsupported("fused tanh is not supported"));
            }
            let (clo, chi) = activation_range_quantized(activation, mid_scale, mid_zp, -128, 127);
            let (mults, shifts) =
                self.channel_multipliers_to(input, filter, mid_scale, mid_dims[3])?;
            decls += &self.quant_struct(&conv_p, input, 0, (mid_zp, clo, chi), &mults, &shifts)?;
            let (lo, hi) = self.int8_range(pool.activation, output)?;
            let (filter_arg, bias_arg) = self.packed_args(ops);
            format!(
                "nncube_conv_pool2d_s8(&{conv_p}_window, &{conv_p}_quant, &{pool_p}_window, {kind}, {lo}, {hi}, (const int8_t *)({}), {filter_arg}, {bias_arg}, (int8_t *)({}));\n",
                ops.ptr(input),
                ops.ptr(output)
            )
        } else {
            decls += &self.float_clamp(&conv_p, activation)?;
            decls += &self.float_clamp(&pool_p, pool.activation)?;
            format!(
                "nncube_conv_pool2d_f32(&{conv_p}_window, &{conv_p}_clamp, &{pool_p}_window, {kind}, &{pool_p}_clamp, (const float *)({}), (const float *)({}), {}, (float *)({}));\n",
                ops.ptr(input),
                ops.ptr(filter),
                self.bias_arg(ops, "float"),
                ops.ptr(output)
            )
        };
        Ok(Lowered { decls, call })
    }

    fn fully_connected(
        &self,
        p: &str,
        ops: &dyn Operands,
        activation: Activation,
    ) -> Result<Lowered, CodegenError> {
        let (input, weights, output) = (self.input(0)?, self.input(1)?, self.output()?);
        let (out_f, in_f) = match self.shape(weights) {
            &[o, i] => (o, i),
            s => return Err(self.unsupported(&format!("weights must be [out, in], got {s:?}"))),
        };
        let in_elems = self.graph.tensor(input).ty.num_elements();
        if in_f == 0 || in_elems % in_f != 0 {
            return Err(self.unsupported("input size is not a multiple of the weights' input size"));
        }
        let batches = in_elems / in_f;
        let mut decls =
            format!("static const nncube_fc_shape {p}_shape = {{{batches}, {in_f}, {out_f}}};\n");
        let dt = self.act_dtype(&[input, weights, output])?;
        let call = if dt == DType::I8 {
            let per_channel = self
                .graph
                .tensor(weights)
                .ty
                .quant
                .as_ref()
                .is_some_and(Quant::is_per_channel);
            let channels = if per_channel { out_f } else { 1 };
            let (mults, shifts) = self.channel_multipliers(input, weights, output, channels)?;
            let filter_zp = self
                .graph
                .tensor(weights)
                .ty
                .quant
                .as_ref()
                .map_or(0, |q| q.zero_point(0));
            decls += &self.quant_decl(p, input, filter_zp, output, activation, &mults, &shifts)?;
            let (weights_arg, bias_arg) = self.packed_args(ops);
            format!(
                "nncube_fully_connected_s8(&{p}_shape, &{p}_quant, {}, (const int8_t *)({}), {weights_arg}, {bias_arg}, (int8_t *)({}));\n",
                i32::from(per_channel),
                ops.ptr(input),
                ops.ptr(output)
            )
        } else {
            decls += &self.float_clamp(p, activation)?;
            format!(
                "nncube_fully_connected_f32(&{p}_shape, &{p}_clamp, (const float *)({}), (const float *)({}), {}, (float *)({}));\n",
                ops.ptr(input),
                ops.ptr(weights),
                self.bias_arg(ops, "float"),
                ops.ptr(output)
            )
        };
        Ok(Lowered { decls, call })
    }

    #[allow(clippy::too_many_arguments)]
    fn pool(
        &self,
        p: &str,
        ops: &dyn Operands,
        kernel: &str,
        fh: usize,
        fw: usize,
        window: &Window2d,
        activation: Activation,
    ) -> Result<Lowered, CodegenError> {
        let (input, output) = (self.input(0)?, self.output()?);
        let mut decls = self.window_decl(p, input, output, (fh, fw), window)?;
        let call = if self.act_dtype(&[input, output])? == DType::I8 {
            let (lo, hi) = self.int8_range(activation, output)?;
            format!(
                "nncube_{kernel}_s8(&{p}_window, {lo}, {hi}, (const int8_t *)({}), (int8_t *)({}));\n",
                ops.ptr(input),
                ops.ptr(output)
            )
        } else {
            decls += &self.float_clamp(p, activation)?;
            format!(
                "nncube_{kernel}_f32(&{p}_window, &{p}_clamp, (const float *)({}), (float *)({}));\n",
                ops.ptr(input),
                ops.ptr(output)
            )
        };
        Ok(Lowered { decls, call })
    }

    /// Same-shape add, sub (`kind` names the kernel) or mul.
    fn binary(
        &self,
        p: &str,
        ops: &dyn Operands,
        kind: &str,
        activation: Activation,
    ) -> Result<Lowered, CodegenError> {
        let (a, b, output) = (self.input(0)?, self.input(1)?, self.output()?);
        if self.shape(a) != self.shape(b) || self.shape(a) != self.shape(output) {
            return Err(self.unsupported("broadcasting is not supported yet"));
        }
        if kind == "mul" && self.act_dtype(&[a, b, output])? == DType::I8 {
            let (sa, za) = self.qparams(a)?;
            let (sb, zb) = self.qparams(b)?;
            let (so, zo) = self.qparams(output)?;
            let m = quantize_multiplier(f64::from(sa) * f64::from(sb) / f64::from(so));
            let (lo, hi) = self.int8_range(activation, output)?;
            let count = self.graph.tensor(output).ty.num_elements();
            return Ok(Lowered {
                decls: format!(
                    "static const nncube_mul_s8_params {p}_mul = {{{}, {}, {zo}, {}, {}, {lo}, {hi}}};\n",
                    -za, -zb, m.multiplier, m.shift
                ),
                call: format!(
                    "nncube_mul_s8(&{p}_mul, {count}u, (const int8_t *)({}), (const int8_t *)({}), (int8_t *)({}));\n",
                    ops.ptr(a),
                    ops.ptr(b),
                    ops.ptr(output)
                ),
            });
        }
        let count = self.graph.tensor(output).ty.num_elements();
        let mut decls = String::new();
        let call = if self.act_dtype(&[a, b, output])? == DType::I8 {
            let (sa, za) = self.qparams(a)?;
            let (sb, zb) = self.qparams(b)?;
            let (so, zo) = self.qparams(output)?;
            let left_shift = 20;
            let twice_max = 2.0 * f64::from(sa.max(sb));
            let m1 = quantize_multiplier(f64::from(sa) / twice_max);
            let m2 = quantize_multiplier(f64::from(sb) / twice_max);
            let mo =
                quantize_multiplier(twice_max / (f64::from(1u32 << left_shift) * f64::from(so)));
            let (lo, hi) = self.int8_range(activation, output)?;
            let _ = writeln!(
                decls,
                "static const nncube_add_s8_params {p}_add = {{{}, {}, {zo}, {left_shift}, {}, {}, {}, {}, {}, {}, {lo}, {hi}}};",
                -za, -zb, m1.multiplier, m1.shift, m2.multiplier, m2.shift, mo.multiplier, mo.shift
            );
            format!(
                "nncube_{kind}_s8(&{p}_add, {count}u, (const int8_t *)({}), (const int8_t *)({}), (int8_t *)({}));\n",
                ops.ptr(a),
                ops.ptr(b),
                ops.ptr(output)
            )
        } else {
            decls += &self.float_clamp(p, activation)?;
            format!(
                "nncube_{kind}_f32(&{p}_clamp, {count}u, (const float *)({}), (const float *)({}), (float *)({}));\n",
                ops.ptr(a),
                ops.ptr(b),
                ops.ptr(output)
            )
        };
        Ok(Lowered { decls, call })
    }

    fn softmax(&self, p: &str, ops: &dyn Operands, beta: f32) -> Result<Lowered, CodegenError> {
        let (input, output) = (self.input(0)?, self.output()?);
        let depth = self.shape(input).last().copied().unwrap_or(1).max(1);
        let rows = self.graph.tensor(input).ty.num_elements() / depth;
        if self.act_dtype(&[input, output])? == DType::I8 {
            let (in_scale, _) = self.qparams(input)?;
            let (_, out_zp) = self.qparams(output)?;
            if out_zp != -128 {
                return Err(self.unsupported("int8 softmax output must have zero point -128"));
            }
            const INTEGER_BITS: i32 = 5;
            let real =
                (f64::from(beta) * f64::from(in_scale) * f64::from(1u32 << (31 - INTEGER_BITS)))
                    .min(f64::from(i32::MAX));
            let q = quantize_multiplier(real);
            let radius = f64::from((1i32 << INTEGER_BITS) - 1)
                * f64::from(1u32 << (31 - INTEGER_BITS))
                / 2f64.powi(q.shift);
            let diff_min = -(radius.floor() as i64).min(i64::from(i32::MAX));
            Ok(Lowered {
                decls: format!(
                    "static const nncube_softmax_s8_params {p}_softmax = {{{}, {}, {diff_min}}};\n",
                    q.multiplier, q.shift
                ),
                call: format!(
                    "nncube_softmax_s8(&{p}_softmax, {rows}, {depth}, (const int8_t *)({}), (int8_t *)({}));\n",
                    ops.ptr(input),
                    ops.ptr(output)
                ),
            })
        } else {
            Ok(Lowered {
                decls: String::new(),
                call: format!(
                    "nncube_softmax_f32({}, {rows}, {depth}, (const float *)({}), (float *)({}));\n",
                    c_float(beta),
                    ops.ptr(input),
                    ops.ptr(output)
                ),
            })
        }
    }

    /// The relu family: a float clamp, or an int8 requantization (identity when `requantize` is false, as
    /// TFLite's RELU6 keeps the input's quantization) with the clamp in the output's quantized domain.
    fn relu(
        &self,
        p: &str,
        ops: &dyn Operands,
        activation: Activation,
        requantize: bool,
    ) -> Result<Lowered, CodegenError> {
        let (input, output) = (self.input(0)?, self.output()?);
        let count = self.graph.tensor(output).ty.num_elements();
        if self.act_dtype(&[input, output])? == DType::F32 {
            return Ok(Lowered {
                decls: self.float_clamp(p, activation)?,
                call: format!(
                    "nncube_clamp_array_f32(&{p}_clamp, {count}u, (const float *)({}), (float *)({}));\n",
                    ops.ptr(input),
                    ops.ptr(output)
                ),
            });
        }
        let (s_in, z_in) = self.qparams(input)?;
        let (s_out, z_out) = self.qparams(output)?;
        let (lo_q, hi_q) = self.int8_range(activation, output)?;
        let (m, zi, zo) = if requantize {
            (
                quantize_multiplier(f64::from(s_in) / f64::from(s_out)),
                z_in,
                z_out,
            )
        } else {
            (quantize_multiplier(1.0), 0, 0)
        };
        Ok(self.requantize_call(p, ops, input, output, (zi, m, zo), (lo_q, hi_q)))
    }

    fn requantize_call(
        &self,
        p: &str,
        ops: &dyn Operands,
        input: TensorId,
        output: TensorId,
        (zi, m, zo): (i32, crate::arith::QuantizedMultiplier, i32),
        (lo, hi): (i32, i32),
    ) -> Lowered {
        let count = self.graph.tensor(output).ty.num_elements();
        Lowered {
            decls: format!(
                "static const nncube_requant_s8_params {p}_requant = {{{zi}, {}, {}, {zo}, {lo}, {hi}}};\n",
                m.multiplier, m.shift
            ),
            call: format!(
                "nncube_requantize_s8(&{p}_requant, {count}u, (const int8_t *)({}), (int8_t *)({}));\n",
                ops.ptr(input),
                ops.ptr(output)
            ),
        }
    }

    /// Float → int8, or int8 → int8 with a new scale/zero point.
    fn quantize(&self, p: &str, ops: &dyn Operands) -> Result<Lowered, CodegenError> {
        let (input, output) = (self.input(0)?, self.output()?);
        if self.dtype(output) != DType::I8 {
            return Err(self.unsupported("only int8 outputs are supported"));
        }
        let (s_out, z_out) = self.qparams(output)?;
        match self.dtype(input) {
            DType::F32 => Ok(Lowered {
                decls: String::new(),
                call: format!(
                    "nncube_quantize_f32_s8({}, {z_out}, {}u, (const float *)({}), (int8_t *)({}));\n",
                    c_float(s_out),
                    self.graph.tensor(output).ty.num_elements(),
                    ops.ptr(input),
                    ops.ptr(output)
                ),
            }),
            DType::I8 => {
                let (s_in, z_in) = self.qparams(input)?;
                let m = quantize_multiplier(f64::from(s_in) / f64::from(s_out));
                Ok(self.requantize_call(p, ops, input, output, (z_in, m, z_out), (-128, 127)))
            }
            _ => Err(self.unsupported("only float32 or int8 inputs are supported")),
        }
    }

    /// Int8 → float.
    fn dequantize(&self, ops: &dyn Operands) -> Result<Lowered, CodegenError> {
        let (input, output) = (self.input(0)?, self.output()?);
        if self.dtype(input) != DType::I8 || self.dtype(output) != DType::F32 {
            return Err(self.unsupported("only int8 to float32 is supported"));
        }
        let (scale, zp) = self.qparams(input)?;
        Ok(Lowered {
            decls: String::new(),
            call: format!(
                "nncube_dequantize_s8_f32({}, {zp}, {}u, (const int8_t *)({}), (float *)({}));\n",
                c_float(scale),
                self.graph.tensor(output).ty.num_elements(),
                ops.ptr(input),
                ops.ptr(output)
            ),
        })
    }

    /// Concatenation of operands with the output's dtype and quantization, without a fused activation.
    fn concatenation(
        &self,
        p: &str,
        ops: &dyn Operands,
        axis: usize,
        activation: Activation,
    ) -> Result<Lowered, CodegenError> {
        let output = self.output()?;
        let out_ty = &self.graph.tensor(output).ty;
        if activation != Activation::None {
            return Err(self.unsupported("a fused activation on concatenation is not supported"));
        }
        let inputs: Vec<TensorId> = (0..self.node.inputs.len())
            .map(|i| self.input(i))
            .collect::<Result<_, _>>()?;
        let mut chunks = Vec::with_capacity(inputs.len());
        for &t in &inputs {
            let ty = &self.graph.tensor(t).ty;
            if ty.dtype != out_ty.dtype || ty.quant != out_ty.quant {
                return Err(self
                    .unsupported("operands must have the output's element type and quantization"));
            }
            let inner: usize = ty.shape.get(axis..).map_or(1, |s| s.iter().product());
            chunks.push(inner * ty.dtype.size_bytes());
        }
        let outer: usize = out_ty.shape.get(..axis).map_or(1, |s| s.iter().product());
        let ptrs: Vec<String> = inputs
            .iter()
            .map(|&t| format!("(const uint8_t *)({})", ops.ptr(t)))
            .collect();
        let n = inputs.len();
        Ok(Lowered {
            decls: format!(
                "static const size_t {p}_chunk_bytes[{n}] = {{{}}};\n",
                chunks
                    .iter()
                    .map(|c| format!("{c}u"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            call: format!(
                "{{\n    const uint8_t *const {p}_inputs[{n}] = {{{}}};\n    nncube_concatenation({outer}u, {n}u, {p}_inputs, {p}_chunk_bytes, (uint8_t *)({}));\n}}\n",
                ptrs.join(", "),
                ops.ptr(output)
            ),
        })
    }

    /// Constant padding of a tensor of rank ≤ 4 (paddings and the optional fill value are constants).
    fn pad(&self, p: &str, ops: &dyn Operands) -> Result<Lowered, CodegenError> {
        let (input, paddings, output) = (self.input(0)?, self.input(1)?, self.output()?);
        let in_ty = &self.graph.tensor(input).ty;
        let rank = in_ty.shape.len();
        if rank > 4 {
            return Err(self.unsupported("padding tensors of rank above 4 is not supported"));
        }
        let pads_t = self.graph.tensor(paddings);
        let pads = pads_t
            .data
            .as_ref()
            .and_then(|d| d.as_index_values(pads_t.ty.dtype))
            .filter(|v| v.len() == 2 * rank)
            .ok_or_else(|| {
                self.unsupported("paddings must be a constant [rank, 2] integer tensor")
            })?;
        let es = in_ty.dtype.size_bytes();
        let fill: Vec<u8> = match self.node.input(2) {
            Some(v) => self
                .graph
                .tensor(v)
                .data
                .as_ref()
                .map(|d| d.bytes().to_vec())
                .filter(|b| b.len() == es)
                .ok_or_else(|| self.unsupported("the pad value must be a constant scalar"))?,
            None => match (in_ty.dtype, self.graph.tensor(output).ty.per_tensor_quant()) {
                (DType::I8, Some((_, zp))) => vec![zp.clamp(-128, 127) as i8 as u8],
                _ => vec![0; es],
            },
        };
        let four = |dims: &[usize]| -> String {
            let mut v = vec![1usize; 4 - rank];
            v.extend_from_slice(dims);
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let before: Vec<usize> = (0..rank).map(|d| pads[2 * d].max(0) as usize).collect();
        let mut before4 = vec![0usize; 4 - rank];
        before4.extend_from_slice(&before);
        Ok(Lowered {
            decls: format!(
                "static const nncube_pad_params {p}_pad = {{{{{}}}, {{{}}}, {{{}}}, {es}}};\nstatic const uint8_t {p}_fill[{}] = {{{}}};\n",
                four(&in_ty.shape),
                four(&self.graph.tensor(output).ty.shape),
                before4
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                fill.len(),
                fill.iter()
                    .map(|b| format!("0x{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            call: format!(
                "nncube_pad(&{p}_pad, {p}_fill, (const uint8_t *)({}), (uint8_t *)({}));\n",
                ops.ptr(input),
                ops.ptr(output)
            ),
        })
    }

    /// Reshape/squeeze: the emitter aliases the buffer when it can; otherwise the bytes move (memmove).
    fn copy(&self, ops: &dyn Operands) -> Result<Lowered, CodegenError> {
        let (input, output) = (self.input(0)?, self.output()?);
        let (src, dst) = (ops.ptr(input), ops.ptr(output));
        let call = if src == dst {
            String::new()
        } else {
            format!(
                "memmove({dst}, {src}, {}u);\n",
                self.graph.tensor(output).ty.size_bytes()
            )
        };
        Ok(Lowered {
            decls: String::new(),
            call,
        })
    }
}

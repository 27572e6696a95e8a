//! TFLite flatbuffer reader (schema version 3), built on the generated schema that tract-tflite exposes.
//!
//! Handles: deprecated vs extended builtin codes, optional operands (index −1), per-tensor and per-channel
//! quantization, constant buffers, and subgraph 0 only (a model with several subgraphs is refused).

use super::ImportError;
use crate::ir::{
    Activation, ConstData, DType, Graph, Op, Padding2d, Quant, StridedSliceMasks, TensorId,
    TensorType, Window2d,
};
use tract_tflite::tflite as fb;

type FbTensor<'a> = fb::Tensor<'a>;

/// Imports a TFLite flatbuffer.
pub fn import(bytes: &[u8], name: &str) -> Result<Graph, ImportError> {
    if bytes.len() < 8 || !fb::model_buffer_has_identifier(bytes) {
        let found = bytes
            .get(4..8)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_else(|| format!("{} bytes only", bytes.len()));
        return Err(ImportError::NotTflite { found });
    }
    let model = fb::root_as_model(bytes).map_err(|e| ImportError::Corrupt {
        // The verifier appends a multi-line trace; its first line says what is wrong.
        detail: e
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid flatbuffer")
            .trim()
            .to_string(),
    })?;
    let subgraphs = model
        .subgraphs()
        .ok_or_else(|| ImportError::Subgraphs("the model has no subgraph".into()))?;
    match subgraphs.len() {
        0 => return Err(ImportError::Subgraphs("the model has no subgraph".into())),
        1 => {}
        n => {
            return Err(ImportError::Subgraphs(format!(
                "the model has {n} subgraphs (control flow such as WHILE/IF or several signatures); \
                 nncube compiles single-subgraph models: export the model without control flow"
            )));
        }
    }
    let sg = subgraphs.get(0);
    let mut cx = Cx {
        model,
        graph: Graph::new(name),
        tensor_map: Vec::new(),
    };
    cx.import_tensors(&sg)?;
    cx.graph.inputs = cx.map_list(sg.inputs(), "subgraph inputs")?;
    cx.graph.outputs = cx.map_list(sg.outputs(), "subgraph outputs")?;
    if let Some(ops) = sg.operators() {
        for (index, op) in ops.iter().enumerate() {
            cx.import_operator(index, &op)?;
        }
    }
    cx.graph.remove_unused_tensors();
    cx.graph.verify()?;
    Ok(cx.graph)
}

struct Cx<'a> {
    model: fb::Model<'a>,
    graph: Graph,
    /// TFLite tensor index → IR tensor id.
    tensor_map: Vec<TensorId>,
}

fn dtype_of(t: fb::TensorType) -> Option<DType> {
    Some(match t {
        fb::TensorType::FLOAT32 => DType::F32,
        fb::TensorType::INT8 => DType::I8,
        fb::TensorType::UINT8 => DType::U8,
        fb::TensorType::INT16 => DType::I16,
        fb::TensorType::INT32 => DType::I32,
        fb::TensorType::INT64 => DType::I64,
        fb::TensorType::BOOL => DType::Bool,
        _ => return None,
    })
}

fn quant_of(t: &FbTensor<'_>, rank: usize) -> Result<Option<Quant>, String> {
    let Some(q) = t.quantization() else {
        return Ok(None);
    };
    let Some(scales) = q.scale() else {
        return Ok(None);
    };
    if scales.is_empty() {
        return Ok(None);
    }
    let zps: Vec<i32> = q
        .zero_point()
        .map(|z| z.iter().map(|v| v as i32).collect())
        .unwrap_or_default();
    let scales: Vec<f32> = scales.iter().collect();
    if scales.len() == 1 {
        return Ok(Some(Quant::PerTensor {
            scale: scales[0],
            zero_point: zps.first().copied().unwrap_or(0),
        }));
    }
    // Some converters wrote the weights' axis (3) on rank-1 biases; TFLite Micro reads rank-1 tensors along axis 0.
    let axis = if rank == 1 {
        Some(0)
    } else {
        usize::try_from(q.quantized_dimension()).ok()
    };
    let axis = axis.filter(|&a| a < rank).ok_or_else(|| {
        format!(
            "quantized dimension {} out of range for rank {rank}",
            q.quantized_dimension()
        )
    })?;
    let zero_points = if zps.is_empty() {
        vec![0; scales.len()]
    } else {
        zps
    };
    Ok(Some(Quant::PerChannel {
        scales,
        zero_points,
        axis,
    }))
}

impl<'a> Cx<'a> {
    fn import_tensors(&mut self, sg: &fb::SubGraph<'a>) -> Result<(), ImportError> {
        let buffers = self.model.buffers();
        let Some(tensors) = sg.tensors() else {
            return Ok(());
        };
        for (index, t) in tensors.iter().enumerate() {
            let name = t.name().unwrap_or("").to_string();
            let bad = |message: String| ImportError::BadTensor {
                tensor: name.clone(),
                index,
                message,
            };
            let dtype = dtype_of(t.type_()).ok_or_else(|| {
                bad(format!(
                    "element type {} is not supported (nncube handles float32, int8, uint8, int16, int32, int64, bool)",
                    t.type_().variant_name().unwrap_or("unknown")
                ))
            })?;
            let shape = t
                .shape()
                .map(|s| {
                    s.iter()
                        .map(|d| usize::try_from(d).map_err(|_| d))
                        .collect::<Result<Vec<_>, i32>>()
                })
                .transpose()
                .map_err(|d| {
                    bad(format!(
                        "dimension {d} is not static; freeze the model's input shape before export"
                    ))
                })?
                .unwrap_or_default();
            if t.sparsity().is_some() {
                return Err(bad(
                    "sparse tensors are not supported; export the model densely".into(),
                ));
            }
            let quant = quant_of(&t, shape.len()).map_err(bad)?;
            let ty = TensorType {
                dtype,
                shape,
                quant,
            };
            let data = match buffers.as_ref() {
                Some(bufs) if t.buffer() != 0 => {
                    let b = t.buffer() as usize;
                    if b >= bufs.len() {
                        return Err(bad(format!(
                            "refers to buffer {b}, but the model has {} buffers",
                            bufs.len()
                        )));
                    }
                    bufs.get(b)
                        .data()
                        .filter(|d| !d.is_empty())
                        .map(|d| d.bytes().to_vec())
                }
                _ => None,
            };
            let id = match data {
                Some(bytes) => {
                    if bytes.len() != ty.size_bytes() {
                        return Err(bad(format!(
                            "buffer holds {} bytes but {} needs {}",
                            bytes.len(),
                            ty,
                            ty.size_bytes()
                        )));
                    }
                    self.graph.add_const(name, ty, ConstData::from_bytes(bytes))
                }
                None => self.graph.add_tensor(name, ty),
            };
            self.tensor_map.push(id);
        }
        Ok(())
    }

    fn map_index(&self, i: i32) -> Option<TensorId> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.tensor_map.get(i).copied())
    }

    fn map_list(
        &self,
        list: Option<flatbuffers::Vector<'a, i32>>,
        what: &str,
    ) -> Result<Vec<TensorId>, ImportError> {
        list.map(|l| l.iter().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|i| {
                self.map_index(i).ok_or_else(|| ImportError::BadOperator {
                    index: 0,
                    message: format!("{what} refer to tensor {i}, which does not exist"),
                })
            })
            .collect()
    }

    fn import_operator(&mut self, index: usize, op: &fb::Operator<'a>) -> Result<(), ImportError> {
        let bad_op = |message: String| ImportError::BadOperator { index, message };
        let codes = self
            .model
            .operator_codes()
            .ok_or_else(|| bad_op("the model has no operator codes".into()))?;
        let ci = op.opcode_index() as usize;
        if ci >= codes.len() {
            return Err(bad_op(format!(
                "opcode index {ci} out of range ({} codes)",
                codes.len()
            )));
        }
        let code = codes.get(ci);
        // Schema v3a: the real code is the larger of the deprecated i8 field and the extended i32 field.
        let builtin =
            fb::BuiltinOperator((code.deprecated_builtin_code() as i32).max(code.builtin_code().0));
        let op_name = if builtin == fb::BuiltinOperator::CUSTOM {
            format!("CUSTOM:{}", code.custom_code().unwrap_or("?"))
        } else {
            builtin
                .variant_name()
                .map_or_else(|| format!("BUILTIN_{}", builtin.0), str::to_string)
        };

        let mut inputs = Vec::new();
        for i in op
            .inputs()
            .map(|v| v.iter().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if i < 0 {
                inputs.push(None);
            } else {
                inputs.push(Some(self.map_index(i).ok_or_else(|| {
                    bad_op(format!("{op_name} reads tensor {i}, which does not exist"))
                })?));
            }
        }
        let mut outputs = Vec::new();
        for i in op
            .outputs()
            .map(|v| v.iter().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            outputs.push(self.map_index(i).ok_or_else(|| {
                bad_op(format!("{op_name} writes tensor {i}, which does not exist"))
            })?);
        }
        let node_name = outputs
            .first()
            .map(|&t| self.graph.tensor(t).name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("{}_{index}", op_name.to_lowercase()));
        let unsupported = || ImportError::UnsupportedOp {
            op: op_name.clone(),
            node: node_name.clone(),
            index,
        };
        let feature = |what: String, hint: &str| ImportError::UnsupportedFeature {
            what,
            node: node_name.clone(),
            op: op_name.clone(),
            hint: hint.to_string(),
        };
        let missing_options = || {
            bad_op(format!(
                "{op_name} at node `{node_name}` has no options table"
            ))
        };
        let input_shape = |k: usize| -> Vec<usize> {
            inputs
                .get(k)
                .copied()
                .flatten()
                .map(|t| self.graph.tensor(t).ty.shape.clone())
                .unwrap_or_default()
        };
        if inputs.is_empty() {
            return Err(bad_op(format!(
                "{op_name} at node `{node_name}` has no inputs"
            )));
        }
        let act = |a: fb::ActivationFunctionType| -> Result<Activation, ImportError> {
            Ok(match a {
                fb::ActivationFunctionType::NONE => Activation::None,
                fb::ActivationFunctionType::RELU => Activation::Relu,
                fb::ActivationFunctionType::RELU_N1_TO_1 => Activation::ReluN1To1,
                fb::ActivationFunctionType::RELU6 => Activation::Relu6,
                fb::ActivationFunctionType::TANH => Activation::Tanh,
                other => {
                    return Err(feature(
                        format!("fused activation {}", other.variant_name().unwrap_or("?")),
                        "use NONE, RELU, RELU_N1_TO_1, RELU6 or TANH",
                    ));
                }
            })
        };
        let window =
            |same: bool, (kh, kw): (usize, usize), (sh, sw): (i32, i32), (dh, dw): (i32, i32)| {
                let pos = |v: i32, what: &str| {
                    usize::try_from(v).ok().filter(|&v| v > 0).ok_or_else(|| {
                        bad_op(format!(
                            "{op_name} at node `{node_name}`: {what} {v} must be positive"
                        ))
                    })
                };
                let (sh, sw, dh, dw) = (
                    pos(sh, "stride")?,
                    pos(sw, "stride")?,
                    pos(dh, "dilation")?,
                    pos(dw, "dilation")?,
                );
                let s = input_shape(0);
                if s.len() != 4 {
                    return Err(bad_op(format!(
                        "{op_name} at node `{node_name}` needs a 4-D NHWC input, found shape {s:?}"
                    )));
                }
                let (top, bottom) = Padding2d::tflite_1d(same, s[1], kh, sh, dh);
                let (left, right) = Padding2d::tflite_1d(same, s[2], kw, sw, dw);
                Ok(Window2d {
                    stride_h: sh,
                    stride_w: sw,
                    dilation_h: dh,
                    dilation_w: dw,
                    padding: Padding2d {
                        top,
                        bottom,
                        left,
                        right,
                    },
                })
            };
        let filter_hw = || {
            let s = input_shape(1);
            if s.len() == 4 {
                Ok((s[1], s[2]))
            } else {
                Err(bad_op(format!(
                    "{op_name} at node `{node_name}` needs a 4-D filter, found shape {s:?}"
                )))
            }
        };
        let is_same = |p: fb::Padding| p == fb::Padding::SAME;

        let ir_op = match builtin {
            fb::BuiltinOperator::CONV_2D => {
                let o = op
                    .builtin_options_as_conv_2_doptions()
                    .ok_or_else(missing_options)?;
                Op::Conv2d {
                    window: window(
                        is_same(o.padding()),
                        filter_hw()?,
                        (o.stride_h(), o.stride_w()),
                        (o.dilation_h_factor(), o.dilation_w_factor()),
                    )?,
                    activation: act(o.fused_activation_function())?,
                }
            }
            fb::BuiltinOperator::DEPTHWISE_CONV_2D => {
                let o = op
                    .builtin_options_as_depthwise_conv_2_doptions()
                    .ok_or_else(missing_options)?;
                let in_c = input_shape(0).get(3).copied().unwrap_or(0);
                let filt_c = input_shape(1).get(3).copied().unwrap_or(0);
                // Like TFLite Micro, derive the multiplier from the shapes (older converters wrote 0 here).
                let depth_multiplier = if in_c > 0 && filt_c % in_c == 0 {
                    filt_c / in_c
                } else {
                    usize::try_from(o.depth_multiplier()).unwrap_or(0)
                };
                Op::DepthwiseConv2d {
                    window: window(
                        is_same(o.padding()),
                        filter_hw()?,
                        (o.stride_h(), o.stride_w()),
                        (o.dilation_h_factor(), o.dilation_w_factor()),
                    )?,
                    depth_multiplier,
                    activation: act(o.fused_activation_function())?,
                }
            }
            fb::BuiltinOperator::FULLY_CONNECTED => {
                let o = op
                    .builtin_options_as_fully_connected_options()
                    .ok_or_else(missing_options)?;
                if o.weights_format() != fb::FullyConnectedOptionsWeightsFormat::DEFAULT {
                    return Err(feature(
                        "shuffled FC weights format".into(),
                        "export with the default weights format",
                    ));
                }
                Op::FullyConnected {
                    activation: act(o.fused_activation_function())?,
                    keep_num_dims: o.keep_num_dims(),
                }
            }
            fb::BuiltinOperator::AVERAGE_POOL_2D | fb::BuiltinOperator::MAX_POOL_2D => {
                let o = op
                    .builtin_options_as_pool_2_doptions()
                    .ok_or_else(missing_options)?;
                let (fh, fw) = (
                    usize::try_from(o.filter_height()).unwrap_or(0),
                    usize::try_from(o.filter_width()).unwrap_or(0),
                );
                if fh == 0 || fw == 0 {
                    return Err(bad_op(format!(
                        "{op_name} at node `{node_name}` has an empty pooling window"
                    )));
                }
                let w = window(
                    is_same(o.padding()),
                    (fh, fw),
                    (o.stride_h(), o.stride_w()),
                    (1, 1),
                )?;
                let activation = act(o.fused_activation_function())?;
                if builtin == fb::BuiltinOperator::AVERAGE_POOL_2D {
                    Op::AveragePool2d {
                        filter_h: fh,
                        filter_w: fw,
                        window: w,
                        activation,
                    }
                } else {
                    Op::MaxPool2d {
                        filter_h: fh,
                        filter_w: fw,
                        window: w,
                        activation,
                    }
                }
            }
            fb::BuiltinOperator::ADD => Op::Add {
                activation: act(op
                    .builtin_options_as_add_options()
                    .map_or(fb::ActivationFunctionType::NONE, |o| {
                        o.fused_activation_function()
                    }))?,
            },
            fb::BuiltinOperator::SUB => Op::Sub {
                activation: act(op
                    .builtin_options_as_sub_options()
                    .map_or(fb::ActivationFunctionType::NONE, |o| {
                        o.fused_activation_function()
                    }))?,
            },
            fb::BuiltinOperator::MUL => Op::Mul {
                activation: act(op
                    .builtin_options_as_mul_options()
                    .map_or(fb::ActivationFunctionType::NONE, |o| {
                        o.fused_activation_function()
                    }))?,
            },
            fb::BuiltinOperator::CONCATENATION => {
                let o = op
                    .builtin_options_as_concatenation_options()
                    .ok_or_else(missing_options)?;
                let rank = input_shape(0).len() as i32;
                let axis = if o.axis() < 0 {
                    o.axis() + rank
                } else {
                    o.axis()
                };
                Op::Concatenation {
                    axis: usize::try_from(axis).map_err(|_| {
                        bad_op(format!("concatenation axis {} out of range", o.axis()))
                    })?,
                    activation: act(o.fused_activation_function())?,
                }
            }
            fb::BuiltinOperator::PAD => Op::Pad,
            fb::BuiltinOperator::MEAN => Op::Mean {
                keep_dims: op
                    .builtin_options_as_reducer_options()
                    .is_some_and(|o| o.keep_dims()),
            },
            fb::BuiltinOperator::REDUCE_MAX => Op::ReduceMax {
                keep_dims: op
                    .builtin_options_as_reducer_options()
                    .is_some_and(|o| o.keep_dims()),
            },
            fb::BuiltinOperator::SOFTMAX => Op::Softmax {
                beta: op
                    .builtin_options_as_softmax_options()
                    .map_or(1.0, |o| o.beta()),
            },
            fb::BuiltinOperator::LOGISTIC => Op::Logistic,
            fb::BuiltinOperator::TANH => Op::Tanh,
            fb::BuiltinOperator::RELU => Op::Relu,
            fb::BuiltinOperator::RELU6 => Op::Relu6,
            fb::BuiltinOperator::RELU_N1_TO_1 => Op::ReluN1To1,
            fb::BuiltinOperator::LEAKY_RELU => Op::LeakyRelu {
                alpha: op
                    .builtin_options_as_leaky_relu_options()
                    .map_or(0.2, |o| o.alpha()),
            },
            fb::BuiltinOperator::HARD_SWISH => Op::HardSwish,
            fb::BuiltinOperator::QUANTIZE => Op::Quantize,
            fb::BuiltinOperator::DEQUANTIZE => Op::Dequantize,
            fb::BuiltinOperator::RESHAPE => {
                // The new shape is the output's static type; the optional shape operand is dropped.
                inputs.truncate(1);
                Op::Reshape
            }
            fb::BuiltinOperator::SQUEEZE => {
                let rank = input_shape(0).len() as i32;
                let axes = op
                    .builtin_options_as_squeeze_options()
                    .and_then(|o| o.squeeze_dims())
                    .map(|d| d.iter().collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| usize::try_from(if a < 0 { a + rank } else { a }))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| {
                        bad_op(format!(
                            "squeeze at node `{node_name}` has an axis out of range"
                        ))
                    })?;
                Op::Squeeze { axes }
            }
            fb::BuiltinOperator::TRANSPOSE => Op::Transpose,
            fb::BuiltinOperator::STRIDED_SLICE => {
                let o = op
                    .builtin_options_as_strided_slice_options()
                    .ok_or_else(missing_options)?;
                Op::StridedSlice {
                    masks: StridedSliceMasks {
                        begin_mask: o.begin_mask(),
                        end_mask: o.end_mask(),
                        shrink_axis_mask: o.shrink_axis_mask(),
                        new_axis_mask: o.new_axis_mask(),
                        ellipsis_mask: o.ellipsis_mask(),
                        offset: false,
                    },
                }
            }
            _ => return Err(unsupported()),
        };
        self.graph.add_node(node_name, ir_op, inputs, outputs);
        Ok(())
    }
}

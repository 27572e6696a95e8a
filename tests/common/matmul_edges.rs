//! A graph of int8 convolutions and fully connected layers on the edges of the blocked matmul kernel
//! (`core/runtime/src/nncube_matmul.c`): odd pixel counts, odd channel counts, depths not a multiple of 4,
//! padding, stride 2, per-tensor and per-channel weights, a non-zero weights zero point, and requantization
//! extremes (left shifts, a zero shift, right shifts up to 31, a multiplier of 0, accumulators near 2^31).

use nncube_core::ir::{
    Activation, ConstData, DType, Graph, Op, Padding2d, PoolAttrs, PoolKind, Quant, TensorType,
    Window2d,
};

/// A pooling of the conv+pool layers: kind, window (h, w), stride, padding (bottom, right), output (h, w).
type PoolSpec = (
    PoolKind,
    (usize, usize),
    usize,
    (usize, usize),
    (usize, usize),
);

/// The graph: input `x` [1,7,5,3]; outputs conv 3x3 (stride 2x1, padded, out_c 5), conv 1x1 (out_c 3, no bias),
/// fully connected over 7 batch rows (weights zero point 3), a per-channel fully connected on the conv and a
/// conv 1x1 with extreme per-channel multipliers and shifts (out_c 7, ReLU6), and chains of 1x1 convs with in_c
/// 8, 16 and 32 and odd output channel counts, and 3x3 convs whose patches are widened while gathered.
pub fn graph() -> Graph {
    let mut seed = 7u32;
    let mut weights = |n: usize| -> Vec<i8> {
        (0..n)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 16) as i8
            })
            .collect()
    };
    let mut g = Graph::new("matmul_edges");
    let i8t = |shape: Vec<usize>, s: f32, z: i32| TensorType::new(DType::I8, shape).quantized(s, z);
    let x = g.add_tensor("x", i8t(vec![1, 7, 5, 3], 0.05, -3));
    g.inputs.push(x);
    let per_channel = |shape: Vec<usize>, n: usize| {
        let mut ty = TensorType::new(DType::I8, shape);
        ty.quant = Some(Quant::PerChannel {
            scales: (0..n).map(|c| 0.002 + 0.001 * c as f32).collect(),
            zero_points: vec![0; n],
            axis: 0,
        });
        ty
    };
    let window = |s: (usize, usize), pad: usize| Window2d {
        stride_h: s.0,
        stride_w: s.1,
        dilation_h: 1,
        dilation_w: 1,
        padding: Padding2d {
            top: pad,
            bottom: pad,
            left: pad,
            right: pad,
        },
    };
    // 3x3, stride 2 x 1, padded, in_c 3, out_c 5 (per channel): 4 x 5 = 20 pixels.
    let fa = g.add_const(
        "fa",
        per_channel(vec![5, 3, 3, 3], 5),
        ConstData::from_i8(&weights(135)),
    );
    let ba = g.add_const(
        "ba",
        TensorType::new(DType::I32, vec![5]),
        ConstData::from_i32(&[100, -200, 0, 7, -3000]),
    );
    let a = g.add_tensor("a", i8t(vec![1, 4, 5, 5], 0.08, 5));
    g.add_node(
        "conv3x3",
        Op::Conv2d {
            window: window((2, 1), 1),
            activation: Activation::Relu,
        },
        vec![Some(x), Some(fa), Some(ba)],
        vec![a],
    );
    g.outputs.push(a);
    // 1x1, 35 pixels, in_c 3, out_c 3, per-tensor weights, no bias.
    let fb = g.add_const(
        "fb",
        TensorType::new(DType::I8, vec![3, 1, 1, 3]).quantized(0.004, 0),
        ConstData::from_i8(&weights(9)),
    );
    let b = g.add_tensor("b", i8t(vec![1, 7, 5, 3], 0.03, -1));
    g.add_node(
        "conv1x1",
        Op::Conv2d {
            window: window((1, 1), 0),
            activation: Activation::None,
        },
        vec![Some(x), Some(fb), None],
        vec![b],
    );
    g.outputs.push(b);
    // Fully connected: 7 batch rows of 15, 6 outputs, per-tensor weights with zero point 3.
    let fc = g.add_const(
        "fc",
        TensorType::new(DType::I8, vec![6, 15]).quantized(0.003, 3),
        ConstData::from_i8(&weights(90)),
    );
    let c = g.add_tensor("c", i8t(vec![7, 6], 0.1, 2));
    g.add_node(
        "fc_batches",
        Op::FullyConnected {
            activation: Activation::None,
            keep_num_dims: false,
        },
        vec![Some(x), Some(fc), None],
        vec![c],
    );
    g.outputs.push(c);
    // Fully connected on the conv result: 1 row of 100, 5 outputs, per-channel weights, bias.
    let fd = g.add_const(
        "fd",
        per_channel(vec![5, 100], 5),
        ConstData::from_i8(&weights(500)),
    );
    let bd = g.add_const(
        "bd",
        TensorType::new(DType::I32, vec![5]),
        ConstData::from_i32(&[1, 2, 3, -4, 5]),
    );
    let d = g.add_tensor("d", i8t(vec![1, 5], 0.2, -6));
    g.add_node(
        "fc_per_channel",
        Op::FullyConnected {
            activation: Activation::Relu,
            keep_num_dims: false,
        },
        vec![Some(a), Some(fd), Some(bd)],
        vec![d],
    );
    g.outputs.push(d);
    // 1x1 with per-channel effective scales 0.05 * s / 0.01: 2.5 (shift 2), 0.5 (shift 0), 0.3 (-1), 0.15 (-2),
    // 5e-9 (-27), 5e-10 (-30) and 1e-10 (below 2^-32: multiplier 0), with biases near +-2^31 so that the tiny
    // scales still move the output.
    let scales = [0.5f32, 0.1, 0.06, 0.03, 1e-9, 1e-10, 2e-11];
    let mut fe_ty = TensorType::new(DType::I8, vec![7, 1, 1, 3]);
    fe_ty.quant = Some(Quant::PerChannel {
        scales: scales.to_vec(),
        zero_points: vec![0; 7],
        axis: 0,
    });
    let fe = g.add_const("fe", fe_ty, ConstData::from_i8(&weights(21)));
    let be_values = [
        3,
        -40,
        100,
        -77,
        2_000_000_000,
        -2_100_000_000,
        2_140_000_000,
    ];
    let be = g.add_const(
        "be",
        TensorType::new(DType::I32, vec![7]),
        ConstData::from_i32(&be_values),
    );
    let e = g.add_tensor("e", i8t(vec![1, 7, 5, 7], 0.01, -100));
    g.add_node(
        "conv_shifts",
        Op::Conv2d {
            window: window((1, 1), 0),
            activation: Activation::Relu6,
        },
        vec![Some(x), Some(fe), Some(be)],
        vec![e],
    );
    g.outputs.push(e);
    // The same channels permuted, without activation (the whole int8 range: the fused output loop), so that
    // channels with shifts outside [-31, -1] (+2 and 0) sit between channels inside it.
    let order = [2usize, 0, 3, 4, 1, 5, 6];
    let mut ff_ty = TensorType::new(DType::I8, vec![7, 1, 1, 3]);
    ff_ty.quant = Some(Quant::PerChannel {
        scales: order.iter().map(|&c| scales[c]).collect(),
        zero_points: vec![0; 7],
        axis: 0,
    });
    let fe_values = weights(21);
    let ff_values: Vec<i8> = order
        .iter()
        .flat_map(|&c| fe_values[3 * c..3 * c + 3].to_vec())
        .collect();
    let ff = g.add_const("ff", ff_ty, ConstData::from_i8(&ff_values));
    let bf = g.add_const(
        "bf",
        TensorType::new(DType::I32, vec![7]),
        ConstData::from_i32(&order.map(|c| be_values[c])),
    );
    let f = g.add_tensor("f", i8t(vec![1, 7, 5, 7], 0.01, -100));
    g.add_node(
        "conv_shifts_full_range",
        Op::Conv2d {
            window: window((1, 1), 0),
            activation: Activation::None,
        },
        vec![Some(x), Some(ff), Some(bf)],
        vec![f],
    );
    g.outputs.push(f);
    // Small-depth 1x1 chains (the unrolled loops for depth 8 / 16 / 32) on the 35 pixels (odd): in_c 3 -> 8;
    // in_c 8 -> 7 (odd out_c) and 8 -> 16; in_c 16 -> 13 (per-tensor, no bias) and 16 -> 32; in_c 32 -> 67
    // (more than one 64-channel chunk, odd).
    let mut pointwise =
        |g: &mut Graph, name: &str, input, in_c: usize, out_c: usize, per_tensor: bool| {
            let ty = if per_tensor {
                TensorType::new(DType::I8, vec![out_c, 1, 1, in_c]).quantized(0.004, 0)
            } else {
                per_channel(vec![out_c, 1, 1, in_c], out_c)
            };
            let f = g.add_const(
                format!("{name}_f"),
                ty,
                ConstData::from_i8(&weights(out_c * in_c)),
            );
            let bias = (!per_tensor).then(|| {
                let values: Vec<i32> = (0..out_c).map(|c| c as i32 * 37 - 500).collect();
                g.add_const(
                    format!("{name}_b"),
                    TensorType::new(DType::I32, vec![out_c]),
                    ConstData::from_i32(&values),
                )
            });
            let out = g.add_tensor(name, i8t(vec![1, 7, 5, out_c], 0.06, 4));
            g.add_node(
                name,
                Op::Conv2d {
                    window: window((1, 1), 0),
                    activation: Activation::Relu,
                },
                vec![Some(input), Some(f), bias],
                vec![out],
            );
            out
        };
    let s8 = pointwise(&mut g, "pw3_8", x, 3, 8, false);
    let s8_7 = pointwise(&mut g, "pw8_7", s8, 8, 7, false);
    let s16 = pointwise(&mut g, "pw8_16", s8, 8, 16, false);
    let s16_13 = pointwise(&mut g, "pw16_13", s16, 16, 13, true);
    let s32 = pointwise(&mut g, "pw16_32", s16, 16, 32, false);
    let s32_67 = pointwise(&mut g, "pw32_67", s32, 32, 67, false);
    g.outputs.extend([s8_7, s16_13, s32_67]);
    // The widened-row path (rows of up to 36 groups of 4 values widened whole, longer ones in equal slices of at
    // most 24 groups): 1x1 convs with depth 124 (31 groups, odd), 128, 130 (the last group partial), 144 (36
    // groups, the longest whole row) and 148 (two slices of 19 groups, odd); a padded 3x3 conv with depth
    // 9 * 124 = 1116 (12 slices); a fully connected layer over 2 rows of 4340 / 2 = 2170 values (more than
    // NNCUBE_IM2COL_MAX_DEPTH: 23 slices, the last group partial).
    let mut wide = |g: &mut Graph, name: &str, input, f_shape: Vec<usize>, shape, op, out_scale| {
        let out_c = f_shape[0];
        let depth: usize = f_shape[1..].iter().product();
        let f = g.add_const(
            format!("{name}_f"),
            TensorType::new(DType::I8, f_shape).quantized(0.004, 0),
            ConstData::from_i8(&weights(out_c * depth)),
        );
        let values: Vec<i32> = (0..out_c).map(|c| c as i32 * 311 - 4000).collect();
        let bias = g.add_const(
            format!("{name}_b"),
            TensorType::new(DType::I32, vec![out_c]),
            ConstData::from_i32(&values),
        );
        let out = g.add_tensor(name, i8t(shape, out_scale, -7));
        g.add_node(name, op, vec![Some(input), Some(f), Some(bias)], vec![out]);
        out
    };
    let conv = |pad| Op::Conv2d {
        window: window((1, 1), pad),
        activation: Activation::None,
    };
    let mut wide_outputs = Vec::new();
    for (depth, out_c) in [(124, 9), (128, 6), (130, 4), (144, 5), (148, 3)] {
        let name = format!("pw3_{depth}");
        let r = wide(
            &mut g,
            &name,
            x,
            vec![depth, 1, 1, 3],
            vec![1, 7, 5, depth],
            conv(0),
            0.02,
        );
        let name = format!("pw{depth}_{out_c}");
        let f_shape = vec![out_c, 1, 1, depth];
        wide_outputs.push(wide(
            &mut g,
            &name,
            r,
            f_shape,
            vec![1, 7, 5, out_c],
            conv(0),
            0.3,
        ));
        if depth == 124 {
            let f_shape = vec![3, 3, 3, 124];
            let shape = vec![1, 7, 5, 3];
            wide_outputs.push(wide(
                &mut g,
                "conv3x3_1116",
                r,
                f_shape,
                shape,
                conv(1),
                1.0,
            ));
            let fc = Op::FullyConnected {
                activation: Activation::None,
                keep_num_dims: false,
            };
            wide_outputs.push(wide(
                &mut g,
                "fc_2170",
                r,
                vec![5, 2170],
                vec![2, 5],
                fc,
                1.5,
            ));
        }
    }
    // Patches the conv widens while gathering (nncube_matmul_s8_widened, even out_c, with bias): 3x3 padded on
    // in_c 3 (depth 27 padded to 28, 7 groups, every window through the int8 patch), on in_c 8 (18 groups:
    // groups % 4 = 2), 16 (depth 144, inside windows widened in place) and 48 (depth 432, the longest that
    // fits), 35 pixels (the odd last one alone), and stride 2 on in_c 16.
    wide_outputs.push(wide(
        &mut g,
        "conv3x3_w27",
        x,
        vec![4, 3, 3, 3],
        vec![1, 7, 5, 4],
        conv(1),
        0.5,
    ));
    for (in_c, out_c) in [(8usize, 4usize), (16, 6), (48, 2)] {
        let name = format!("pw3_{in_c}");
        let r = wide(
            &mut g,
            &name,
            x,
            vec![in_c, 1, 1, 3],
            vec![1, 7, 5, in_c],
            conv(0),
            0.02,
        );
        let name = format!("conv3x3_w{}", 9 * in_c);
        wide_outputs.push(wide(
            &mut g,
            &name,
            r,
            vec![out_c, 3, 3, in_c],
            vec![1, 7, 5, out_c],
            conv(1),
            0.6,
        ));
        if in_c == 16 {
            let op = Op::Conv2d {
                window: window((2, 2), 1),
                activation: Activation::None,
            };
            wide_outputs.push(wide(
                &mut g,
                "conv3x3_w144_s2",
                r,
                vec![out_c, 3, 3, in_c],
                vec![1, 4, 3, out_c],
                op,
                0.6,
            ));
        }
    }
    g.outputs.extend(wide_outputs);
    // 1x1 convs on in_c 8, 16 and 32 whose layers meet nncube_conv1x1_small_s8's conditions (the whole int8 range,
    // right shifts in [1, 22], small accumulators): blocks of 6 pixels, so the 35 pixels end with a partial block
    // of 5; odd output channel counts; 67 channels (the partial block's two passes of 64 + 3); strides 2 x 1 (20
    // pixels) and 2 x 2 (12: whole blocks only); a ReLU whose output zero point is -128; per-tensor weights
    // without bias. Then the output stage's edges: right shifts 1, 5, 12 and 22 with accumulators near the
    // 2^30 bound, and the same layer with one channel at shift -23, one at shift 0 and a bias beyond the bound
    // (the general matrix product runs it instead).
    let mut record_layer =
        |g: &mut Graph,
         name: &str,
         input,
         in_c: usize,
         w_scales: &[f32],
         bias: Option<Vec<i32>>,
         (stride, out_hw): ((usize, usize), (usize, usize)),
         (activation, out_scale, out_zp): (Activation, f32, i32)| {
            let out_c = w_scales.len();
            let mut ty = TensorType::new(DType::I8, vec![out_c, 1, 1, in_c]);
            ty.quant = Some(if w_scales.iter().all(|&s| s == w_scales[0]) {
                Quant::PerTensor {
                    scale: w_scales[0],
                    zero_point: 0,
                }
            } else {
                Quant::PerChannel {
                    scales: w_scales.to_vec(),
                    zero_points: vec![0; out_c],
                    axis: 0,
                }
            });
            let f = g.add_const(
                format!("{name}_f"),
                ty,
                ConstData::from_i8(&weights(out_c * in_c)),
            );
            let b = bias.map(|values| {
                g.add_const(
                    format!("{name}_b"),
                    TensorType::new(DType::I32, vec![out_c]),
                    ConstData::from_i32(&values),
                )
            });
            let out = g.add_tensor(
                name,
                i8t(vec![1, out_hw.0, out_hw.1, out_c], out_scale, out_zp),
            );
            g.add_node(
                name,
                Op::Conv2d {
                    window: window(stride, 0),
                    activation,
                },
                vec![Some(input), Some(f), b],
                vec![out],
            );
            out
        };
    let full = ((1, 1), (7, 5));
    let spread = |n: usize| {
        (0..n)
            .map(|c| 0.002 + 0.0005 * c as f32)
            .collect::<Vec<_>>()
    };
    let ramp = |n: usize| Some((0..n).map(|c| c as i32 * 53 - 300).collect::<Vec<_>>());
    let plain = (Activation::None, 0.05, 3);
    let r8 = record_layer(&mut g, "rec3_8", x, 3, &spread(8), ramp(8), full, plain);
    let r8_7 = record_layer(&mut g, "rec8_7", r8, 8, &spread(7), ramp(7), full, plain);
    let relu = (Activation::Relu, 0.04, -128);
    let r16 = record_layer(&mut g, "rec8_16", r8, 8, &spread(16), ramp(16), full, relu);
    let r16_13 = record_layer(&mut g, "rec16_13", r16, 16, &[0.003; 13], None, full, plain);
    let r32 = record_layer(
        &mut g,
        "rec16_32",
        r16,
        16,
        &spread(32),
        ramp(32),
        full,
        plain,
    );
    let r32_67 = record_layer(
        &mut g,
        "rec32_67",
        r32,
        32,
        &spread(67),
        ramp(67),
        full,
        plain,
    );
    let s21 = ((2, 1), (4, 5));
    let r16_s21 = record_layer(
        &mut g,
        "rec16_9_s21",
        r16,
        16,
        &spread(9),
        ramp(9),
        s21,
        plain,
    );
    let s22 = ((2, 2), (4, 3));
    let r8_s22 = record_layer(&mut g, "rec8_5_s22", r8, 8, &spread(5), ramp(5), s22, plain);
    // Effective scales 0.05 * s / 1.0: 0.4 (shift -1), 0.02 (-5), 1.8e-4 (-12), 1.5e-7 (-22, three channels,
    // biases up to 2^30 - 8 * 2^14 - 8,000: the largest the kernel's bound admits, within the folded input
    // offset's 3 * 8 * 128).
    let edge_scales = [8.0f32, 0.4, 3.6e-3, 3e-6, 3e-6, 3e-6];
    let edge_bias = vec![50, -900, 12_345, 600_000_000, -800_000_000, 1_073_600_000];
    let stage = (Activation::None, 1.0, 0);
    let r_edges = record_layer(
        &mut g,
        "rec8_shift_edges",
        r8,
        8,
        &edge_scales,
        Some(edge_bias.clone()),
        full,
        stage,
    );
    // Shift -23 (1.6e-6 * 0.05 = 8e-8), shift 0 (14 * 0.05 = 0.7), and a bias beyond the bound.
    let mut outside_scales = edge_scales.to_vec();
    outside_scales.extend([1.6e-6, 14.0, 3e-6]);
    let mut outside_bias = edge_bias;
    outside_bias.extend([700_000_000, 20, 1_073_700_000]);
    let r_outside = record_layer(
        &mut g,
        "rec8_shift_outside",
        r8,
        8,
        &outside_scales,
        Some(outside_bias),
        full,
        stage,
    );
    g.outputs
        .extend([r8_7, r16_13, r32_67, r16_s21, r8_s22, r_edges, r_outside]);
    // The wide records (in_c 64 to 256, multiples of 16): in_c 64 -> 67 (the partial block in passes of 32 + 32 +
    // 3 channels), in_c 256 (the largest) at stride 2 x 1, and in_c 64 with dead channels: a zero filter with a
    // bias of 2^30 + 5 (beyond the accumulator bound: its constant output goes in the record) and a filter whose
    // effective scale 0.05 * 5e-9 (shift -31) leaves every requantized value at 0 (the output zero point).
    let r64 = record_layer(
        &mut g,
        "rec16_64",
        r16,
        16,
        &spread(64),
        ramp(64),
        full,
        plain,
    );
    let r64_67 = record_layer(
        &mut g,
        "rec64_67",
        r64,
        64,
        &spread(67),
        ramp(67),
        full,
        plain,
    );
    let r256 = record_layer(
        &mut g,
        "rec16_256",
        r16,
        16,
        &spread(256),
        ramp(256),
        full,
        plain,
    );
    let r256_5 = record_layer(
        &mut g,
        "rec256_5_s21",
        r256,
        256,
        &spread(5),
        ramp(5),
        s21,
        plain,
    );
    // Wide records on few pixels (the 3-pixel loop for a last block of at most 3): 9 pixels (stride 3 x 2: a block
    // of 6, then 3 written directly) on in_c 64 and on in_c 80 (20 groups: the 8-group loop's half iteration
    // first), 14 (stride 1 x 3: 12 + 2 through passes of 32 + 8 channels), 20 (stride 2 x 1: 18 + 2); and 1 and 5
    // pixels (strides 7 x 5 and 7 x 1), which keep the general matrix product.
    let r80 = record_layer(
        &mut g,
        "rec16_80",
        r16,
        16,
        &spread(80),
        ramp(80),
        full,
        relu,
    );
    let few = |s: (usize, usize)| (s, (7usize.div_ceil(s.0), 5usize.div_ceil(s.1)));
    let few_pixels = [
        record_layer(
            &mut g,
            "rec64_37_p9",
            r64,
            64,
            &spread(37),
            ramp(37),
            few((3, 2)),
            plain,
        ),
        record_layer(
            &mut g,
            "rec80_33_p9",
            r80,
            80,
            &spread(33),
            ramp(33),
            few((3, 2)),
            plain,
        ),
        record_layer(
            &mut g,
            "rec64_40_p14",
            r64,
            64,
            &spread(40),
            ramp(40),
            few((1, 3)),
            relu,
        ),
        record_layer(
            &mut g,
            "rec80_7_p20",
            r80,
            80,
            &spread(7),
            ramp(7),
            few((2, 1)),
            plain,
        ),
        record_layer(
            &mut g,
            "rec256_6_p1",
            r256,
            256,
            &spread(6),
            ramp(6),
            few((7, 5)),
            plain,
        ),
        record_layer(
            &mut g,
            "rec64_5_p5",
            r64,
            64,
            &spread(5),
            ramp(5),
            few((7, 1)),
            plain,
        ),
    ];
    g.outputs.extend(few_pixels);
    let mut dead_f = weights(4 * 64);
    dead_f[64..128].iter_mut().for_each(|v| *v = 0);
    let mut dead_ty = TensorType::new(DType::I8, vec![4, 1, 1, 64]);
    dead_ty.quant = Some(Quant::PerChannel {
        scales: vec![0.004, 0.004, 5e-9, 0.006],
        zero_points: vec![0; 4],
        axis: 0,
    });
    let dead_w = g.add_const("rec64_dead_f", dead_ty, ConstData::from_i8(&dead_f));
    let dead_b = g.add_const(
        "rec64_dead_b",
        TensorType::new(DType::I32, vec![4]),
        ConstData::from_i32(&[-70, 1_073_741_829, 90_000, 400]),
    );
    let r_dead = g.add_tensor("rec64_dead", i8t(vec![1, 7, 5, 4], 0.05, -9));
    g.add_node(
        "rec64_dead",
        Op::Conv2d {
            window: window((1, 1), 0),
            activation: Activation::None,
        },
        vec![Some(r64), Some(dead_w), Some(dead_b)],
        vec![r_dead],
    );
    g.outputs.extend([r64_67, r256_5, r_dead]);
    // 1x1 conv+pool through the wide records: in_c 64 (nncube_conv_pool1x1_wide_s8, blocks of 6 conv pixels) with a
    // ReLU to zero point -128 and a 3 x 3 stride-2 average (windows of 9: 6 + 3); in_c 256
    // (nncube_conv_pool1x1_deep_s8, blocks of 5 and a last one of 4) with a 3 x 3 stride-2 maximum whose windows
    // the padding (2 at the bottom and right) clips (9: 5 + 4, 3 and 1 pixels) and a ReLU6 after the pool; in_c 80
    // (20 groups), conv stride 2 x 1, 37 channels (passes of 32 + 5), a global 4 x 5 average (20 pixels: 6 + 6 +
    // 6 + 2).
    let mut conv_pool =
        |g: &mut Graph,
         name: &str,
         input,
         in_c: usize,
         out_c: usize,
         (stride, conv_hw): ((usize, usize), (usize, usize)),
         (kind, (kh, kw), pool_stride, pad, out_hw): PoolSpec,
         (activation, pool_activation): (Activation, Activation)| {
            let mut ty = TensorType::new(DType::I8, vec![out_c, 1, 1, in_c]);
            ty.quant = Some(Quant::PerChannel {
                scales: spread(out_c),
                zero_points: vec![0; out_c],
                axis: 0,
            });
            let f = g.add_const(
                format!("{name}_f"),
                ty,
                ConstData::from_i8(&weights(out_c * in_c)),
            );
            let b = g.add_const(
                format!("{name}_b"),
                TensorType::new(DType::I32, vec![out_c]),
                ramp(out_c).map(|v| ConstData::from_i32(&v)).unwrap(),
            );
            let (scale, zp) = if activation == Activation::Relu {
                (0.04, -128)
            } else {
                (0.05, 3)
            };
            let out = g.add_tensor(name, i8t(vec![1, out_hw.0, out_hw.1, out_c], scale, zp));
            let mut pool_window = window((pool_stride, pool_stride), 0);
            pool_window.padding.bottom = pad.0;
            pool_window.padding.right = pad.1;
            g.add_node(
                name,
                Op::ConvPool2d {
                    window: window(stride, 0),
                    activation,
                    pool: PoolAttrs {
                        kind,
                        filter_h: kh,
                        filter_w: kw,
                        window: pool_window,
                        activation: pool_activation,
                        conv_output: i8t(vec![1, conv_hw.0, conv_hw.1, out_c], scale, zp),
                    },
                },
                vec![Some(input), Some(f), Some(b)],
                vec![out],
            );
            out
        };
    let pooled = [
        conv_pool(
            &mut g,
            "cp64_37_avg3",
            r64,
            64,
            37,
            full,
            (PoolKind::Average, (3, 3), 2, (0, 0), (3, 2)),
            (Activation::Relu, Activation::None),
        ),
        conv_pool(
            &mut g,
            "cp256_35_max3",
            r256,
            256,
            35,
            full,
            (PoolKind::Max, (3, 3), 2, (2, 2), (4, 3)),
            (Activation::None, Activation::Relu6),
        ),
        conv_pool(
            &mut g,
            "cp80_37_global",
            r80,
            80,
            37,
            ((2, 1), (4, 5)),
            (PoolKind::Average, (4, 5), 1, (0, 0), (1, 1)),
            (Activation::None, Activation::None),
        ),
    ];
    g.outputs.extend(pooled);
    g.verify().unwrap();
    g
}

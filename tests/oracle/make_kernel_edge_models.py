#!/usr/bin/env python3
"""Builds single-operator int8 models that exercise the edge cases of the fast kernels (depthwise convolution,
pooling, add/sub, first-layer convolutions, 1x1 convolutions) into OUT_DIR: channel counts that are not a multiple of 4, depth multipliers 2, 4, 7 and 8 (35 and 36 output
channels: more than one accumulator chunk), stride 2 with SAME padding, 1-pixel-wide inputs, pooling windows clipped by
padding, the 3x3 interior path (out_w 1, odd widths, stride 2), a bias beyond the narrow requantization's bound, the
3x3 kernel on its generation-time layout (1x1 and 2x2 images, channel remainders, input zero points -128 and 100,
ReLU, 256 and 260 channels, a dilation down), and
the paired-tap path (depth multipliers 4 and 8 on 1 and 2 input channels, 3x3 and 5x6 windows, a last window that ends
on the image's last byte), and the first-layer convolution kernel (1 to 4 input channels, odd pixel counts, channel
counts that are not a multiple of 4, input zero points 0 and 120, a bias beyond its bound). Weights come from a seeded generator.

Usage: make_kernel_edge_models.py OUT_DIR   (prints the names of the models it wrote, one per line)
"""
import importlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_op_models  # noqa: E402
from make_op_models import build, simple_options  # noqa: E402
from tflite.ActivationFunctionType import ActivationFunctionType as ACT  # noqa: E402
from tflite.BuiltinOperator import BuiltinOperator as OP  # noqa: E402
from tflite.BuiltinOptions import BuiltinOptions as BO  # noqa: E402
from tflite.Padding import Padding  # noqa: E402
from tflite.TensorType import TensorType as TT  # noqa: E402

make_op_models.T["DepthwiseConv2DOptions"] = importlib.import_module("tflite.DepthwiseConv2DOptions")
make_op_models.T["Conv2DOptions"] = importlib.import_module("tflite.Conv2DOptions")

X_Q, W_Q, Y_Q = (0.05, -3), (0.02, 0), (0.3, 5)


def depthwise(rng, in_shape, k, mult, stride, padding, act, out_hw, huge_bias=False, x_q=X_Q, dilation_h=1):
    """k: the window's side, or (height, width). huge_bias: channel 0's bias is near 2^30, beyond the narrow
    requantization's bound (the general one runs). x_q: the input's (scale, zero point)."""
    n, h, w, c = in_shape
    kh, kw = k if isinstance(k, tuple) else (k, k)
    oc = c * mult
    weights = rng.integers(-60, 61, size=(1, kh, kw, oc), dtype=np.int8)
    bias = rng.integers(-3000, 3000, size=(oc,), dtype=np.int32)
    if huge_bias:
        bias[0] = (1 << 30) - 1000
    tensors = [
        dict(name="x", shape=in_shape, type=TT.INT8, quant=x_q),
        dict(name="w", shape=[1, kh, kw, oc], type=TT.INT8, quant=W_Q, data=weights),
        dict(name="b", shape=[oc], type=TT.INT32, quant=(x_q[0] * W_Q[0], 0), data=bias),
        dict(name="y", shape=[n, out_hw[0], out_hw[1], oc], type=TT.INT8, quant=Y_Q),
    ]
    options = simple_options("DepthwiseConv2DOptions", BO.DepthwiseConv2DOptions, Padding=padding,
                             StrideW=stride, StrideH=stride, DepthMultiplier=mult, FusedActivationFunction=act,
                             DilationWFactor=1, DilationHFactor=dilation_h)
    return build(tensors, OP.DEPTHWISE_CONV_2D, [0, 1, 2], [3], [0], [3], options)


def pool(op, in_shape, k, stride, out_hw, act=ACT.NONE):
    n, _, _, c = in_shape
    tensors = [dict(name="x", shape=in_shape, type=TT.INT8, quant=X_Q),
               dict(name="y", shape=[n, out_hw[0], out_hw[1], c], type=TT.INT8, quant=X_Q)]
    options = simple_options("Pool2DOptions", BO.Pool2DOptions, Padding=Padding.SAME, StrideW=stride,
                             StrideH=stride, FilterWidth=k, FilterHeight=k, FusedActivationFunction=act)
    return build(tensors, op, [0], [1], [0], [1], options)


def conv(rng, in_shape, k, oc, stride, padding, act, out_hw, x_q=X_Q, huge_bias=False):
    """A first-layer style convolution (1 to 5 input channels), per-tensor symmetric weights. x_q: the input's
    quantization (its zero point is the input offset); huge_bias: channel 0's bias near 2^30 (beyond the bound of
    the first-layer kernel's narrow requantization, so nncube_conv2d_s8 runs)."""
    n, h, w, c = in_shape
    weights = rng.integers(-60, 61, size=(oc, k[0], k[1], c), dtype=np.int8)
    bias = rng.integers(-3000, 3000, size=(oc,), dtype=np.int32)
    if huge_bias:
        bias[0] = (1 << 30) - 1000
    tensors = [
        dict(name="x", shape=in_shape, type=TT.INT8, quant=x_q),
        dict(name="w", shape=[oc, k[0], k[1], c], type=TT.INT8, quant=W_Q, data=weights),
        dict(name="b", shape=[oc], type=TT.INT32, quant=(x_q[0] * W_Q[0], 0), data=bias),
        dict(name="y", shape=[n, out_hw[0], out_hw[1], oc], type=TT.INT8, quant=Y_Q),
    ]
    options = simple_options("Conv2DOptions", BO.Conv2DOptions, Padding=padding, StrideW=stride, StrideH=stride,
                             FusedActivationFunction=act, DilationWFactor=1, DilationHFactor=1)
    return build(tensors, OP.CONV_2D, [0, 1, 2], [3], [0], [3], options)


def binary(op, shape, qa, qb, qo, act):
    """Same-shape int8 add or sub."""
    mod, kind = ("AddOptions", BO.AddOptions) if op == OP.ADD else ("SubOptions", BO.SubOptions)
    tensors = [dict(name="a", shape=shape, type=TT.INT8, quant=qa),
               dict(name="b", shape=shape, type=TT.INT8, quant=qb),
               dict(name="y", shape=shape, type=TT.INT8, quant=qo)]
    return build(tensors, op, [0, 1], [2], [0, 1], [2], simple_options(mod, kind, FusedActivationFunction=act))


def cases():
    """Yields (name, model bytes)."""
    rng = np.random.default_rng(7)
    yield "dw_c5_s1_same_relu6", depthwise(rng, [1, 5, 7, 5], 3, 1, 1, Padding.SAME, ACT.RELU6, (5, 7))
    yield "dw_c13_s2_same", depthwise(rng, [1, 9, 8, 13], 3, 1, 2, Padding.SAME, ACT.NONE, (5, 4))
    yield "dw_c8_s2_valid_relu", depthwise(rng, [1, 9, 9, 8], 3, 1, 2, Padding.VALID, ACT.RELU, (4, 4))
    yield "dw_dm2_s2_same", depthwise(rng, [1, 7, 6, 3], 3, 2, 2, Padding.SAME, ACT.NONE, (4, 3))
    yield "dw_dm7_c5_chunk_split", depthwise(rng, [1, 4, 4, 5], 3, 7, 1, Padding.SAME, ACT.NONE, (4, 4))
    yield "dw_dm8_c1_s2_relu6", depthwise(rng, [1, 9, 7, 1], 3, 8, 2, Padding.SAME, ACT.RELU6, (5, 4))
    yield "dw_dm4_c9_chunk_split", depthwise(rng, [1, 5, 5, 9], 3, 4, 1, Padding.SAME, ACT.NONE, (5, 5))
    yield "dw_w1_c8", depthwise(rng, [1, 6, 1, 8], 3, 1, 1, Padding.SAME, ACT.NONE, (6, 1))
    yield "dw_k5_c6", depthwise(rng, [1, 6, 6, 6], 5, 1, 1, Padding.SAME, ACT.NONE, (6, 6))
    yield "dw_c36_s1_same", depthwise(rng, [1, 4, 5, 36], 3, 1, 1, Padding.SAME, ACT.RELU, (4, 5))
    yield "avg_pool_c5_same", pool(OP.AVERAGE_POOL_2D, [1, 5, 5, 5], 3, 1, (5, 5))
    yield "max_pool_c7_s2_same", pool(OP.MAX_POOL_2D, [1, 7, 6, 7], 3, 2, (4, 3))
    yield "max_pool_c12_relu6", pool(OP.MAX_POOL_2D, [1, 6, 6, 12], 2, 2, (3, 3), ACT.RELU6)
    # The 3x3 interior path (whole window inside the input): out_w 1, odd widths, channel remainders, stride 2, and
    # a layer outside the narrow requantization's bound.
    yield "dw_c7_out_w1_valid", depthwise(rng, [1, 5, 3, 7], 3, 1, 1, Padding.VALID, ACT.NONE, (3, 1))
    yield "dw_c11_w9_valid_relu6", depthwise(rng, [1, 4, 9, 11], 3, 1, 1, Padding.VALID, ACT.RELU6, (2, 7))
    yield "dw_c4_s2_valid_w7", depthwise(rng, [1, 7, 7, 4], 3, 1, 2, Padding.VALID, ACT.NONE, (3, 3))
    yield "dw_c6_huge_bias", depthwise(rng, [1, 5, 5, 6], 3, 1, 1, Padding.SAME, ACT.NONE, (5, 5), huge_bias=True)
    # The 3x3 kernel on its generation-time layout (nncube_depthwise_3x3_s8): 1x1 and 2x2 images (every tap of a
    # border window outside or inside), fewer than 4 channels (no whole group), 4k + 1..3 channels (the last group in
    # C) at stride 1 and 2, input zero points -128 and 100 (the folded input offset), ReLU (a clamp narrower than
    # int8) and none, 256 channels (the most it takes) and 260 (the general path), long interior runs with every
    # clipped shape (10x11, stride 1; 11x9, stride 2 with padding on all sides), a dilation down of 2.
    yield "dw3_c8_1x1_same", depthwise(rng, [1, 1, 1, 8], 3, 1, 1, Padding.SAME, ACT.NONE, (1, 1))
    yield "dw3_c12_2x2_same_relu", depthwise(rng, [1, 2, 2, 12], 3, 1, 1, Padding.SAME, ACT.RELU, (2, 2))
    yield "dw3_c5_2x2_s2_same", depthwise(rng, [1, 2, 2, 5], 3, 1, 2, Padding.SAME, ACT.NONE, (1, 1))
    yield "dw3_c3_s1_same_zp128", depthwise(rng, [1, 6, 7, 3], 3, 1, 1, Padding.SAME, ACT.NONE, (6, 7),
                                            x_q=(0.05, -128))
    yield "dw3_c10_s1_same_relu_zp100", depthwise(rng, [1, 5, 8, 10], 3, 1, 1, Padding.SAME, ACT.RELU, (5, 8),
                                                  x_q=(0.04, 100))
    yield "dw3_c9_s2_same", depthwise(rng, [1, 8, 9, 9], 3, 1, 2, Padding.SAME, ACT.NONE, (4, 5))
    yield "dw3_c16_s2_valid_relu_zp128", depthwise(rng, [1, 9, 8, 16], 3, 1, 2, Padding.VALID, ACT.RELU, (4, 3),
                                                   x_q=(0.05, -128))
    yield "dw3_c256_s1_same", depthwise(rng, [1, 3, 4, 256], 3, 1, 1, Padding.SAME, ACT.NONE, (3, 4))
    yield "dw3_c260_s1_same", depthwise(rng, [1, 3, 3, 260], 3, 1, 1, Padding.SAME, ACT.NONE, (3, 3))
    yield "dw3_c32_s1_same_10x11", depthwise(rng, [1, 10, 11, 32], 3, 1, 1, Padding.SAME, ACT.NONE, (10, 11),
                                             x_q=(0.05, -128))
    yield "dw3_c24_s2_same_odd", depthwise(rng, [1, 11, 9, 24], 3, 1, 2, Padding.SAME, ACT.NONE, (6, 5))
    yield "dw3_c8_dilation_h2_same", depthwise(rng, [1, 7, 6, 8], 3, 1, 1, Padding.SAME, ACT.NONE, (7, 6),
                                               dilation_h=2)
    # The paired-tap path (depth multiplier >= 2): a 1-channel input whose last window ends on the image's last byte
    # (the row loads must stop short of it), 2 input channels (every pixel gathered), a 5x6 window in the generic
    # order (groups of 4 taps with unused lanes) at stride 2 and stride 1 VALID, and a bias beyond the narrow bound.
    yield "dw_dm8_c1_w9_valid_relu6", depthwise(rng, [1, 7, 9, 1], 3, 8, 1, Padding.VALID, ACT.RELU6, (5, 7))
    yield "dw_dm8_c2_s2_same", depthwise(rng, [1, 7, 7, 2], 3, 8, 2, Padding.SAME, ACT.RELU, (4, 4))
    yield "dw_dm4_c1_k5x6_s2_same", depthwise(rng, [1, 11, 13, 1], (5, 6), 4, 2, Padding.SAME, ACT.NONE, (6, 7))
    yield "dw_dm8_c1_k5x6_valid", depthwise(rng, [1, 8, 11, 1], (5, 6), 8, 1, Padding.VALID, ACT.RELU6, (4, 6))
    yield "dw_dm4_c2_huge_bias", depthwise(rng, [1, 5, 5, 2], 3, 4, 1, Padding.SAME, ACT.NONE, (5, 5), huge_bias=True)
    # Add and sub: the table path (large counts) and the per-element path (small counts), fused ReLU / ReLU6, input
    # scales 1000x apart, and an output scale so small that the output rescale leaves the table path's domain.
    yield "add_4608_relu", binary(OP.ADD, [1, 24, 24, 8], (0.05, -3), (0.08, 10), (0.1, 2), ACT.RELU)
    yield "add_105_relu6", binary(OP.ADD, [1, 3, 5, 7], (0.05, -3), (0.08, 10), (0.1, 2), ACT.RELU6)
    yield "sub_2400_scales_1000x", binary(OP.SUB, [1, 20, 20, 6], (0.001, -20), (1.0, 3), (2.0, 10), ACT.NONE)
    yield "sub_63", binary(OP.SUB, [1, 1, 7, 9], (0.05, 7), (0.03, -5), (0.06, -1), ACT.NONE)
    yield "add_1024_tiny_output_scale", binary(OP.ADD, [1, 16, 16, 4], (0.05, 0), (0.04, 1), (1e-7, 0), ACT.NONE)
    # First-layer convolutions (1 or 3 input channels): SAME and VALID padding, stride 1 and 2, odd widths.
    yield "conv_c3_s2_same_w11", conv(rng, [1, 13, 11, 3], (3, 3), 8, 2, Padding.SAME, ACT.RELU, (7, 6))
    yield "conv_c3_s1_same_w9_relu6", conv(rng, [1, 7, 9, 3], (3, 3), 5, 1, Padding.SAME, ACT.RELU6, (7, 9))
    yield "conv_c3_s1_valid_w9", conv(rng, [1, 8, 9, 3], (3, 3), 4, 1, Padding.VALID, ACT.NONE, (6, 7))
    yield "conv_c3_s2_valid_w10", conv(rng, [1, 9, 10, 3], (3, 3), 8, 2, Padding.VALID, ACT.NONE, (4, 4))
    yield "conv_c1_10x4_s2_same", conv(rng, [1, 21, 9, 1], (10, 4), 6, 2, Padding.SAME, ACT.RELU, (11, 5))
    yield "conv_c1_s1_valid_w7", conv(rng, [1, 6, 7, 1], (3, 3), 3, 1, Padding.VALID, ACT.NONE, (4, 5))
    yield "conv_c1_5x5_s1_same_w5", conv(rng, [1, 6, 5, 1], (5, 5), 7, 1, Padding.SAME, ACT.NONE, (6, 5))
    yield "conv_c5_s1_same_w6", conv(rng, [1, 5, 6, 5], (3, 3), 6, 1, Padding.SAME, ACT.NONE, (5, 6))
    # nncube_conv2d_s8_first (in_c <= 4): 1 to 4 input channels, odd pixel counts, channel counts that are not a
    # multiple of 4, input zero points 0 and 120, a ReLU6 clamp, and a bias beyond its bound (falls back).
    yield "first_c1_s1_same_w7_oc6", conv(rng, [1, 6, 7, 1], (3, 3), 6, 1, Padding.SAME, ACT.NONE, (6, 7))
    yield "first_c2_s2_same_w9_oc10_relu6", conv(rng, [1, 7, 9, 2], (3, 3), 10, 2, Padding.SAME, ACT.RELU6, (4, 5))
    yield "first_c3_s2_valid_w11_oc12", conv(rng, [1, 9, 11, 3], (3, 3), 12, 2, Padding.VALID, ACT.RELU, (4, 5))
    yield "first_c4_s1_valid_w5_oc8", conv(rng, [1, 5, 5, 4], (3, 3), 8, 1, Padding.VALID, ACT.NONE, (3, 3))
    yield "first_c4_s2_same_w7_oc16", conv(rng, [1, 6, 7, 4], (3, 3), 16, 2, Padding.SAME, ACT.RELU, (3, 4))
    yield "first_c3_s1_same_w9_zp0", conv(rng, [1, 7, 9, 3], (3, 3), 8, 1, Padding.SAME, ACT.NONE, (7, 9),
                                          x_q=(0.05, 0))
    yield "first_c3_s2_same_w13_zp120_oc7", conv(rng, [1, 9, 13, 3], (3, 3), 7, 2, Padding.SAME, ACT.NONE, (5, 7),
                                                 x_q=(0.05, 120))
    yield "first_c3_huge_bias", conv(rng, [1, 5, 7, 3], (3, 3), 8, 1, Padding.SAME, ACT.NONE, (5, 7),
                                     huge_bias=True)
    # 1x1 convolutions through the channel records (nncube_conv1x1_*_s8): blocks of 6 pixels with a partial last
    # block, odd channel counts, stride 2, in_c 8 / 16 / 32 (unrolled loops) and 64 / 128 (the wide loop).
    yield "conv1x1_c8_w7_oc7", conv(rng, [1, 5, 7, 8], (1, 1), 7, 1, Padding.VALID, ACT.NONE, (5, 7))
    yield "conv1x1_c16_s2_oc13", conv(rng, [1, 9, 7, 16], (1, 1), 13, 2, Padding.VALID, ACT.NONE, (5, 4))
    yield "conv1x1_c32_w5_oc9", conv(rng, [1, 3, 5, 32], (1, 1), 9, 1, Padding.SAME, ACT.NONE, (3, 5))
    yield "conv1x1_c64_oc67", conv(rng, [1, 5, 5, 64], (1, 1), 67, 1, Padding.VALID, ACT.NONE, (5, 5))
    yield "conv1x1_c128_s2_oc6", conv(rng, [1, 7, 7, 128], (1, 1), 6, 2, Padding.VALID, ACT.NONE, (4, 4))
    # Few pixels on the wide loop: 9 (a block of 6, then the 3-pixel loop writing directly), 13 (12 + 1: the 3-pixel
    # loop through passes of 32 + 8 channels), 3 on in_c 144 (the 8-group loop's half iteration), and 1 and 5
    # pixels (the general matrix product).
    yield "conv1x1_c64_p9_oc37_relu", conv(rng, [1, 3, 3, 64], (1, 1), 37, 1, Padding.VALID, ACT.RELU, (3, 3))
    yield "conv1x1_c128_p13_oc40", conv(rng, [1, 1, 13, 128], (1, 1), 40, 1, Padding.VALID, ACT.NONE, (1, 13))
    yield "conv1x1_c144_p3_oc9", conv(rng, [1, 3, 1, 144], (1, 1), 9, 1, Padding.VALID, ACT.NONE, (3, 1))
    yield "conv1x1_c256_p1_oc6", conv(rng, [1, 1, 1, 256], (1, 1), 6, 1, Padding.VALID, ACT.NONE, (1, 1))
    yield "conv1x1_c64_p5_oc7", conv(rng, [1, 1, 5, 64], (1, 1), 7, 1, Padding.VALID, ACT.NONE, (1, 5))


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name, data in cases():
        with open(os.path.join(out_dir, f"{name}.tflite"), "wb") as f:
            f.write(data)
        print(name)


if __name__ == "__main__":
    main()

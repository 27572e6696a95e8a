#!/usr/bin/env python3
"""Builds one small single-operator .tflite model per (operator, dtype) case into OUT_DIR, for comparing the
reference interpreter with TFLM operator by operator. Uses the `tflite` schema package (no TensorFlow).

Usage: make_op_models.py OUT_DIR   (prints the names of the models it wrote, one per line)
Quantization parameters are fixed so the output is deterministic.
"""
import importlib
import os
import sys

import flatbuffers
import numpy as np

T = {name: importlib.import_module(f"tflite.{name}") for name in [
    "Model", "SubGraph", "Tensor", "Operator", "OperatorCode", "Buffer", "QuantizationParameters",
    "Pool2DOptions", "LeakyReluOptions", "ConcatenationOptions", "StridedSliceOptions", "ReducerOptions",
    "AddOptions", "SubOptions", "MulOptions",
]}
from tflite.BuiltinOperator import BuiltinOperator as OP  # noqa: E402
from tflite.BuiltinOptions import BuiltinOptions as BO  # noqa: E402
from tflite.TensorType import TensorType as TT  # noqa: E402
from tflite.ActivationFunctionType import ActivationFunctionType as ACT  # noqa: E402
from tflite.Padding import Padding  # noqa: E402


def vec(b, start, items, prepend):
    start(b, len(items))
    for item in reversed(items):
        prepend(item)
    return b.EndVector()


def build(tensors, op, op_inputs, op_outputs, inputs, outputs, options=None):
    """tensors: list of dicts(name, shape, type, quant=(scale, zp) | None, data=np.ndarray | None)."""
    b = flatbuffers.Builder(4096)
    buffers = []
    T["Buffer"].BufferStart(b)
    buffers.append(T["Buffer"].BufferEnd(b))
    tensor_offs = []
    for t in tensors:
        buf = 0
        if t.get("data") is not None:
            raw = t["data"].tobytes()
            b.StartVector(1, len(raw), 16)
            for byte in reversed(raw):
                b.PrependUint8(byte)
            data_off = b.EndVector()
            T["Buffer"].BufferStart(b)
            T["Buffer"].BufferAddData(b, data_off)
            buffers.append(T["Buffer"].BufferEnd(b))
            buf = len(buffers) - 1
        q_off = None
        if t.get("quant") is not None:
            scale, zp = t["quant"]
            s_off = vec(b, T["QuantizationParameters"].QuantizationParametersStartScaleVector, [scale], b.PrependFloat32)
            z_off = vec(b, T["QuantizationParameters"].QuantizationParametersStartZeroPointVector, [zp], b.PrependInt64)
            T["QuantizationParameters"].QuantizationParametersStart(b)
            T["QuantizationParameters"].QuantizationParametersAddScale(b, s_off)
            T["QuantizationParameters"].QuantizationParametersAddZeroPoint(b, z_off)
            q_off = T["QuantizationParameters"].QuantizationParametersEnd(b)
        name_off = b.CreateString(t["name"])
        shape_off = vec(b, T["Tensor"].TensorStartShapeVector, list(t["shape"]), b.PrependInt32)
        T["Tensor"].TensorStart(b)
        T["Tensor"].TensorAddShape(b, shape_off)
        T["Tensor"].TensorAddType(b, t["type"])
        T["Tensor"].TensorAddBuffer(b, buf)
        T["Tensor"].TensorAddName(b, name_off)
        if q_off is not None:
            T["Tensor"].TensorAddQuantization(b, q_off)
        tensor_offs.append(T["Tensor"].TensorEnd(b))
    opt_type, opt_off = (0, None) if options is None else options(b)
    in_off = vec(b, T["Operator"].OperatorStartInputsVector, op_inputs, b.PrependInt32)
    out_off = vec(b, T["Operator"].OperatorStartOutputsVector, op_outputs, b.PrependInt32)
    T["Operator"].OperatorStart(b)
    T["Operator"].OperatorAddOpcodeIndex(b, 0)
    T["Operator"].OperatorAddInputs(b, in_off)
    T["Operator"].OperatorAddOutputs(b, out_off)
    if opt_off is not None:
        T["Operator"].OperatorAddBuiltinOptionsType(b, opt_type)
        T["Operator"].OperatorAddBuiltinOptions(b, opt_off)
    op_off = T["Operator"].OperatorEnd(b)
    t_vec = vec(b, T["SubGraph"].SubGraphStartTensorsVector, tensor_offs, b.PrependUOffsetTRelative)
    o_vec = vec(b, T["SubGraph"].SubGraphStartOperatorsVector, [op_off], b.PrependUOffsetTRelative)
    i_vec = vec(b, T["SubGraph"].SubGraphStartInputsVector, inputs, b.PrependInt32)
    out_vec = vec(b, T["SubGraph"].SubGraphStartOutputsVector, outputs, b.PrependInt32)
    T["SubGraph"].SubGraphStart(b)
    T["SubGraph"].SubGraphAddTensors(b, t_vec)
    T["SubGraph"].SubGraphAddOperators(b, o_vec)
    T["SubGraph"].SubGraphAddInputs(b, i_vec)
    T["SubGraph"].SubGraphAddOutputs(b, out_vec)
    sg = T["SubGraph"].SubGraphEnd(b)
    T["OperatorCode"].OperatorCodeStart(b)
    T["OperatorCode"].OperatorCodeAddDeprecatedBuiltinCode(b, min(op, 127))
    T["OperatorCode"].OperatorCodeAddBuiltinCode(b, op)
    T["OperatorCode"].OperatorCodeAddVersion(b, 1)
    code = T["OperatorCode"].OperatorCodeEnd(b)
    codes = vec(b, T["Model"].ModelStartOperatorCodesVector, [code], b.PrependUOffsetTRelative)
    sgs = vec(b, T["Model"].ModelStartSubgraphsVector, [sg], b.PrependUOffsetTRelative)
    bufs = vec(b, T["Model"].ModelStartBuffersVector, buffers, b.PrependUOffsetTRelative)
    T["Model"].ModelStart(b)
    T["Model"].ModelAddVersion(b, 3)
    T["Model"].ModelAddOperatorCodes(b, codes)
    T["Model"].ModelAddSubgraphs(b, sgs)
    T["Model"].ModelAddBuffers(b, bufs)
    b.Finish(T["Model"].ModelEnd(b), b"TFL3")
    return bytes(b.Output())


def simple_options(mod, kind, **fields):
    def make(b):
        getattr(T[mod], f"{mod}Start")(b)
        for k, v in fields.items():
            getattr(T[mod], f"{mod}Add{k}")(b, v)
        return kind, getattr(T[mod], f"{mod}End")(b)
    return make


def cases():
    """Yields (name, model bytes)."""
    shape = [1, 6, 6, 4]
    for dt in ["i8", "f32"]:
        ty = TT.INT8 if dt == "i8" else TT.FLOAT32
        qa = (0.05, -3) if dt == "i8" else None
        qb = (0.08, 10) if dt == "i8" else None
        qo = (0.1, 2) if dt == "i8" else None

        def t(name, shp, q, data=None, ttype=None):
            return dict(name=name, shape=shp, type=ty if ttype is None else ttype, quant=q, data=data)

        for op, mod, kind, act in [
            (OP.ADD, "AddOptions", BO.AddOptions, ACT.RELU6),
            (OP.SUB, "SubOptions", BO.SubOptions, ACT.NONE),
            (OP.MUL, "MulOptions", BO.MulOptions, ACT.RELU),
        ]:
            name = {OP.ADD: "add", OP.SUB: "sub", OP.MUL: "mul"}[op]
            yield f"{name}_{dt}", build([t("a", shape, qa), t("b", shape, qb), t("y", shape, qo)], op, [0, 1], [2],
                                      [0, 1], [2], simple_options(mod, kind, FusedActivationFunction=act))
            yield f"{name}_broadcast_{dt}", build(
                [t("a", shape, qa), t("b", [1, 1, 1, 4], qb), t("y", shape, qo)], op, [0, 1], [2], [0, 1], [2],
                simple_options(mod, kind, FusedActivationFunction=act))
        yield f"max_pool_{dt}", build([t("x", shape, qa), t("y", [1, 3, 3, 4], qa)], OP.MAX_POOL_2D, [0], [1], [0], [1],
                                      simple_options("Pool2DOptions", BO.Pool2DOptions, Padding=Padding.SAME,
                                                     StrideW=2, StrideH=2, FilterWidth=3, FilterHeight=3))
        yield f"avg_pool_same_{dt}", build([t("x", shape, qa), t("y", [1, 3, 3, 4], qa)], OP.AVERAGE_POOL_2D, [0], [1],
                                           [0], [1], simple_options("Pool2DOptions", BO.Pool2DOptions,
                                                                    Padding=Padding.SAME, StrideW=2, StrideH=2,
                                                                    FilterWidth=3, FilterHeight=3))
        lo = (1 / 256, -128) if dt == "i8" else None
        th = (1 / 128, 0) if dt == "i8" else None
        yield f"logistic_{dt}", build([t("x", shape, qa), t("y", shape, lo)], OP.LOGISTIC, [0], [1], [0], [1])
        yield f"tanh_{dt}", build([t("x", shape, qa), t("y", shape, th)], OP.TANH, [0], [1], [0], [1])
        yield f"relu_{dt}", build([t("x", shape, qa), t("y", shape, qo)], OP.RELU, [0], [1], [0], [1])
        yield f"hard_swish_{dt}", build([t("x", shape, qa), t("y", shape, qo)], OP.HARD_SWISH, [0], [1], [0], [1])
        yield f"reduce_max_{dt}", build([t("x", shape, qa), t("axes", [1], None, np.array([3], dtype=np.int32),
                                                                TT.INT32), t("y", [1, 6, 6], qa)],
                                        OP.REDUCE_MAX, [0, 1], [2], [0], [2],
                                        simple_options("ReducerOptions", BO.ReducerOptions, KeepDims=False))
        yield f"relu6_{dt}", build([t("x", shape, qa), t("y", shape, qa)], OP.RELU6, [0], [1], [0], [1])
        yield f"leaky_relu_{dt}", build([t("x", shape, qa), t("y", shape, qo)], OP.LEAKY_RELU, [0], [1], [0], [1],
                                        simple_options("LeakyReluOptions", BO.LeakyReluOptions, Alpha=0.2))
        axes = np.array([1, 2], dtype=np.int32)
        yield f"mean_{dt}", build([t("x", shape, qa), t("axes", [2], None, axes, TT.INT32), t("y", [1, 1, 1, 4], qo)],
                                  OP.MEAN, [0, 1], [2], [0], [2],
                                  simple_options("ReducerOptions", BO.ReducerOptions, KeepDims=True))
        pads = np.array([[0, 0], [1, 2], [2, 1], [0, 0]], dtype=np.int32)
        yield f"pad_{dt}", build([t("x", shape, qa), t("p", [4, 2], None, pads, TT.INT32), t("y", [1, 9, 9, 4], qa)],
                                 OP.PAD, [0, 1], [2], [0], [2])
        yield f"concat_{dt}", build([t("a", shape, qa), t("b", [1, 6, 6, 2], qa), t("y", [1, 6, 6, 6], qa)],
                                    OP.CONCATENATION, [0, 1], [2], [0, 1], [2],
                                    simple_options("ConcatenationOptions", BO.ConcatenationOptions, Axis=3))
        perm = np.array([0, 3, 1, 2], dtype=np.int32)
        yield f"transpose_{dt}", build([t("x", shape, qa), t("perm", [4], None, perm, TT.INT32),
                                        t("y", [1, 4, 6, 6], qa)], OP.TRANSPOSE, [0, 1], [2], [0], [2])
        begin = np.array([0, 1, 0, 1], dtype=np.int32)
        end = np.array([1, 5, 6, 4], dtype=np.int32)
        strides = np.array([1, 2, 3, 1], dtype=np.int32)
        yield f"strided_slice_{dt}", build(
            [t("x", shape, qa), t("b", [4], None, begin, TT.INT32), t("e", [4], None, end, TT.INT32),
             t("s", [4], None, strides, TT.INT32), t("y", [2, 2, 3], qa)],
            OP.STRIDED_SLICE, [0, 1, 2, 3], [4], [0], [4],
            simple_options("StridedSliceOptions", BO.StridedSliceOptions, ShrinkAxisMask=1))
        if dt == "i8":
            yield "requantize_i8", build([t("x", shape, qa), t("y", shape, qo)], OP.QUANTIZE, [0], [1], [0], [1])
            yield "dequantize_i8", build([t("x", shape, qa), t("y", shape, None, None, TT.FLOAT32)], OP.DEQUANTIZE,
                                         [0], [1], [0], [1])
        else:
            yield "quantize_f32", build([t("x", shape, None), t("y", shape, (0.01, 5), None, TT.INT8)], OP.QUANTIZE,
                                        [0], [1], [0], [1])


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name, data in cases():
        with open(os.path.join(out_dir, f"{name}.tflite"), "wb") as f:
            f.write(data)
        print(name)


if __name__ == "__main__":
    main()

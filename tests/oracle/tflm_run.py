#!/usr/bin/env python3
"""Test oracle: run a .tflite model with TensorFlow Lite Micro's Python interpreter.

Usage:
  tflm_run.py MODEL --inputs IN.npz --outputs OUT.npz [--tensors TENSORS.npz]
  tflm_run.py --manifest LIST      (LIST: one "MODEL<TAB>IN.npz<TAB>OUT.npz" line per model, all in one process)

IN.npz holds one array per (sample, model input), named `s{sample}_i{input}` (samples numbered from 0, without gaps).
OUT.npz receives `s{sample}_o{output}` for every model output. With --tensors, every non-constant tensor of
subgraph 0 is also saved after each invocation, as `s{sample}_t{tflite_tensor_index}`, and the tensor names go to
TENSORS.npz.json (a JSON list: entry i is tensor i's name, empty for constants and tensors TFLM does not keep).
The interpreter is created once with kPreserveAllTensors, so intermediate tensors are not overwritten.
"""
import argparse
import json
import re
import sys

import numpy as np
import tflite
from tflite_micro.python.tflite_micro import runtime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?")
    parser.add_argument("--inputs")
    parser.add_argument("--outputs")
    parser.add_argument("--tensors")
    parser.add_argument("--manifest")
    args = parser.parse_args()
    if args.manifest:
        with open(args.manifest) as f:
            for line in f.read().splitlines():
                model, inputs, outputs = line.split("\t")
                code = run_model(argparse.Namespace(model=model, inputs=inputs, outputs=outputs, tensors=None))
                if code:
                    return code
        return 0
    if not (args.model and args.inputs and args.outputs):
        parser.error("give MODEL --inputs IN.npz --outputs OUT.npz, or --manifest LIST")
    return run_model(args)


def run_model(args) -> int:
    with open(args.model, "rb") as f:
        model_bytes = f.read()
    # The default arena (10 × the model size) is too small for tiny single-op models.
    interp = runtime.Interpreter.from_bytes(
        model_bytes,
        arena_size=max(10 * len(model_bytes), 1 << 20),
        intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors,
    )
    model = tflite.Model.GetRootAsModel(model_bytes, 0)
    sg = model.Subgraphs(0)

    inputs = np.load(args.inputs)
    samples = {}
    for key in inputs.files:
        m = re.fullmatch(r"s(\d+)_i(\d+)", key)
        if not m:
            print(f"{args.inputs}: unexpected array name {key!r} (want s<sample>_i<input>)", file=sys.stderr)
            return 2
        samples.setdefault(int(m.group(1)), {})[int(m.group(2))] = inputs[key]

    outputs = {}
    tensors = {}
    names = [""] * sg.TensorsLength()
    for s in sorted(samples):
        for i, arr in sorted(samples[s].items()):
            interp.set_input(arr, i)
        interp.invoke()
        for o in range(sg.OutputsLength()):
            outputs[f"s{s}_o{o}"] = np.array(interp.get_output(o))
        if args.tensors:
            for t in range(sg.TensorsLength()):
                tensor = sg.Tensors(t)
                buf = model.Buffers(tensor.Buffer())
                if buf is not None and buf.DataLength() > 0:
                    continue
                try:
                    value = interp.GetTensor(t, 0)
                except Exception:  # TFLM keeps no data for this tensor (e.g. an unused operand).
                    continue
                if value is None:
                    continue
                # GetTensor returns {'dtype', 'shape', 'tensor_data'}.
                data = np.asarray(value["tensor_data"]).astype(value["dtype"], copy=False)
                tensors[f"s{s}_t{t}"] = data.reshape(value["shape"])
                names[t] = tensor.Name().decode()
    np.savez(args.outputs, **outputs)
    if args.tensors:
        np.savez(args.tensors, **tensors)
        with open(args.tensors + ".json", "w") as f:
            json.dump(names, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

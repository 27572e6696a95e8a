"""Runs a .tflite model with TensorFlow Lite Micro's own Python interpreter (the oracle of the codegen tests).

Usage: tflm_run.py MODEL SAMPLES_FILE
SAMPLES_FILE holds N samples, each the concatenation of every input's raw little-endian bytes.
Writes, per sample, the concatenation of every output's raw bytes to stdout.
"""
import sys

import numpy as np
from tflite_micro.python.tflite_micro import runtime


def main():
    model_path, samples_path = sys.argv[1], sys.argv[2]
    with open(model_path, "rb") as f:
        model = f.read()
    # The default arena (10 x the model size) is too small for single-op models with large activations.
    interp = runtime.Interpreter.from_bytes(model, arena_size=max(10 * len(model), 1 << 20))
    inputs = interp.get_input_details
    n_inputs = 0
    while True:
        try:
            inputs(n_inputs)
        except Exception:
            break
        n_inputs += 1
    details = [inputs(i) for i in range(n_inputs)]
    sizes = [int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize for d in details]
    data = open(samples_path, "rb").read()
    sample = sum(sizes)
    out = sys.stdout.buffer
    for pos in range(0, len(data), sample):
        off = pos
        for i, d in enumerate(details):
            arr = np.frombuffer(data[off:off + sizes[i]], dtype=d["dtype"]).reshape(d["shape"])
            interp.set_input(arr, i)
            off += sizes[i]
        interp.invoke()
        j = 0
        while True:
            try:
                o = interp.get_output(j)
            except Exception:
                break
            out.write(np.ascontiguousarray(o).tobytes())
            j += 1
    out.flush()


if __name__ == "__main__":
    main()

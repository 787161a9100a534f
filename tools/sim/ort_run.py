#!/usr/bin/env python3
"""Runs a Polybit integer model through onnxruntime (graph optimizations off, 1 thread).

  python3 tools/sim/ort_run.py MODEL.h5 INPUTS.h5 OUT.h5

INPUTS.h5 holds /images [N, C, H, W] (the model's input codes); OUT.h5 gets /outputs (the model's output codes), onnxruntime's result for the
ONNX equivalent built by polybit_onnx.to_onnx.
"""
import os
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import polybit_onnx  # noqa: E402


def main():
    model_path, inputs_path, out_path = sys.argv[1:4]
    with h5py.File(inputs_path, "r") as f:
        x = f["images"][()]
    model = polybit_onnx.to_onnx(model_path)
    shift_in, shift_out = polybit_onnx.offsets(model)
    y = polybit_onnx.session(model).run(None, {"input": (x.astype("int16") - shift_in).astype("int8")})[0]
    y = y.astype("int16") + shift_out
    with h5py.File(out_path, "w") as f:
        f.create_dataset("outputs", data=y)
    print("ok", list(y.shape))


if __name__ == "__main__":
    main()

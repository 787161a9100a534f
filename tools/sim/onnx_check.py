#!/usr/bin/env python3
"""Checks an ONNX model written by `polybit convert --to onnx` against `polybit simulate`, bit for bit.

  python3 tools/sim/onnx_check.py M.onnx --model M.h5 (--inputs IN.h5 | --dataset D) [--images N] [--polybit BIN]
  python3 tools/sim/onnx_check.py M.onnx --given IN.h5 EXPECTED.h5

The first form runs `polybit trace` on the first N images (default 200) for the model's first and
last layers: the traced input of the first layer is the integer input the simulator used (reals in
IN.h5 are quantized by Polybit) and the traced output of the last layer is its result. The second
form reads integer inputs from IN.h5 /images and the simulator's outputs from EXPECTED.h5 /outputs.

onnx.checker must accept the file; onnxruntime runs it on the CPU with graph optimizations off and
one thread unless --optimization / --threads say otherwise. Prints the agreement and exits 1 when any output code differs.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import onnx
import onnxruntime as ort


LEVELS = {"off": ort.GraphOptimizationLevel.ORT_DISABLE_ALL, "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
          "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}


def session(path, threads=1, optimization="off"):
    so = ort.SessionOptions()
    so.graph_optimization_level = LEVELS[optimization]
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def traced(polybit, model, source, images):
    """(inputs, outputs) of the simulator from a `polybit trace` of the first and last layers."""
    with h5py.File(model, "r") as f:
        order = [n.decode() if isinstance(n, bytes) else str(n) for n in f["layers"].attrs["order"]]
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "trace.h5")
        subprocess.run(
            [polybit, "trace", "--model", model, *source, "--samples", str(images),
             "--layers", f"{order[0]},{order[-1]}", "--out", out],
            check=True, stdout=subprocess.DEVNULL)
        with h5py.File(out, "r") as t:
            first = t[order[0]]
            x = first["input"][()] if "input" in first else first["input_0"][()]
            return x, t[order[-1]]["output"][()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("onnx_model")
    ap.add_argument("--model", help="the integer model (HDF5) the ONNX file was converted from")
    ap.add_argument("--inputs", help="images for `polybit trace` (--inputs IN.h5)")
    ap.add_argument("--dataset", help="or a dataset whose test split `polybit trace` reads (--dataset D)")
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--polybit", default="polybit", help="the polybit executable")
    ap.add_argument("--given", nargs=2, metavar=("IN.h5", "EXPECTED.h5"))
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    ap.add_argument("--optimization", choices=sorted(LEVELS), default="off",
                    help="onnxruntime graph optimizations (the exactness claim is for off)")
    a = ap.parse_args()
    onnx.checker.check_model(onnx.load(a.onnx_model), full_check=True)
    if a.given:
        with h5py.File(a.given[0], "r") as f:
            x = f["images"][()]
        with h5py.File(a.given[1], "r") as f:
            expected = f["outputs"][()]
    else:
        if not (a.model and (a.inputs or a.dataset)):
            ap.error("give --model and --inputs or --dataset, or --given IN.h5 EXPECTED.h5")
        source = ["--inputs", a.inputs] if a.inputs else ["--dataset", a.dataset]
        x, expected = traced(a.polybit, a.model, source, a.images)
    sess = session(a.onnx_model, a.threads, a.optimization)
    inp = sess.get_inputs()[0]
    dtype = np.uint8 if inp.type == "tensor(uint8)" else np.int8
    got = sess.run(None, {inp.name: x.astype(dtype)})[0]
    expected = expected.reshape(got.shape).astype(np.int64)
    got = got.astype(np.int64)
    equal = int((got == expected).sum())
    images_equal = int((got == expected).reshape(len(got), -1).all(axis=1).sum())
    top1 = int((got.reshape(len(got), -1).argmax(1) == expected.reshape(len(got), -1).argmax(1)).sum())
    print(f"{a.onnx_model}: {os.path.getsize(a.onnx_model)} bytes; {len(got)} images: "
          f"{equal}/{got.size} output codes equal, {images_equal}/{len(got)} images bit-exact, "
          f"top-1 agrees on {top1}/{len(got)}")
    sys.exit(0 if equal == got.size else 1)


if __name__ == "__main__":
    main()

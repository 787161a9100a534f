#!/usr/bin/env python3
"""Checks an ONNX or QONNX model written by `polybit convert` against `polybit simulate`, bit for bit.

  python3 tools/sim/onnx_check.py M.onnx --model M.h5 (--inputs IN.h5 | --dataset D) [--images N] [--polybit BIN]
  python3 tools/sim/onnx_check.py M.onnx --given IN.h5 EXPECTED.h5

The first form runs `polybit trace` on the first N images (default 200) for the model's first and
last layers: the traced input of the first layer is the integer input the simulator used (reals in
IN.h5 are quantized by Polybit) and the traced output of the last layer is its result. The second
form reads integer inputs from IN.h5 /images and the simulator's outputs from EXPECTED.h5 /outputs.

onnx.checker must accept the file; onnxruntime runs it on the CPU with graph optimizations off and
one thread unless --optimization / --threads say otherwise. A QONNX file (it imports the domain
qonnx.custom_op.general) runs in the qonnx package's executor instead (its Quant nodes in numpy, every
other node in onnxruntime), after qonnx's shape and datatype inference; --datatypes prints the
datatype qonnx infers for each layer output. Prints the agreement and exits 1 when any output code differs.
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


QONNX_DOMAIN = "qonnx.custom_op.general"


def is_qonnx(model):
    return any(o.domain == QONNX_DOMAIN for o in model.opset_import)


def qonnx_wrapper(model, batch):
    """The QONNX model with batch size `batch` (qonnx executes fixed shapes), shapes and datatypes inferred."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for v in list(m.graph.input) + list(m.graph.output):
        v.type.tensor_type.shape.dim[0].dim_value = batch
    return ModelWrapper(m).transform(InferShapes()).transform(InferDataTypes())


def run_qonnx(model, x, show_datatypes, batch=50):
    """Outputs of a QONNX model on float32 codes `x`, from qonnx's executor, `batch` images at a time."""
    from qonnx.core.onnx_exec import execute_onnx
    wrappers = {}
    outputs = []
    for i in range(0, len(x), batch):
        chunk = x[i:i + batch].astype(np.float32)
        if len(chunk) not in wrappers:
            wrappers[len(chunk)] = qonnx_wrapper(model, len(chunk))
        w = wrappers[len(chunk)]
        outputs.append(execute_onnx(w, {w.graph.input[0].name: chunk})[w.graph.output[0].name])
    if show_datatypes:
        for node in w.graph.node:
            if node.op_type == "Quant" and not node.output[0].endswith("/wq"):
                print(f"{node.output[0]}: {w.get_tensor_datatype(node.output[0]).name}")
    return np.concatenate(outputs)


def traced(polybit, model, source, images):
    """(inputs, outputs, labels or None) of the simulator from a `polybit trace` of the first and last layers."""
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
            labels = t["labels"][()] if "labels" in t else None
            return x, t[order[-1]]["output"][()], labels


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
    ap.add_argument("--datatypes", action="store_true", help="QONNX: print the datatype qonnx infers per layer")
    a = ap.parse_args()
    model = onnx.load(a.onnx_model)
    qonnx = is_qonnx(model)
    onnx.checker.check_model(model, full_check=not qonnx)
    labels = None
    if a.given:
        with h5py.File(a.given[0], "r") as f:
            x = f["images"][()]
        with h5py.File(a.given[1], "r") as f:
            expected = f["outputs"][()]
    else:
        if not (a.model and (a.inputs or a.dataset)):
            ap.error("give --model and --inputs or --dataset, or --given IN.h5 EXPECTED.h5")
        source = ["--inputs", a.inputs] if a.inputs else ["--dataset", a.dataset]
        x, expected, labels = traced(a.polybit, a.model, source, a.images)
    if qonnx:
        got = run_qonnx(model, x, a.datatypes)
    else:
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
    if labels is not None:
        runtime = "qonnx" if qonnx else "onnxruntime"
        accuracy = [100 * float((y.reshape(len(y), -1).argmax(1) == labels).mean()) for y in (got, expected)]
        print(f"accuracy on the {len(labels)} labelled images: {runtime} {accuracy[0]:.2f}%, "
              f"polybit simulate {accuracy[1]:.2f}%")
    sys.exit(0 if equal == got.size else 1)


if __name__ == "__main__":
    main()

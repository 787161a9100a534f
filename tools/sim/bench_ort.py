#!/usr/bin/env python3
"""onnxruntime throughput on an ONNX model written by `polybit convert --to onnx`.

  python3 tools/sim/bench_ort.py MODEL.onnx [--images N] [--batch B] [--threads T] [--no-optimize]

Runs random input codes (the graph's int8 or uint8 input) through onnxruntime's CPU provider and
prints one JSON object: {"images": N, "seconds": s, "images_per_s": r, "onnxruntime": version,
"threads": T, "graph_optimization": bool}. By default onnxruntime may optimize the graph (e.g. fuse
DequantizeLinear/Add/QuantizeLinear into QLinearAdd), its best throughput; --no-optimize times the
exact graph the bit-exactness checks run.
"""
import argparse
import json
import time

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-optimize", action="store_true")
    a = ap.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    if a.no_optimize:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    dtype = np.uint8 if inp.type == "tensor(uint8)" else np.int8
    info = np.iinfo(dtype)
    x = np.random.default_rng(0).integers(info.min, info.max + 1, size=[a.batch] + inp.shape[1:]).astype(dtype)
    sess.run(None, {inp.name: x[:2]})
    done = 0
    start = time.perf_counter()
    while done < a.images:
        n = min(a.batch, a.images - done)
        sess.run(None, {inp.name: x[:n]})
        done += n
    seconds = time.perf_counter() - start
    print(json.dumps({"images": done, "seconds": seconds, "images_per_s": done / seconds,
                      "onnxruntime": ort.__version__, "threads": a.threads,
                      "graph_optimization": not a.no_optimize}))


if __name__ == "__main__":
    main()

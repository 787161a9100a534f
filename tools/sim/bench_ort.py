#!/usr/bin/env python3
"""onnxruntime int8 throughput on the ONNX equivalent of a Polybit integer model.

  python3 tools/sim/bench_ort.py MODEL.h5 [--images N] [--batch B] [--threads T]

Converts MODEL.h5 with polybit_onnx.to_onnx (QLinearConv etc., int8 activations), runs random
int8 images through onnxruntime's CPU provider and prints one JSON object:
{"images": N, "seconds": s, "images_per_s": r, "onnxruntime": version, "threads": T}.
By default onnxruntime may optimize the graph (e.g. fuse DequantizeLinear/Add/QuantizeLinear
into QLinearAdd), which is its best int8 throughput; --no-optimize times the exact graph used by
the bit-exactness tests.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import polybit_onnx  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-optimize", action="store_true")
    a = ap.parse_args()
    import onnxruntime as ort
    model = polybit_onnx.to_onnx(a.model)
    sess = polybit_onnx.session(model, threads=a.threads, optimize=not a.no_optimize)
    shape = [int(d.dim_value) for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, size=[a.batch] + shape).astype(np.int8)
    sess.run(None, {"input": x[:2]})
    done = 0
    start = time.perf_counter()
    while done < a.images:
        n = min(a.batch, a.images - done)
        sess.run(None, {"input": x[:n]})
        done += n
    seconds = time.perf_counter() - start
    print(json.dumps({"images": done, "seconds": seconds, "images_per_s": done / seconds,
                      "onnxruntime": ort.__version__, "threads": a.threads,
                      "graph_optimization": not a.no_optimize}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a random Polybit integer model with h5py only (following docs/integer-model.md, no Polybit
code) and random int8 inputs, for the bit-exactness tests: Polybit reads the model, converts it to
ONNX and simulates it, and onnxruntime must compute the simulator's codes (tools/sim/onnx_check.py).

  python3 tools/sim/write_test_model.py CASE OUTDIR [--seed S] [--images N]

CASE: conv1x1 | conv3x3 | strided | padded | nobias | matmul | linear | resnet
OUTDIR gets model.h5 and inputs.h5 (/images int8 [N,C,H,W]).

Activations are int8 (signed): onnxruntime's s8s8 kernels are exact, where on x86 without VNNI
uint8 activations times full-range int8 weights saturate in vpmaddubsw int16 pairs.
"""
import argparse
import math
import os

import h5py
import numpy as np


def quantize_multiplier(real):
    """TFLite QuantizeMultiplier: real = m * 2^(shift-31), m in [2^30, 2^31), half away from zero."""
    if real <= 0:
        return 0, 0
    mant, exp = math.frexp(real)
    q = math.floor(abs(mant) * 2**31 + 0.5)
    if q == 2**31:
        q //= 2
        exp += 1
    if exp < -31:
        return 0, 0
    if exp > 30:
        return 2**31 - 1, 30
    return int(q), int(exp)


def requant_datasets(g, scales):
    scales = np.asarray(scales, np.float32)
    q = [quantize_multiplier(float(s)) for s in scales]
    g.create_dataset("requant_scale", data=scales)
    g.create_dataset("requant_multiplier", data=np.array([m for m, _ in q], np.int32))
    g.create_dataset("requant_shift", data=np.array([s for _, s in q], np.int32))


class Writer:
    """Builds a Polybit integer model file layer by layer."""

    def __init__(self, path, shape, scale=0.02, zero_point=0):
        self.f = h5py.File(path, "w")
        self.f.attrs["format"] = "polybit-integer-model"
        self.f.attrs["format_version"] = 1
        g = self.f.create_group("input")
        g.attrs["shape"] = np.array(shape, np.int64)
        self.quant(g, scale, zero_point)
        self.layers = self.f.create_group("layers")
        self.order = []

    @staticmethod
    def quant(g, scale, zero_point, bits=8, signed=1):
        g.attrs["bits"] = bits
        g.attrs["signed"] = signed
        g.attrs["scale"] = float(scale)
        g.attrs["zero_point"] = zero_point

    def layer(self, name, op, inputs, scale, zero_point):
        g = self.layers.create_group(name)
        g.attrs["op"] = op
        g.attrs["inputs"] = np.array(inputs, dtype=h5py.string_dtype())
        self.quant(g, scale, zero_point)
        self.order.append(name)
        return g

    def weighted(self, g, w, bias, rs, stride=None, padding=None):
        g.create_dataset("weights", data=w.astype(np.int8))
        g.attrs["weight_bits"] = 8
        g.attrs["weight_signed"] = 1
        g.create_dataset("weight_scale", data=np.full(w.shape[0], 0.01))
        g.create_dataset("bias", data=np.asarray(bias, np.int32))
        requant_datasets(g, rs)
        if stride is not None:
            g.attrs["stride"] = np.array(stride, np.int64)
            g.attrs["padding"] = np.array(padding, np.int64)

    def close(self):
        self.layers.attrs["order"] = np.array(self.order, dtype=h5py.string_dtype())
        self.f.close()


def rand_conv(rng, c, o, k, in_zp=0, bias=True):
    w = rng.integers(-128, 128, size=(o, c, k, k))
    kk = c * k * k
    rs = 40.0 / (5400.0 * math.sqrt(kk)) * rng.uniform(0.5, 1.5, size=o)
    b = rng.integers(-3000, 3000, size=o) if bias else np.zeros(o, np.int64)
    return w, b, rs


def build(case, path, rng):
    """Writes the model for `case`; returns the input shape [C, H, W]."""
    if case in ("conv1x1", "conv3x3", "strided", "padded", "nobias"):
        c, h, wd, o, k, s, p, bias = {
            "conv1x1": (8, 6, 6, 5, 1, 1, 0, True),
            "conv3x3": (4, 7, 7, 6, 3, 1, 1, True),
            "strided": (3, 9, 9, 4, 3, 2, 1, True),
            "padded": (2, 6, 6, 3, 5, 1, 2, True),
            "nobias": (5, 8, 8, 4, 3, 1, 0, False),
        }[case]
        wr = Writer(path, [c, h, wd], zero_point=-5)
        w, b, rs = rand_conv(rng, c, o, k, bias=bias)
        wr.weighted(wr.layer("conv", "conv", ["input"], 0.03, 3), w, b, rs, [s, s], [p, p])
        wr.close()
        return [c, h, wd]
    if case in ("matmul", "linear"):
        i, o = 20, 7
        wr = Writer(path, [i, 1, 1], zero_point=7)
        w = rng.integers(-128, 128, size=(o, i))
        if case == "matmul":
            b, rs = np.zeros(o), [40.0 / (5400.0 * math.sqrt(i))]
        else:
            b, rs = rng.integers(-3000, 3000, size=o), 40.0 / (5400.0 * math.sqrt(i)) * rng.uniform(0.5, 1.5, size=o)
        wr.weighted(wr.layer("fc", "linear", ["input"], 0.1, -2), w, b, rs)
        wr.close()
        return [i, 1, 1]
    if case == "resnet":
        wr = Writer(path, [3, 10, 10], zero_point=-3)
        w, b, rs = rand_conv(rng, 3, 8, 3)
        wr.weighted(wr.layer("conv1", "conv", ["input"], 0.05, -10), w, b, rs, [1, 1], [1, 1])
        wr.layer("relu1", "relu", ["conv1"], 0.05, -10)
        g = wr.layer("pool1", "maxpool", ["relu1"], 0.05, -10)
        g.attrs["kernel"], g.attrs["stride"], g.attrs["padding"] = [2, 2], [2, 2], [0, 0]
        w, b, rs = rand_conv(rng, 8, 8, 3)
        wr.weighted(wr.layer("conv2", "conv", ["pool1"], 0.07, 4), w, b, rs, [1, 1], [1, 1])
        g = wr.layer("add", "add", ["pool1", "conv2"], 0.09, -6)
        sa, sb, sy = 0.05, 0.07, 0.09
        two = 2 * max(sa, sb)
        qa, qb, qo = quantize_multiplier(sa / two), quantize_multiplier(sb / two), quantize_multiplier(two / (2**20 * sy))
        g.attrs["input_multipliers"] = [qa[0], qb[0]]
        g.attrs["input_shifts"] = [qa[1], qb[1]]
        g.attrs["output_multiplier"], g.attrs["output_shift"], g.attrs["left_shift"] = qo[0], qo[1], 20
        wr.layer("relu2", "relu", ["add"], 0.09, -6)
        g = wr.layer("avg", "avgpool", ["relu2"], 0.08, -20)
        g.attrs["kernel"], g.attrs["stride"], g.attrs["padding"] = [3, 3], [1, 1], [1, 1]
        requant_datasets(g, [0.09 / (9 * 0.08)])
        g = wr.layer("gap", "global_avgpool", ["avg"], 0.06, -1)
        requant_datasets(g, [0.08 / (25 * 0.06)])
        wr.layer("flat", "flatten", ["gap"], 0.06, -1)
        w = rng.integers(-128, 128, size=(10, 8))
        wr.weighted(wr.layer("fc", "linear", ["flat"], 0.2, 0), w, rng.integers(-3000, 3000, size=10),
                    40.0 / (5400.0 * math.sqrt(8)) * rng.uniform(0.5, 1.5, size=10))
        wr.close()
        return [3, 10, 10]
    raise SystemExit(f"unknown case {case}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--images", type=int, default=16)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    model_path = os.path.join(a.outdir, "model.h5")
    shape = build(a.case, model_path, rng)
    x = rng.integers(-128, 128, size=[a.images] + shape).astype(np.int8)
    with h5py.File(os.path.join(a.outdir, "inputs.h5"), "w") as f:
        f.create_dataset("images", data=x)
    print("ok", a.case, [a.images] + shape)


if __name__ == "__main__":
    main()

"""Polybit integer models <-> ONNX, for cross-checks against onnxruntime.

Reads a Polybit integer model (docs/integer-model.md) with h5py only and builds an ONNX graph
that onnxruntime computes with the same integer arithmetic as Polybit's `onnx` requant mode:

  conv            QLinearConv, x_scale = y_scale = 1, w_scale = requant_scale (so onnxruntime's
                  float32 scale x_scale*w_scale/y_scale equals requant_scale exactly), bias int32
  linear          QLinearMatMul (per-tensor requant, zero bias) or Reshape + 1x1 QLinearConv
  add             DequantizeLinear, Add, QuantizeLinear (float32, as Polybit's onnx add)
  relu / clamp    Clip on int8
  maxpool         MaxPool on int8
  avgpool /       depthwise QLinearConv with weights 1 (padding = input zero point, divisor in
  global_avgpool  requant_scale)
  flatten         Flatten(axis=1)

Only 8-bit activations (unsigned ones carried as int8, see `to_onnx`) and 8-bit signed weights
without bias correction (no `zc`) convert.
Graph optimizations must be off (the QDQ fusion would turn DQ/Add/Q into QLinearAdd).
"""
import h5py
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def read_model(path):
    """The model as plain dicts: input (shape, quant) and layers in execution order."""
    with h5py.File(path, "r") as f:
        assert _s(f.attrs["format"]) == "polybit-integer-model", "not a Polybit integer model"
        inp = dict(f["input"].attrs)
        layers = []
        g = f["layers"]
        for name in [_s(n) for n in g.attrs["order"]]:
            lg = g[name]
            d = {k: lg.attrs[k] for k in lg.attrs}
            d["name"] = name
            d["op"] = _s(d["op"])
            d["inputs"] = [_s(n) for n in d["inputs"]]
            for k in lg.keys():
                d[k] = lg[k][()]
            layers.append(d)
    return inp, layers


def to_onnx(path, opset=13):
    """An onnx.ModelProto equivalent to the Polybit model at `path` (int8 in, int8 out).

    An unsigned 8-bit tensor (codes v, zero point z) is carried as int8 codes v − 128 with zero point
    z − 128, which is the same real value, so every node runs onnxruntime's exact s8s8 kernels;
    `input_offset` / `output_offset` say what to subtract from the inputs and add to the outputs."""
    inp, layers = read_model(path)
    nodes, inits = [], []
    signed_input = "signed" not in inp or int(inp["signed"]) == 1
    quant = {"input": (float(inp["scale"]), int(inp["zero_point"]) - (0 if signed_input else 128))}
    shapes = {"input": [int(v) for v in inp["shape"]]}

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    for L in layers:
        n, op, src = L["name"], L["op"], L["inputs"]
        zp_in = quant[src[0]][1]
        assert int(L["bits"]) == 8, f"{n}: only 8-bit activations convert"
        zp_out = int(L["zero_point"]) - (0 if int(L["signed"]) == 1 else 128)
        s_in = shapes[src[0]]
        if op in ("conv", "avgpool", "global_avgpool") or (op == "linear"):
            if op == "conv":
                w = L["weights"].astype(np.int8)
                rs = np.asarray(L["requant_scale"], np.float32)
                rs = np.broadcast_to(rs, (w.shape[0],)).astype(np.float32)
                assert "zc" not in L, f"{n}: bias correction (zc) has no onnxruntime equivalent"
                stride = [int(v) for v in L["stride"]]
                pad = [int(v) for v in L["padding"]]
                attrs = dict(kernel_shape=list(w.shape[2:]), strides=stride, pads=pad + pad)
                bias = np.asarray(L["bias"], np.int32)
                group = 1
                out_shape = [w.shape[0], (s_in[1] + 2 * pad[0] - w.shape[2]) // stride[0] + 1,
                             (s_in[2] + 2 * pad[1] - w.shape[3]) // stride[1] + 1]
            elif op == "linear":
                w = L["weights"].astype(np.int8)
                rs = np.broadcast_to(np.asarray(L["requant_scale"], np.float32), (w.shape[0],)).astype(np.float32)
                bias = np.asarray(L["bias"], np.int32)
                assert "zc" not in L, f"{n}: bias correction (zc) has no onnxruntime equivalent"
                flat = n + "_flat"
                nodes.append(helper.make_node("Flatten", [src[0]], [flat], axis=1))
                if not bias.any() and np.asarray(L["requant_scale"]).size == 1:
                    nodes.append(helper.make_node(
                        "QLinearMatMul",
                        [flat, const(n + "_xs", np.float32(1)), const(n + "_xz", np.int8(zp_in)),
                         const(n + "_w", w.T.copy()), const(n + "_ws", rs[:1].reshape(())),
                         const(n + "_wz", np.int8(0)), const(n + "_ys", np.float32(1)),
                         const(n + "_yz", np.int8(zp_out))], [n]))
                    quant[n] = (float(L["scale"]), zp_out)
                    shapes[n] = [w.shape[0]]
                    continue
                x4 = n + "_x4"
                nodes.append(helper.make_node("Reshape", [flat, const(n + "_shape4", np.array([-1, w.shape[1], 1, 1], np.int64))], [x4]))
                y4 = n + "_y4"
                nodes.append(helper.make_node(
                    "QLinearConv",
                    [x4, const(n + "_xs", np.float32(1)), const(n + "_xz", np.int8(zp_in)),
                     const(n + "_w", w.reshape(w.shape[0], w.shape[1], 1, 1)), const(n + "_ws", rs),
                     const(n + "_wz", np.zeros(w.shape[0], np.int8)), const(n + "_ys", np.float32(1)),
                     const(n + "_yz", np.int8(zp_out)), const(n + "_b", bias)], [y4], kernel_shape=[1, 1]))
                nodes.append(helper.make_node("Flatten", [y4], [n], axis=1))
                quant[n] = (float(L["scale"]), zp_out)
                shapes[n] = [w.shape[0]]
                continue
            else:
                c = s_in[0]
                if op == "global_avgpool":
                    k, stride, pad = [s_in[1], s_in[2]], [1, 1], [0, 0]
                else:
                    k = [int(v) for v in L["kernel"]]
                    stride = [int(v) for v in L["stride"]]
                    pad = [int(v) for v in L["padding"]]
                w = np.ones([c, 1] + k, np.int8)
                rs = np.full(c, np.asarray(L["requant_scale"], np.float32).reshape(-1)[0], np.float32)
                attrs = dict(kernel_shape=k, strides=stride, pads=pad + pad, group=c)
                bias, group = None, c
                out_shape = [c, (s_in[1] + 2 * pad[0] - k[0]) // stride[0] + 1,
                             (s_in[2] + 2 * pad[1] - k[1]) // stride[1] + 1]
            ins = [src[0], const(n + "_xs", np.float32(1)), const(n + "_xz", np.int8(zp_in)),
                   const(n + "_w", w), const(n + "_ws", rs), const(n + "_wz", np.zeros(w.shape[0], np.int8)),
                   const(n + "_ys", np.float32(1)), const(n + "_yz", np.int8(zp_out))]
            if bias is not None:
                ins.append(const(n + "_b", bias))
            nodes.append(helper.make_node("QLinearConv", ins, [n], **attrs))
            shapes[n] = out_shape
        elif op == "add":
            (sa, za), (sb, zb) = quant[src[0]], quant[src[1]]
            da, db, s = n + "_da", n + "_db", n + "_sum"
            nodes.append(helper.make_node("DequantizeLinear", [src[0], const(n + "_as", np.float32(sa)), const(n + "_az", np.int8(za))], [da]))
            nodes.append(helper.make_node("DequantizeLinear", [src[1], const(n + "_bs", np.float32(sb)), const(n + "_bz", np.int8(zb))], [db]))
            nodes.append(helper.make_node("Add", [da, db], [s]))
            nodes.append(helper.make_node("QuantizeLinear", [s, const(n + "_ys", np.float32(float(L["scale"]))), const(n + "_yz", np.int8(zp_out))], [n]))
            shapes[n] = s_in
        elif op in ("relu", "clamp"):
            lo = zp_out if op == "relu" else int(L["min"]) + zp_out - int(L["zero_point"])
            hi = 127 if op == "relu" else int(L["max"]) + zp_out - int(L["zero_point"])
            nodes.append(helper.make_node("Clip", [src[0], const(n + "_lo", np.int8(lo)), const(n + "_hi", np.int8(hi))], [n]))
            shapes[n] = s_in
        elif op == "maxpool":
            k = [int(v) for v in L["kernel"]]
            stride = [int(v) for v in L["stride"]]
            pad = [int(v) for v in L["padding"]]
            nodes.append(helper.make_node("MaxPool", [src[0]], [n], kernel_shape=k, strides=stride, pads=pad + pad))
            shapes[n] = [s_in[0], (s_in[1] + 2 * pad[0] - k[0]) // stride[0] + 1, (s_in[2] + 2 * pad[1] - k[1]) // stride[1] + 1]
        elif op == "flatten":
            nodes.append(helper.make_node("Flatten", [src[0]], [n], axis=1))
            shapes[n] = [int(np.prod(s_in))]
        else:
            raise ValueError(f"{n}: op {op} does not convert")
        quant[n] = (float(L["scale"]), zp_out)
    last = layers[-1]["name"]
    graph = helper.make_graph(
        nodes, "polybit",
        [helper.make_tensor_value_info("input", TensorProto.INT8, ["N"] + shapes["input"])],
        [helper.make_tensor_value_info(last, TensorProto.INT8, ["N"] + shapes[last])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    helper.set_model_props(model, {
        "input_offset": "0" if signed_input else "128",
        "output_offset": "0" if int(layers[-1]["signed"]) == 1 else "128"})
    onnx.checker.check_model(model)
    return model


def offsets(model):
    """(input_offset, output_offset): ONNX input = Polybit input − input_offset, Polybit output =
    ONNX output + output_offset (128 for an unsigned 8-bit tensor, else 0)."""
    props = {p.key: int(p.value) for p in model.metadata_props}
    return props.get("input_offset", 0), props.get("output_offset", 0)


def session(model, threads=1, optimize=False):
    """An onnxruntime CPU session with `threads` intra-op threads; graph optimizations off unless
    `optimize` (they change the arithmetic of DQ/Add/Q, so exactness tests keep them off)."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize
                                   else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])

#!/usr/bin/env python3
"""Cross-check Polybit's systolic-array compute cycles against SCALE-Sim v3.

Runs `polybit cost --json` for ResNet-20 at 8x8 on systolic profiles, feeds the same conv layers
to SCALE-Sim v3 (the profile's dataflow, ws or os, same array, InterfaceBandwidth CALC so memory
never stalls the array), and compares compute cycles layer by layer. `--dataflow os` (or ws) costs
each profile with its array switched to that dataflow (a temporary copy of the profile). Exits 1
if any layer differs by more than --tolerance (default 10%). Installs scalesim with pip if it is
missing.

SCALE-Sim has no padding, so each layer is given the input extent that yields Polybit's output
size: H_in' = (H_out - 1) * stride + kernel.

Usage: python3 tools/hw/scalesim_check.py [--input 1x28x28] [--profile hwprofiles/tpu-v1.yaml ...]
       [--dataflow ws|os] [--polybit .build/debug/polybit]
"""
import argparse
import csv
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_PROFILES = ["hwprofiles/systolic-16x16.yaml", "hwprofiles/tpu-v1.yaml"]


def ensure_scalesim():
    try:
        import scalesim  # noqa: F401
    except ImportError:
        print("installing scalesim from PyPI ...", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "scalesim"])


DATAFLOWS = {"systolic-ws": "ws", "systolic-os": "os"}


def with_dataflow(profile_path, dataflow, workdir):
    """The profile itself, or a copy in workdir whose array runs `dataflow` (ws or os)."""
    if dataflow is None:
        return profile_path
    import yaml
    with open(os.path.join(ROOT, profile_path)) as f:
        doc = yaml.safe_load(f)
    doc["compute"]["array"]["dataflow"] = "systolic-" + dataflow
    out = os.path.join(workdir, f"{dataflow}-" + os.path.basename(profile_path))
    with open(out, "w") as f:
        yaml.safe_dump(doc, f)
    return out


def polybit_costs(args):
    exe = args.polybit or os.path.join(ROOT, ".build", "release", "polybit")
    if not os.path.exists(exe):
        subprocess.check_call(["swift", "build", "-c", "release", "--product", "polybit"], cwd=ROOT)
    cmd = [exe, "cost", "--network", args.network, "--input", args.input, "--classes", str(args.classes),
           "--bits", "8", "--json"]
    for p in args.profile:
        cmd += ["--profile", p]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def array_shape(profile_path):
    """rows, cols and SCALE-Sim dataflow of the profile's systolic array (from the YAML the CLI
    validated)."""
    import yaml
    with open(os.path.join(ROOT, profile_path)) as f:
        arr = yaml.safe_load(f)["compute"]["array"]
    if arr["dataflow"] not in DATAFLOWS:
        raise SystemExit(f"{profile_path}: SCALE-Sim check needs dataflow systolic-ws or systolic-os")
    return int(arr["rows"]), int(arr["cols"]), DATAFLOWS[arr["dataflow"]]


CONFIG = """[general]
run_name = {name}

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: 65536
FilterSramSzkB: 65536
OfmapSramSzkB: 65536
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth: 10
Dataflow: {dataflow}
MemoryBanks: 1
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: false
SparseRep: ellpack_block
OptimizedMapping: false
BlockSize: 8
RandomNumberGeneratorSeed: 40

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
"""


def numpy2_shim():
    """SCALE-Sim 3.0.0 calls int(max(list of 1-element arrays)), which NumPy 2 rejects; give its
    memory module a max() that flattens first (same result as under NumPy 1)."""
    import builtins
    import numpy as np
    import scalesim.memory.double_buffered_scratchpad_mem as mem

    def flat_max(*args, **kw):
        if len(args) == 1 and not kw:
            return builtins.max(np.asarray(args[0], dtype=float).ravel())
        return builtins.max(*args, **kw)
    mem.max = flat_max


def run_scalesim(layers, rows, cols, dataflow, workdir):
    from scalesim.scale_sim import scalesim
    numpy2_shim()
    topo = os.path.join(workdir, "resnet.csv")
    with open(topo, "w") as f:
        f.write("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n")
        for l in layers:
            c_in, _, _ = (int(x) for x in l["input_shape"].split("x"))
            c_out, h_out, w_out = (int(x) for x in l["output_shape"].split("x"))
            k = int(l["kernel"].split("x")[0])
            s = l["stride"]
            f.write(f"{l['name']}, {(h_out - 1) * s + k}, {(w_out - 1) * s + k}, {k}, {k}, {c_in}, {c_out}, {s},\n")
    # SCALE-Sim v3 reads a layout file even when custom layouts are off; its values are unused then.
    layout = os.path.join(workdir, "layout.csv")
    with open(layout, "w") as f:
        f.write("Layer name," + ",".join(f"f{i}" for i in range(20)) + ",\n")
        for l in layers:
            f.write(l["name"] + "," + ",".join("1" for _ in range(20)) + ",\n")
    name = f"polybit_{rows}x{cols}"
    cfg = os.path.join(workdir, "scale.cfg")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(name=name, rows=rows, cols=cols, dataflow=dataflow))
    sim = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=layout)
    sim.run_scale(top_path=workdir)
    report = glob.glob(os.path.join(workdir, name, "COMPUTE_REPORT.csv"))[0]
    with open(report) as f:
        rows_ = [[c.strip() for c in r] for r in csv.reader(f)]
    header = rows_[0]
    col = header.index("Total Cycles") if "Total Cycles" in header else 2
    stall = header.index("Stall Cycles") if "Stall Cycles" in header else None
    out = []
    for r in rows_[1:]:
        if not r or not r[0]:
            continue
        total = float(r[col])
        stalls = float(r[stall]) if stall is not None else 0.0
        out.append((total, stalls))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--network", default="resnet20")
    ap.add_argument("--input", default="1x28x28")
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--profile", action="append")
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--dataflow", choices=["ws", "os"], help="cost the profiles with this systolic dataflow")
    ap.add_argument("--polybit", help="polybit executable (default .build/release/polybit, built if missing)")
    args = ap.parse_args()
    ensure_scalesim()
    copies = tempfile.TemporaryDirectory()
    args.profile = [with_dataflow(p, args.dataflow, copies.name) for p in (args.profile or DEFAULT_PROFILES)]
    costs = polybit_costs(args)
    worst_all = 0.0
    for prof, path in zip(costs["profiles"], args.profile):
        rows, cols, dataflow = array_shape(path)
        layers = [l for l in prof["precisions"][0]["layers"] if l["kind"] == "conv"]
        start = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            sim = run_scalesim(layers, rows, cols, dataflow, tmp)
        elapsed = time.time() - start
        print(f"\n{prof['name']} ({path}): {rows}x{cols} {dataflow}, {args.network} {args.input}, "
              f"SCALE-Sim {elapsed:.1f} s")
        print(f"  {'layer':<16}{'K':>6}{'M':>5}{'N':>6}{'polybit':>10}{'scalesim':>10}{'stalls':>8}{'error':>9}")
        worst = 0.0
        for l, (total, stalls) in zip(layers, sim):
            c_in = int(l["input_shape"].split("x")[0])
            k = int(l["kernel"].split("x")[0])
            c_out, h, w = (int(x) for x in l["output_shape"].split("x"))
            ours = l["compute_cycles"]
            err = (ours - total) / total
            worst = max(worst, abs(err))
            flag = "" if abs(err) <= args.tolerance else "  <-- off"
            print(f"  {l['name']:<16}{c_in * k * k:>6}{c_out:>5}{h * w:>6}{ours:>10}{int(total):>10}"
                  f"{int(stalls):>8}{err * 100:>8.2f}%{flag}")
        print(f"  worst layer error: {worst * 100:.2f}%")
        worst_all = max(worst_all, worst)
    print(f"\nworst layer error over all profiles: {worst_all * 100:.2f}% (tolerance {args.tolerance * 100:g}%)")
    sys.exit(0 if worst_all <= args.tolerance else 1)


if __name__ == "__main__":
    main()

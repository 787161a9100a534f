#!/usr/bin/env python3
"""Cross-check Polybit's systolic-array cycles against SCALE-Sim v3.

Runs `polybit cost --json` for ResNet-20 at 8x8 on systolic profiles and feeds the same conv layers
to SCALE-Sim v3 (the profile's dataflow, ws or os, same array), comparing layer by layer:
- `--bandwidth CALC` (default): InterfaceBandwidth CALC, so memory never stalls the array;
  compares compute cycles.
- `--bandwidth USER:N`: InterfaceBandwidth USER with N words per cycle on each DRAM port and the
  profile's SRAM sizes; costs a copy of the profile with per-operand DRAM ports, half-buffer tiles,
  im2col input fetches and unlimited SRAM ports, and compares cycles with stalls against SCALE-Sim's
  "Total Cycles (incl. prefetch)". `--count-stalls-once` removes SCALE-Sim's doubled prefetch stall.
`--dataflow os` (or ws) and `--array S` cost each profile with its array switched to that dataflow
or size (temporary copies). Exits 1 if any layer differs by more than --tolerance (default 10%).
Installs scalesim with pip if it is missing.

SCALE-Sim has no padding, so each layer is given the input extent that yields Polybit's output
size: H_in' = (H_out - 1) * stride + kernel.

Usage: python3 tools/hw/scalesim_check.py [--input 1x28x28] [--profile hwprofiles/tpu-v1.yaml ...]
       [--dataflow ws|os] [--array 32] [--bandwidth CALC|USER:10] [--count-stalls-once]
       [--polybit .build/debug/polybit]
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


def with_dataflow(profile_path, dataflow, workdir, size=None):
    """The profile itself, or a copy in workdir whose array runs `dataflow` (ws or os) and, with
    `size`, is size x size (macs_per_cycle follows)."""
    if dataflow is None and size is None:
        return profile_path
    import yaml
    with open(os.path.join(ROOT, profile_path)) as f:
        doc = yaml.safe_load(f)
    array = doc["compute"]["array"]
    if dataflow:
        array["dataflow"] = "systolic-" + dataflow
    if size:
        array["rows"] = array["cols"] = size
        doc["compute"]["macs_per_cycle"] = size * size
    out = os.path.join(workdir, f"{dataflow or ''}{size or ''}-" + os.path.basename(profile_path))
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
IfmapSramSzkB: {ifmap_kb}
FilterSramSzkB: {filter_kb}
OfmapSramSzkB: {ofmap_kb}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth: {bandwidth}
Dataflow: {dataflow}
MemoryBanks: 1
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: {bandwidth}
IfmapSRAMBankNum: {banks}
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: {bandwidth}
FilterSRAMBankNum: {banks}
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: false
SparseRep: ellpack_block
OptimizedMapping: false
BlockSize: 8
RandomNumberGeneratorSeed: 40

[run_presets]
InterfaceBandwidth: {mode}
UseRamulatorTrace: False
"""


def numpy2_shim():
    """SCALE-Sim 3.0.0 calls int(max(list of 1-element arrays)), which NumPy 2 rejects; give its
    memory modules a max() that flattens first (same result as under NumPy 1)."""
    import builtins
    import numpy as np
    import scalesim.memory.double_buffered_scratchpad_mem as mem
    import scalesim.memory.read_buffer as read_buffer

    def flat_max(*args, **kw):
        if len(args) == 1 and not kw:
            return builtins.max(np.asarray(args[0], dtype=float).ravel())
        return builtins.max(*args, **kw)
    mem.max = flat_max
    read_buffer.max = flat_max


def count_stalls_once():
    """Diagnostic (--count-stalls-once): SCALE-Sim 3.0.0's read_buffer.service_reads adds a
    positive prefetch stall to the request's offset twice (SCALE-Sim issue #130); recompile that
    method with the unconditional add removed, so each stall counts once."""
    import inspect
    import textwrap
    import scalesim.memory.read_buffer as rb
    source = textwrap.dedent(inspect.getsource(rb.read_buffer.service_reads))
    doubled = "offset += potential_stall_cycles        # Offset increments if there were potential stalls"
    if doubled not in source:
        raise SystemExit("--count-stalls-once: this SCALE-Sim version has no doubled stall add to remove")
    namespace = {}
    exec(compile(source.replace(doubled, "pass"), rb.__file__, "exec"), vars(rb), namespace)
    rb.read_buffer.service_reads = namespace["service_reads"]


def memory_sizes_kb(profile_path):
    """SCALE-Sim's ifmap, filter and ofmap SRAM sizes (kB = KiB) from the profile memories holding
    inputs, weights and outputs."""
    import yaml
    with open(os.path.join(ROOT, profile_path)) as f:
        mems = yaml.safe_load(f)["memory"]
    size = {role: next(int(m["size_KiB"]) for m in mems if role in m["holds"])
            for role in ("inputs", "weights", "outputs")}
    return size["inputs"], size["weights"], size["outputs"]


def run_scalesim(layers, rows, cols, dataflow, workdir, user_bandwidth=None, sram_kb=None):
    """Per layer (total cycles incl. prefetch, total cycles, stall cycles) from SCALE-Sim's
    COMPUTE_REPORT. Without `user_bandwidth`: InterfaceBandwidth CALC and 64 MB SRAMs (memory
    never stalls). With it: InterfaceBandwidth USER, `user_bandwidth` words per cycle on each of
    the three DRAM ports (SCALE-Sim 3.0.0 takes the ifmap and filter ports' bandwidth from
    IfmapSRAMBankBandwidth / FilterSRAMBankBandwidth, the ofmap port's from Bandwidth) and the
    SRAM sizes `sram_kb` (ifmap, filter, ofmap)."""
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
    ifmap_kb, filter_kb, ofmap_kb = sram_kb or (65536, 65536, 65536)
    with open(cfg, "w") as f:
        f.write(CONFIG.format(
            name=name, rows=rows, cols=cols, dataflow=dataflow, ifmap_kb=ifmap_kb, filter_kb=filter_kb,
            ofmap_kb=ofmap_kb, bandwidth=user_bandwidth or 10, banks=1 if user_bandwidth else 10,
            mode="USER" if user_bandwidth else "CALC"))
    sim = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=layout)
    sim.run_scale(top_path=workdir)
    report = glob.glob(os.path.join(workdir, name, "COMPUTE_REPORT.csv"))[0]
    with open(report) as f:
        table = [[c.strip() for c in r] for r in csv.reader(f)]
    header = table[0]
    cols_ = [header.index(h) for h in ("Total Cycles (incl. prefetch)", "Total Cycles", "Stall Cycles")]
    return [tuple(float(r[c]) for c in cols_) for r in table[1:] if r and r[0]]


UNLIMITED_SRAM_BITS_PER_CYCLE = 1 << 30


def with_bandwidth(profile_path, words_per_cycle, workdir):
    """A copy of the profile as SCALE-Sim's USER bandwidth runs it: `words_per_cycle` bytes per
    cycle (8-bit words) on each operand's DRAM port, half-buffer fills and drains, im2col input
    fetches, SRAM ports without limit."""
    import yaml
    with open(os.path.join(ROOT, profile_path)) as f:
        doc = yaml.safe_load(f)
    doc["dram"]["bandwidth_GBps"] = words_per_cycle * doc["clock_MHz"] / 1000
    doc["dram"].update(ports="per-operand", tiles="half-buffer", input_fetch="im2col")
    # SCALE-Sim (no custom layout) does not limit the SRAMs' ports: neither does the copy.
    for m in doc["memory"]:
        m["bandwidth_bits_per_cycle"] = UNLIMITED_SRAM_BITS_PER_CYCLE
    out = os.path.join(workdir, f"bw{words_per_cycle}-" + os.path.basename(profile_path))
    with open(out, "w") as f:
        yaml.safe_dump(doc, f)
    return out


def dims(layer):
    c_in = int(layer["input_shape"].split("x")[0])
    k = int(layer["kernel"].split("x")[0])
    c_out, h, w = (int(x) for x in layer["output_shape"].split("x"))
    return c_in * k * k, c_out, h * w


def compare(prof, path, layers, sim, args, elapsed):
    """Print one profile's table; return its worst relative error."""
    rows, cols, dataflow = array_shape(path)
    user = args.user_bandwidth
    mode = f"USER {user} words/cycle per port" if user else "CALC"
    print(f"\n{prof['name']} ({path}): {rows}x{cols} {dataflow}, {args.network} {args.input}, {mode}, "
          f"SCALE-Sim {elapsed:.1f} s")
    what = "cycles (compute + stall) vs Total Cycles (incl. prefetch)" if user else "compute cycles vs Total Cycles"
    print(f"  {what}")
    print(f"  {'layer':<16}{'K':>6}{'M':>5}{'N':>6}{'polybit':>10}{'p.stall':>9}{'scalesim':>10}{'s.stall':>9}"
          f"{'error':>9}")
    worst = 0.0
    sums = [0.0, 0.0]
    for l, (overall, total, stalls) in zip(layers, sim):
        k, m, n = dims(l)
        ours, theirs = (l["cycles"], overall) if user else (l["compute_cycles"], total)
        ours_stall = l["stall_cycles"] if user else 0
        sums[0] += ours
        sums[1] += theirs
        err = (ours - theirs) / theirs
        worst = max(worst, abs(err))
        flag = "" if abs(err) <= args.tolerance else "  <-- off"
        print(f"  {l['name']:<16}{k:>6}{m:>5}{n:>6}{int(ours):>10}{int(ours_stall):>9}{int(theirs):>10}"
              f"{int(stalls):>9}{err * 100:>8.2f}%{flag}")
    print(f"  network: polybit {int(sums[0])}, scalesim {int(sums[1])} ({(sums[0] - sums[1]) / sums[1] * 100:+.2f}%); "
          f"worst layer error: {worst * 100:.2f}%")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--network", default="resnet20")
    ap.add_argument("--input", default="1x28x28")
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--profile", action="append")
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--dataflow", choices=["ws", "os"], help="cost the profiles with this systolic dataflow")
    ap.add_argument("--array", type=int, help="cost the profiles with a square array of this size")
    ap.add_argument("--bandwidth", default="CALC",
                    help="CALC (compare compute cycles) or USER:N (N words per cycle per DRAM port; "
                         "compare cycles with stalls, SRAM sizes from the profile)")
    ap.add_argument("--count-stalls-once", action="store_true",
                    help="diagnostic: run SCALE-Sim with its doubled prefetch stall (issue #130) counted once")
    ap.add_argument("--polybit", help="polybit executable (default .build/release/polybit, built if missing)")
    args = ap.parse_args()
    if args.bandwidth == "CALC":
        args.user_bandwidth = None
    elif args.bandwidth.startswith("USER:") and args.bandwidth[5:].isdigit() and int(args.bandwidth[5:]) > 0:
        args.user_bandwidth = int(args.bandwidth[5:])
    else:
        ap.error(f"--bandwidth: expected CALC or USER:N with N a positive integer, found {args.bandwidth!r}")
    ensure_scalesim()
    if args.count_stalls_once:
        count_stalls_once()
    copies = tempfile.TemporaryDirectory()
    args.profile = [with_dataflow(p, args.dataflow, copies.name, args.array) for p in (args.profile or DEFAULT_PROFILES)]
    if args.user_bandwidth:
        args.profile = [with_bandwidth(p, args.user_bandwidth, copies.name) for p in args.profile]
    costs = polybit_costs(args)
    worst_all = 0.0
    for prof, path in zip(costs["profiles"], args.profile):
        rows, cols, dataflow = array_shape(path)
        layers = [l for l in prof["precisions"][0]["layers"] if l["kind"] == "conv"]
        sram = memory_sizes_kb(path) if args.user_bandwidth else None
        start = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            sim = run_scalesim(layers, rows, cols, dataflow, tmp, args.user_bandwidth, sram)
        worst_all = max(worst_all, compare(prof, path, layers, sim, args, time.time() - start))
    print(f"\nworst layer error over all profiles: {worst_all * 100:.2f}% (tolerance {args.tolerance * 100:g}%)")
    sys.exit(0 if worst_all <= args.tolerance else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Cross-check Polybit's row-stationary access counts per memory level against ZigZag.

Runs `polybit cost --json` for ResNet-20 at 16 bits on hwprofiles/eyeriss.yaml (row-stationary,
12x14 PEs, register files of 224 weights / 12 inputs / 24 psums, 108 KiB global buffer), then
costs the chosen conv layers with ZigZag (pip `zigzag-dse`, installed if missing) on the same
hierarchy: per-PE register files for W, I and O, one global buffer for I and O, DRAM for the
operands Polybit sends there (weights always; a layer's input or output only when Polybit keeps
it off chip), Eyeriss's spatial mapping (filter rows FY and output rows OY over the 12 x 14 PEs,
spare rows on more filters K) and ZigZag's own search for the best-energy temporal mapping.
Prints, per layer and level (RF, GLB, DRAM), the accesses of both in 16-bit words and the
difference; exits 1 when any is more than --tolerance (default 15%) apart.

Usage: python3 tools/hw/zigzag_check.py [--input 3x32x32] [--layer NAME ...]
       [--polybit .build/debug/polybit] [--tolerance 0.15]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROFILE = "hwprofiles/eyeriss.yaml"
DEFAULT_LAYERS = ["stage1.block0.conv1", "stage2.block1.conv1", "stage3.block1.conv1"]
WORD_BITS = 16
ROWS, COLS = 12, 14
RF_WORDS = {"I2": 224, "I1": 12, "O": 24}   # eyeriss.yaml rf_words: weights, inputs, psums
GLB_KIB = 108


def ensure_zigzag():
    try:
        import zigzag  # noqa: F401
    except ImportError:
        print("installing zigzag-dse from PyPI ...", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "zigzag-dse"])


def polybit_layers(args):
    exe = args.polybit or os.path.join(ROOT, ".build", "release", "polybit")
    if not os.path.exists(exe):
        subprocess.check_call(["swift", "build", "-c", "release", "--product", "polybit"], cwd=ROOT)
    cmd = [exe, "cost", "--network", "resnet20", "--input", args.input, "--classes", "10", "--bits", "16",
           "--quantize-edges", "--profile", PROFILE, "--json"]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    layers = json.loads(out)["profiles"][0]["precisions"][0]["layers"]
    return {l["name"]: l for l in layers}


def port(name, kind, alloc):
    """A port one 16-bit word wide, so that ZigZag's word accesses count data elements."""
    return {"name": name, "type": kind, "bandwidth_min": WORD_BITS, "bandwidth_max": WORD_BITS,
            "allocation": alloc}


def register_file(op):
    extra = op == "O"
    reads = [f"{op}, tl"] + ([f"{op}, th"] if extra else [])
    writes = [f"{op}, fh"] + ([f"{op}, fl"] if extra else [])
    return {"size": RF_WORDS[op] * WORD_BITS, "r_cost": 1, "w_cost": 1, "area": 0, "latency": 1, "operands": [op],
            "ports": [port("r_port_1", "read", reads), port("w_port_1", "write", writes)],
            "served_dimensions": []}


def all_directions(op):
    return [f"{op}, fh", f"{op}, tl"] + ([f"{op}, fl", f"{op}, th"] if op == "O" else [])


def architecture(dram_ops):
    """Polybit's eyeriss.yaml as a ZigZag accelerator; DRAM holds `dram_ops`, the global buffer
    is the top level of the activations kept on chip."""
    glb = {"size": GLB_KIB * 1024 * 8, "r_cost": 1, "w_cost": 1, "area": 0, "latency": 1, "operands": ["I1", "O"],
           "ports": [port("rw_port_1", "read_write", all_directions("I1") + all_directions("O"))],
           "served_dimensions": ["D1", "D2"]}
    dram = {"size": 10 ** 10, "r_cost": 1, "w_cost": 1, "area": 0, "latency": 1, "operands": dram_ops,
            "ports": [port("rw_port_1", "read_write", sum((all_directions(o) for o in dram_ops), []))],
            "served_dimensions": ["D1", "D2"]}
    return {"name": "polybit_eyeriss",
            "memories": {"rf_W": register_file("I2"), "rf_I": register_file("I1"), "rf_O": register_file("O"),
                         "glb": glb, "dram": dram},
            "operational_array": {"unit_energy": 1, "unit_area": 0, "dimensions": ["D1", "D2"],
                                  "sizes": [ROWS, COLS]}}


def workload(layer):
    c_in = int(layer["input_shape"].split("x")[0])
    c_out, e, f = (int(x) for x in layer["output_shape"].split("x"))
    r, s = (int(x) for x in layer["kernel"].split("x"))
    st = layer["stride"]
    return [{"id": 0, "name": layer["name"], "operator_type": "Conv",
             "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
             "dimension_relations": [f"ix={st}*ox+1*fx", f"iy={st}*oy+1*fy"],
             "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"], "loop_sizes": [1, c_out, c_in, e, f, r, s],
             "operand_precision": {"W": WORD_BITS, "I": WORD_BITS, "O": WORD_BITS, "O_final": WORD_BITS},
             "operand_source": {"I": 0, "W": 0}}]


def spatial_mapping(layer):
    """Eyeriss's row-stationary PE sets: FY down the rows, OY across the columns, the spare rows
    on more filters (Polybit's PE sets on different filters)."""
    c_out, e, _ = (int(x) for x in layer["output_shape"].split("x"))
    r = int(layer["kernel"].split("x")[0])
    set_rows = min(r, ROWS)
    d1 = [f"FY, {set_rows}"] + ([f"K, {min(ROWS // set_rows, c_out)}"] if ROWS // set_rows > 1 else [])
    return [{"name": "default", "spatial_mapping": {"D1": d1, "D2": [f"OY, {min(e, COLS)}"]},
             "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"}}]


def count_every_rf_access(api):
    """ZigZag's API counts repeated reads of one datum by the innermost loops as one access
    (`access_same_data_considered_as_no_access=True`, as if the value stayed at the memory's output
    pins). Eyeriss's PEs read their register files at every MAC, as Polybit counts them: run
    ZigZag's stages with that option off."""
    main_stage = api.MainStage
    if getattr(main_stage, "polybit_counts_every_access", False):
        return

    class EveryAccess(main_stage):
        polybit_counts_every_access = True

        def __init__(self, *args, **kwargs):
            kwargs["access_same_data_considered_as_no_access"] = False
            super().__init__(*args, **kwargs)

    api.MainStage = EveryAccess


def zigzag_accesses(layer, dram_ops, workdir):
    """Words (16-bit) read and written at RF, GLB and DRAM by ZigZag's best-energy mapping."""
    import yaml
    import zigzag.api
    from zigzag.api import get_hardware_performance_zigzag
    count_every_rf_access(zigzag.api)
    files = {}
    for name, doc in (("arch", architecture(dram_ops)), ("workload", workload(layer)),
                      ("mapping", spatial_mapping(layer))):
        files[name] = os.path.join(workdir, f"{name}.yaml")
        with open(files[name], "w") as f:
            yaml.safe_dump(doc, f, sort_keys=False)   # ZigZag reads the memories in order, lowest first
    _, _, cmes = get_hardware_performance_zigzag(
        files["workload"], files["arch"], files["mapping"], opt="energy",
        dump_folder=os.path.join(workdir, "out"), loma_show_progress_bar=False)
    cme = cmes[0][1][0][0]
    counts = {"RF": 0, "GLB": 0, "DRAM": 0}
    level_names = {"rf": "RF", "glb": "GLB", "dram": "DRAM"}
    for op, levels in cme.memory_word_access.items():
        mem_op = cme.memory_operand_links.layer_to_mem_op(op)
        for level, moves in enumerate(levels):
            memory = cme.accelerator.get_memory_level(mem_op, level).name
            counts[level_names[memory.split("_")[0]]] += sum(moves.data.values())
    return counts, cme


def polybit_accesses(layer):
    words = lambda kib: kib * 1024 * 8 / WORD_BITS  # noqa: E731
    dram = layer["dram_weight_KiB"] + layer["dram_input_KiB"] + layer["dram_output_KiB"]
    return {"RF": words(layer["memory_KiB"]["spad"]), "GLB": words(layer["memory_KiB"]["GLB"]), "DRAM": words(dram)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", default="3x32x32")
    ap.add_argument("--layer", action="append", help="ResNet-20 layer name (default: one conv per stage)")
    ap.add_argument("--tolerance", type=float, default=0.15)
    ap.add_argument("--polybit", help="polybit executable (default .build/release/polybit, built if missing)")
    args = ap.parse_args()
    ensure_zigzag()
    import logging
    logging.disable(logging.WARNING)
    layers = polybit_layers(args)
    worst = 0.0
    print(f"ResNet-20 {args.input}, 16-bit, {PROFILE}: accesses in 16-bit words (reads + writes)")
    print(f"{'layer':<22}{'level':<6}{'polybit':>12}{'zigzag':>12}{'diff':>9}")
    for name in args.layer or DEFAULT_LAYERS:
        if name not in layers or layers[name]["kind"] != "conv":
            raise SystemExit(f"--layer: no conv layer {name!r} in ResNet-20")
        layer = layers[name]
        dram_ops = ["I2"] + ([] if layer["input_on_chip"] else ["I1"]) + ([] if layer["output_on_chip"] else ["O"])
        with tempfile.TemporaryDirectory() as tmp:
            theirs, cme = zigzag_accesses(layer, dram_ops, tmp)
        ours = polybit_accesses(layer)
        for level in ("RF", "GLB", "DRAM"):
            diff = (ours[level] - theirs[level]) / theirs[level]
            worst = max(worst, abs(diff))
            flag = "" if abs(diff) <= args.tolerance else "  <-- off"
            print(f"{name:<22}{level:<6}{ours[level]:>12.0f}{theirs[level]:>12.0f}{diff * 100:>8.1f}%{flag}")
        print(f"  ZigZag's temporal mapping (innermost first, per operand and level): {cme.temporal_mapping}")
    print(f"worst difference: {worst * 100:.1f}% (tolerance {args.tolerance * 100:g}%)")
    sys.exit(0 if worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()

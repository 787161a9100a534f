#!/usr/bin/env bash
# The full-scale table of docs/results.md ("The residual stream at full scale"): for each run folder
# (a multi-bit ResNet-20 trained on the whole default split, e.g. `polybit train --bits 2,4,8
# --deploy-bits 2-8 --epochs 15 --residual 8 --out runs/full-res8` and the same with
# `--residual float`), exports 2, 4 and 8 bits, simulates each export on all 10,000 test images and
# costs it on BitFusion, Eyeriss and Ethos-U55; prints one Markdown table.
#   bash tools/full_scale_table.sh RUN [RUN ...]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bash tools/full_scale_table.sh RUN [RUN ...]" >&2; exit 2; }
polybit=.build/release/polybit
[ -x "$polybit" ] || swift build -c release --product polybit
profiles=(hwprofiles/bitfusion.yaml hwprofiles/eyeriss.yaml hwprofiles/ethos-u55-128.yaml)
for run in "$@"; do
  [ -f "$run/checkpoint.h5" ] || { echo "$run: no checkpoint.h5" >&2; exit 2; }
  for b in 2 4 8; do
    [ -f "$run/int$b.h5" ] || "$polybit" export --checkpoint "$run/checkpoint.h5" --bits "$b" --out "$run/int$b.h5" >&2
    "$polybit" simulate --model "$run/int$b.h5" --dataset fashion-mnist --json > "$run/simulate-int$b.json"
  done
  args=()
  for p in "${profiles[@]}"; do args+=(--profile "$p"); done
  "$polybit" cost --model "$run/int2.h5" --model "$run/int4.h5" --model "$run/int8.h5" "${args[@]}" --json \
    > "$run/cost-exports.json"
done
python3 - "$@" <<'PY'
import json, sys
print("| run | residual | bits | fake-quant test % | integer test % | "
      "BitFusion µJ / ms | Eyeriss µJ / ms | Ethos-U55 µJ / ms |")
print("|---|---|---|---|---|---|---|---|")
for run in sys.argv[1:]:
    log = [json.loads(l) for l in open(f"{run}/log.jsonl") if l.strip()]
    last = log[-1]
    with open(f"{run}/cost-exports.json") as f:
        cost = json.load(f)
    recipe = "?"
    try:
        import h5py
        with h5py.File(f"{run}/checkpoint.h5", "r") as c:
            r = c.attrs["recipe"]
            recipe = json.loads(r.decode() if isinstance(r, bytes) else r).get("residual", "float")
    except Exception:
        pass
    for k, b in enumerate([2, 4, 8]):
        sim = json.load(open(f"{run}/simulate-int{b}.json"))
        cells = []
        for p in cost["profiles"]:
            row = p["precisions"][k]
            cells.append(f"{row['energy_uJ']:.1f} / {row['latency_ms']:.4f}")
        fq = 100 * last["test_accuracy_by_precision"][f"{b}-bit"]
        print(f"| {run} (epoch {last['epoch']}) | {recipe} | {b} | {fq:.2f} | {100 * sim['accuracy']:.2f} | "
              + " | ".join(cells) + " |")
PY

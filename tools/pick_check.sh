#!/usr/bin/env bash
# The pick of a trained multi-bit run against what it deploys (docs/results.md, "Picking a bit-width
# for a budget"): `pick` under an energy budget on BitFusion (validation on the run's held-out
# images), then the picked policy exported, costed with `cost --model` and simulated on all 10,000
# test images; prints pick's figures beside the export's and their ratio. For a ViT run give
# ATTENTION_BITS 8 (BitFusion runs operands of at most 8 bits; export reads the width from the policy).
# SEARCH=hasb (or uniform) picks with that `pick --search` instead of greedy; its files get the suffix.
#   bash tools/pick_check.sh RUN [ENERGY_uJ] [THREADS] [ATTENTION_BITS]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bash tools/pick_check.sh RUN [ENERGY_uJ] [THREADS] [ATTENTION_BITS]" >&2; exit 2; }
run=$1; budget=${2:-90}; threads=${3:-2}
search=${SEARCH:-greedy}
tag=${budget}uJ; [ "$search" = greedy ] || tag=${budget}uJ-$search
attention=()
[ $# -ge 4 ] && attention=(--attention-bits "$4")
polybit=.build/release/polybit
[ -x "$polybit" ] || swift build -c release --product polybit
profile=hwprofiles/bitfusion.yaml
"$polybit" pick --checkpoint "$run/checkpoint.h5" --profile "$profile" --budget "energy_uJ=$budget" \
  --validation 1000 --threads "$threads" --search "$search" --out-policy "$run/pick-${tag}.json" \
  --out-report "$run/pick-${tag}-report.json" "${attention[@]}" >&2
"$polybit" export --checkpoint "$run/checkpoint.h5" --policy "$run/pick-${tag}.json" \
  --out "$run/int-pick-${tag}.h5" >&2
"$polybit" cost --model "$run/int-pick-${tag}.h5" --profile "$profile" --json > "$run/cost-pick-${tag}.json"
"$polybit" simulate --model "$run/int-pick-${tag}.h5" --dataset fashion-mnist --json \
  > "$run/simulate-pick-${tag}.json"
python3 - "$run" "$tag" <<'PY'
import json, sys
run, tag = sys.argv[1], sys.argv[2]
report = json.load(open(f"{run}/pick-{tag}-report.json"))
export = json.load(open(f"{run}/cost-pick-{tag}.json"))["profiles"][0]["precisions"][0]
sim = json.load(open(f"{run}/simulate-pick-{tag}.json"))
pick = report["mixed"] or report["uniform"]
p = pick["costs"][0]
memory = export["weight_stored_KiB"] + export["peak_activation_stored_KiB"]
print(f"pick ({pick['label']}, mean bits {pick['mean_weight_bits']:.2f} / {pick['mean_activation_bits']:.2f}): "
      f"validation {100 * pick['validation_accuracy']:.2f}%, test {100 * pick['test_accuracy']:.2f}%; "
      f"uniform pick {report['uniform']['label']} test {100 * report['uniform']['test_accuracy']:.2f}%")
print("| figure | pick reports | cost --model of the export | ratio |")
print("|---|---:|---:|---:|")
for name, a, b in [("energy µJ", p["energy_uJ"], export["energy_uJ"]),
                   ("latency ms", p["latency_ms"], export["latency_ms"]),
                   ("memory KiB", p["memory_KiB"], memory)]:
    print(f"| {name} | {a:.4f} | {b:.4f} | {a / b:.4f} |")
print(f"integer simulation of the export, {sim['images']} test images: {100 * sim['accuracy']:.2f}%")
PY

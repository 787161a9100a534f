#!/usr/bin/env bash
# The ViT tables of docs/results.md ("The ViT through the pipeline"): for a multi-bit ViT run (e.g.
# `polybit train --model vit --optimizer adamw --lr 0.001 --weight-decay 0.05 --epochs 15 --bits 2,4,8
# --deploy-bits 2-8 --out runs/vit-multibit`) and the float ViT of the same recipe (the same command
# without --bits/--deploy-bits), exports every width 2...8 with --attention-bits 8 (so the model runs
# on 8-bit arrays too), compares each export with the fake-quantized model on all 10,000 test images
# (`export --verify`), simulates it on tpu-v1.yaml (softmax, GELU and LayerNorm on its float32
# special-function unit instead of the integer kernels) and costs 2, 4 and 8 bits on BitFusion
# (integer kernels) and TPU-v1 (the unit); prints two Markdown tables.
# IMAGES=N compares and simulates on the first N test images only (a quick check).
#   bash tools/vit_table.sh MULTIBIT_RUN FLOAT_RUN [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bash tools/vit_table.sh MULTIBIT_RUN FLOAT_RUN [THREADS]" >&2; exit 2; }
run=$1; float_run=$2; threads=${3:-2}; images=${IMAGES:-10000}
polybit=.build/release/polybit
[ -x "$polybit" ] || swift build -c release --product polybit
for f in "$run/checkpoint.h5" "$float_run/log.jsonl"; do [ -f "$f" ] || { echo "$f: missing" >&2; exit 2; }; done
for b in 2 3 4 5 6 7 8; do
  model="$run/vit-int$b.h5"
  if [ ! -f "$run/vit-export-int$b.json" ] || [ "$run/checkpoint.h5" -nt "$run/vit-export-int$b.json" ]; then
    "$polybit" export --checkpoint "$run/checkpoint.h5" --bits "$b" --attention-bits 8 --verify "$images" \
      --threads "$threads" --out "$model" --json > "$run/vit-export-int$b.json"
  fi
  "$polybit" simulate --model "$model" --dataset fashion-mnist --profile hwprofiles/tpu-v1.yaml \
    --limit "$images" --threads "$threads" --json > "$run/vit-simulate-tpu-int$b.json" 2> /dev/null
done
"$polybit" cost --model "$run/vit-int2.h5" --model "$run/vit-int4.h5" --model "$run/vit-int8.h5" \
  --profile hwprofiles/bitfusion.yaml --profile hwprofiles/tpu-v1.yaml --json > "$run/vit-cost.json"
python3 - "$run" "$float_run" <<'PY'
import json, sys
run, float_run = sys.argv[1:]
def last(path):
    return [json.loads(l) for l in open(path) if l.strip()][-1]
multi, flt = last(f"{run}/log.jsonl"), last(f"{float_run}/log.jsonl")
print(f"float ViT ({float_run}, epoch {flt['epoch']}): test {100 * flt['test_accuracy']:.2f}%")
images = json.load(open(f"{run}/vit-export-int8.json"))["verification"]["images"]
print(f"multi-bit ViT ({run}, epoch {multi['epoch']}); integer = the export simulated on {images} test images")
print("| bits | fake-quant test % | integer test % | top-1 agreement % | integer on TPU-v1's unit % |")
print("|---|---|---|---|---|")
for b in range(2, 9):
    v = json.load(open(f"{run}/vit-export-int{b}.json"))["verification"]
    tpu = json.load(open(f"{run}/vit-simulate-tpu-int{b}.json"))
    fq = 100 * multi["test_accuracy_by_precision"][f"{b}-bit"]
    print(f"| {b} | {fq:.2f} | {100 * v['integer_accuracy']:.2f} | {100 * v['top1_agreement']:.2f} | "
          f"{100 * tpu['accuracy']:.2f} |")
cost = json.load(open(f"{run}/vit-cost.json"))
print()
print("| profile | bits | GBitOPs | weight KiB | cycles | latency ms | energy µJ |")
print("|---|---|---|---|---|---|---|")
for p in cost["profiles"]:
    for b, row in zip([2, 4, 8], p["precisions"]):
        print(f"| {p['name']} | {b} | {row['bitops'] / 1e9:.3f} | {row['weight_KiB']:.1f} | {row['cycles']} | "
              f"{row['latency_ms']:.4f} | {row['energy_uJ']:.1f} |")
PY

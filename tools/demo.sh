#!/usr/bin/env bash
# The main job end to end on Fashion-MNIST (the Debian package dataset-fashion-mnist):
#   1. train one ResNet-20 for bit-widths {2,4,8} with weight bias correction and a shared BatchNorm,
#   2. evaluate it at every bit-width 2-8 (3, 5, 6, 7 never trained; no fine-tuning),
#   3. export integer models and verify them against the fake-quantized network,
#   4. simulate one bit-accurately on the test set and cost it on hardware profiles,
#   5. cost every exported precision on three accelerators, and write an HDF5 trace,
#   6. pick the best uniform width and per-layer policy for 80 µJ per image on BitFusion (its 2-bit model costs 69 µJ), export it,
#   7. ship the pick as ONNX and run it in onnxruntime beside the simulator (bit for bit),
#   8. write a report (report.md + SVG plots): accuracy and cost per width, and the pick's numbers
#      beside the cost of the model its policy exported.
# Resumable: rerun to continue. EPOCHS / LIMIT / RUN override the quick defaults (about 15 minutes
# on 2 cores); EPOCHS=15 LIMIT=60000 is the full recipe of docs/results.md (hours): all 55,000 training
# images, the last 5,000 being held out for pick (train --validation). A run folder trained before
# the held-out split existed has none, and one trained before the quantized residual stream
# (train --residual) exports a 24-bit stream whose 2-bit model costs 162 µJ: pick then stops
# (nothing fits 80 µJ); use another RUN.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
swift build -c release --product polybit
polybit=.build/release/polybit
run=${RUN:-runs/demo}
epochs=${EPOCHS:-2}
limit=${LIMIT:-20000}

$polybit train --bits 2,4,8 --deploy-bits 2-8 --epochs "$epochs" --limit "$limit" --out "$run" --resume
$polybit eval --checkpoint "$run/checkpoint.h5" --bits 2-8
for b in 2 4 8; do
  $polybit export --checkpoint "$run/checkpoint.h5" --bits "$b" --out "$run/int$b.h5" --verify 2000
done
$polybit simulate --model "$run/int4.h5" --dataset fashion-mnist --limit 2000 \
  --profile hwprofiles/bitfusion.yaml
$polybit cost --model "$run/int2.h5" --model "$run/int4.h5" --model "$run/int8.h5" \
  --profile hwprofiles/bitfusion.yaml --profile hwprofiles/ethos-u55-128.yaml --profile hwprofiles/eyeriss.yaml
$polybit trace --model "$run/int4.h5" --dataset fashion-mnist --samples 2 --out "$run/trace-int4.h5"
$polybit pick --checkpoint "$run/checkpoint.h5" --profile hwprofiles/bitfusion.yaml --budget energy_uJ=80 \
  --validation 1000 --max-evaluations 40 --limit 2000 --out-policy "$run/pick-80uJ.json" \
  --out-report "$run/pick-80uJ-report.json"
$polybit export --checkpoint "$run/checkpoint.h5" --policy "$run/pick-80uJ.json" --out "$run/int-pick.h5" --verify 2000
$polybit export --checkpoint "$run/checkpoint.h5" --policy "$run/pick-80uJ.json" --format onnx --out "$run/pick.onnx"
$polybit simulate --model "$run/int-pick.h5" --dataset fashion-mnist --limit 2000
python3 tools/sim/onnx_check.py "$run/pick.onnx" --model "$run/int-pick.h5" --dataset fashion-mnist --images 2000 \
  --polybit "$polybit"
$polybit report --run "$run" --pick "$run/pick-80uJ-report.json" --pick-model "$run/int-pick.h5" --out "$run/report"
echo "demo: everything is in $run (checkpoint.h5, log.jsonl, int*.h5, trace-int4.h5, pick-80uJ.json, pick.onnx);"
echo "demo: the report is $run/report/report.md (with energy.svg, latency.svg, memory.svg)"

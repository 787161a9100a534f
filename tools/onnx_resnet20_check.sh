#!/usr/bin/env bash
# onnxruntime against `polybit simulate` on every Fashion-MNIST test image, for a trained run's
# exports at 8 bits, at 4 bits and at a pick's policy (the CI test does 200 images of a briefly
# trained ResNet-20: Tests/polybitTests/ResNet20ONNXTests.swift).
#   bash tools/onnx_resnet20_check.sh RUN POLICY.json [IMAGES]
# RUN is a run folder of `polybit train` (e.g. the demo's runs/demo), POLICY.json a policy written by
# `polybit pick --out-policy`. Writes RUN/onnx-check/{int8,int4,pick}.{h5,onnx}; prints one line per
# model (codes equal, images bit-exact, top-1 agreement) and exits 1 if any code differs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bash tools/onnx_resnet20_check.sh RUN POLICY.json [IMAGES]" >&2; exit 2; }
run=$1 policy=$2 images=${3:-10000}
polybit=.build/release/polybit
[ -x "$polybit" ] || swift build -c release --product polybit
out="$run/onnx-check"
mkdir -p "$out"
status=0
for spec in "int8:--bits 8" "int4:--bits 4" "pick:--policy $policy"; do
  name=${spec%%:*}
  read -r -a precision <<< "${spec#*:}"
  for format in hdf5 onnx; do
    ext=$([ "$format" = hdf5 ] && echo h5 || echo onnx)
    "$polybit" export --checkpoint "$run/checkpoint.h5" "${precision[@]}" --format "$format" \
      --out "$out/$name.$ext" > /dev/null
  done
  OPENBLAS_NUM_THREADS=1 python3 tools/sim/onnx_check.py "$out/$name.onnx" --model "$out/$name.h5" \
    --dataset fashion-mnist --images "$images" --polybit "$polybit" || status=1
done
exit $status

#!/usr/bin/env bash
# Training-step throughput of Polybit and PyTorch CPU in one run, same model (ResNet-20), input,
# batch and threads: a float step and a multi-bit fake-quant step over 4 bit-widths. Installs
# torch (pip, "torch==2.13.0+cpu") if missing. Prints both figures and the ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${THREADS:-2}; input=${INPUT:-1x28x28}; batch=${BATCH:-128}; bits=${BITS:-2,3,4,8}
python3 -c "import torch" 2>/dev/null || python3 -m pip install -q "torch==2.13.0+cpu"
swift build -c release --product polybit >/dev/null
export OPENBLAS_NUM_THREADS=1
for mode in float multibit; do
  flag=(); [ "$mode" = multibit ] && flag=(--bits "$bits")
  ours=$(.build/release/polybit bench train --input "$input" --batch "$batch" --threads "$threads" --json "${flag[@]}")
  theirs=$(OMP_NUM_THREADS=$threads python3 tools/bench/torch_resnet20.py --input "$input" --batch "$batch" \
           --threads "$threads" ${flag[@]+"${flag[@]}"})
  python3 - "$mode" "$ours" "$theirs" <<'PY'
import json, sys
mode, ours, theirs = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
r = ours["images_per_s"] / theirs["images_per_s"]
print(f"{mode:9s} polybit {ours['images_per_s']:7.1f} images/s ({100 * ours['fraction_of_sgemm_peak']:.0f}% of the "
      f"2-thread sgemm peak)   pytorch {theirs['images_per_s']:7.1f} images/s   ratio {r:.2f}")
PY
done

#!/usr/bin/env bash
# Training-step throughput of Polybit and PyTorch CPU in one run, same model (ResNet-20), input,
# batch and threads: a float step and a multi-bit fake-quant step over 4 bit-widths. Installs
# torch (pip, "torch==2.13.0+cpu") if missing. The two run alternately ROUNDS times (default 3)
# so that drift of a shared host hits both; prints every pair's ratio and the median.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${THREADS:-2}; input=${INPUT:-1x28x28}; batch=${BATCH:-128}; bits=${BITS:-2,3,4,8}
rounds=${ROUNDS:-3}
python3 -c "import torch" 2>/dev/null || python3 -m pip install -q "torch==2.13.0+cpu"
swift build -c release --product polybit >/dev/null
export OPENBLAS_NUM_THREADS=1
for mode in float multibit; do
  flag=(); [ "$mode" = multibit ] && flag=(--bits "$bits")
  pairs=()
  for _ in $(seq "$rounds"); do
    ours=$(.build/release/polybit bench train --input "$input" --batch "$batch" --threads "$threads" --json "${flag[@]}")
    theirs=$(OMP_NUM_THREADS=$threads python3 tools/bench/torch_resnet20.py --input "$input" --batch "$batch" \
             --threads "$threads" ${flag[@]+"${flag[@]}"})
    pairs+=("$ours" "$theirs")
  done
  python3 - "$mode" "${pairs[@]}" <<'PY'
import json, statistics, sys
mode, runs = sys.argv[1], [json.loads(a) for a in sys.argv[2:]]
ratios = []
for ours, theirs in zip(runs[0::2], runs[1::2]):
    r = ours["images_per_s"] / theirs["images_per_s"]
    ratios.append(r)
    print(f"{mode:9s} polybit {ours['images_per_s']:7.1f} images/s ({100 * ours['fraction_of_sgemm_peak']:.0f}% of the "
          f"2-thread sgemm peak)   pytorch {theirs['images_per_s']:7.1f} images/s   ratio {r:.2f}")
print(f"{mode:9s} median ratio over {len(ratios)} alternating pairs: {statistics.median(ratios):.2f}")
PY
done

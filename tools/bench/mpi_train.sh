#!/usr/bin/env bash
# Data-parallel training step on this machine: 2 MPI ranks × 1 thread against 1 process × 2 threads,
# same model (ResNet-20), input, global batch and bit-widths, alternately ROUNDS times (default 3),
# with every pair's ratio and the median, the time in collectives, and the scaling model of
# docs/distributed.md (tools/bench/mpi_scaling.py) fed with the measured figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
input=${INPUT:-1x28x28}; batch=${BATCH:-128}; bits=${BITS:-2,4,8}; rounds=${ROUNDS:-3}; steps=${STEPS:-10}
swift build -c release --product polybit >/dev/null
export OPENBLAS_NUM_THREADS=1
common=(bench train --input "$input" --batch "$batch" --bits "$bits" --steps "$steps" --json)
runs=()
for _ in $(seq "$rounds"); do
  runs+=("$(.build/release/polybit "${common[@]}" --threads 2)")
  runs+=("$(mpirun --allow-run-as-root --oversubscribe -np 2 .build/release/polybit "${common[@]}" --threads 1)")
done
python3 tools/bench/mpi_scaling.py "${runs[@]}"

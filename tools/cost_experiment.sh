#!/usr/bin/env bash
# The full training-cost experiment (issue #5) as docs/results-coreset.md reports it: every arm at one thread,
# LANES arms at a time (default 2, one per core, so every arm shares the machine alike), then the
# report (OUT/experiment.md, .csv, accuracy.svg). Each arm's progress goes to OUT/<arm>.log.
# Rerunning resumes every arm from its last epoch. Takes hours: about 6-7 on 2 cores.
#   ARMS="multibit-coreset multibit-random" bash tools/cost_experiment.sh   # only some arms, no report
#   BIN=/path/to/polybit ...                                                  # a fixed binary
#   ARGS="--quick --dataset synthetic --limit 256 --epochs 2" ...               # other sizes
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/experiment-cost}
LANES=${LANES:-2}
if [ -z "${BIN:-}" ]; then
  bash tools/setup.sh
  swift build -c release --product polybit
  BIN=.build/release/polybit
fi
# Longest first, so the lanes finish together.
SOME_ARMS=${ARMS:+yes}
ARMS=${ARMS:-"multibit-full multibit-coreset multibit-random dedicated-2bit dedicated-3bit dedicated-4bit dedicated-5bit dedicated-6bit dedicated-7bit dedicated-8bit"}
mkdir -p "$OUT"
ARGS=${ARGS:-}
export OPENBLAS_NUM_THREADS=1 BIN OUT ARGS
printf '%s\n' $ARMS | xargs -P "$LANES" -I{} sh -c \
  '"$BIN" experiment cost $ARGS --out "$OUT" --threads 1 --arm {} 2> "$OUT/{}.log" >/dev/null && echo "done: {}"'
if [ -n "$SOME_ARMS" ]; then
  # The report needs every arm; it would train the missing ones at once, in one lane.
  echo "trained: $ARMS. Compare finished arms with: python3 tools/runs_table.py final $OUT/<arm> ..."
  exit 0
fi
"$BIN" experiment cost $ARGS --out "$OUT" --threads 1

#!/usr/bin/env bash
# Crash safety: kills `polybit train`, `export`, `trace` and `experiment cost` with SIGKILL at
# random moments and checks that every output file is either the previous complete file or the new
# complete one (never a torn file), and that `train --resume` (and rerunning `experiment cost`)
# after kills ends identical to an uninterrupted run (same recipe, one thread).
#
#   tools/kill_test.sh [POINTS]    kill points per command (default 20); POLYBIT=path picks the
#                                  binary (default .build/release/polybit, built if missing)
#
# Files are compared by content with h5diff (HDF5 stores object times, so bytes differ between
# two writes of the same model). Temporary files a kill leaves beside an output (NAME.tmp-PID)
# are counted; they are never read.
set -euo pipefail
cd "$(dirname "$0")/.."
points="${1:-20}"
polybit="${POLYBIT:-.build/release/polybit}"
[[ -x "$polybit" ]] || swift build -c release --product polybit >&2
export OPENBLAS_NUM_THREADS=1
work=$(mktemp -d /tmp/polybit-kill.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
same() { h5diff -q "$1" "$2" >/dev/null 2>&1; }
# A run folder after a kill: the checkpoint opens and every dataset reads in full; prints its
# epochs and the log's lines ("2 2"), or fails.
run_state() {
    python3 - "$1" <<'PY'
import h5py, sys
with h5py.File(sys.argv[1] + "/checkpoint.h5", "r") as f:
    assert f.attrs["format"] in ("polybit-checkpoint", b"polybit-checkpoint")
    f.visititems(lambda name, obj: obj[()] if isinstance(obj, h5py.Dataset) else None)
    epochs = int(f.attrs["epochs_completed"])
try:
    lines = sum(1 for line in open(sys.argv[1] + "/log.jsonl") if line.strip())
except FileNotFoundError:
    lines = 0
print(epochs, lines)
PY
}
# A random delay in seconds (3 decimals) between $2 and $3 times a run of $1 seconds.
delay() {
    python3 -c "import random,sys; t,a,b=map(float,sys.argv[1:]); print(f'{random.uniform(a*t, b*t):.3f}')" "$1" "$2" "$3"
}
# Seconds "$@" takes (its output discarded).
time_of() {
    local start=$EPOCHREALTIME
    "$@" >/dev/null 2>&1
    python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$EPOCHREALTIME"
}
# Runs "$@" in the background and SIGKILLs it after $1 seconds unless it ended; prints "killed"
# or "ended RC" (its exit status).
run_and_kill() {
    local after=$1
    shift
    "$@" >"$work/last.out" 2>&1 &
    local pid=$! rc=0
    sleep "$after"
    if kill -9 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        echo killed
    else
        wait "$pid" || rc=$?
        echo "ended $rc"
    fi
}
train=(train --dataset synthetic --validation 100 --limit 200 --epochs 3 --batch 50 --model resnet8
    --bits 2,4 --deploy-bits 2,4 --threads 1)

echo "== reference runs"
train_seconds=$(time_of "$polybit" "${train[@]}" --out "$work/ref")
export_args=(--checkpoint "$work/ref/checkpoint.h5" --calibration-images 50 --verify 0 --threads 1)
"$polybit" export "${export_args[@]}" --bits 2 --out "$work/old-model.h5" >/dev/null
"$polybit" export "${export_args[@]}" --bits 4 --out "$work/new-model.h5" >/dev/null
trace_args=(--model "$work/new-model.h5" --dataset synthetic --threads 1)
"$polybit" trace "${trace_args[@]}" --samples 1 --out "$work/old-trace.h5" >/dev/null
"$polybit" trace "${trace_args[@]}" --samples 4 --out "$work/new-trace.h5" >/dev/null
echo "train takes ${train_seconds%.*} s uninterrupted"

echo "== train: $points kills, resuming until it completes"
run="$work/run" kills=0 torn=0 ahead=0 completed=0
# A finished run must equal the reference: same parameters and optimizer state, one log line per epoch.
check_finished() {
    same "$run/checkpoint.h5" "$work/ref/checkpoint.h5" || fail "train: resumed run differs from the reference"
    [[ $(wc -l <"$run/log.jsonl") == $(wc -l <"$work/ref/log.jsonl") ]] ||
        fail "train: resumed log has $(wc -l <"$run/log.jsonl") epochs, the reference $(wc -l <"$work/ref/log.jsonl")"
    completed=$((completed + 1))
    rm -rf "$run"
}
while ((kills < points)); do
    if [[ -f "$run/checkpoint.h5" ]]; then cmd=("$polybit" train --resume --out "$run" --threads 1); else
        rm -rf "$run"; cmd=("$polybit" "${train[@]}" --out "$run"); fi
    outcome=$(run_and_kill "$(delay "$train_seconds" 0.05 1.5)" "${cmd[@]}")
    if [[ $outcome == killed ]]; then
        kills=$((kills + 1))
        [[ -f "$run/checkpoint.h5" ]] || continue
        if ! state=$(run_state "$run" 2>/dev/null); then
            torn=$((torn + 1)); fail "train: unreadable checkpoint after a kill"; rm -rf "$run"
        elif ((${state#* } < ${state% *})); then
            fail "train: after a kill the checkpoint has ${state% *} epochs, the log only ${state#* }"
        elif ((${state#* } > ${state% *})); then
            ahead=$((ahead + 1)) # the log is written first; a resume trims it to the checkpoint
        fi
    elif [[ $outcome == "ended 0" ]]; then
        check_finished
    else
        fail "train: $outcome: $(tail -1 "$work/last.out")"; rm -rf "$run"
    fi
done
# The last run is finished without a kill (resumed, or from the start) and compared too.
if [[ -f "$run/checkpoint.h5" ]]; then cmd=("$polybit" train --resume --out "$run" --threads 1); else
    rm -rf "$run"; cmd=("$polybit" "${train[@]}" --out "$run"); fi
if "${cmd[@]}" >"$work/last.out" 2>&1; then check_finished; else fail "train: $(tail -1 "$work/last.out")"; fi
echo "train: $kills kills, $completed runs resumed to the end, $torn torn checkpoints, $ahead times the log one epoch ahead (trimmed on resume)"

# Kills `$1` (export or trace) $points times while it replaces $old with $new in $out, late in the
# run (they write their file at the end) or past its measured duration (a loaded machine is slower).
replace_test() {
    local name=$1 old=$2 new=$3 out=$4 seconds=$5
    shift 5
    local kills=0 olds=0 news=0
    for ((i = 0; i < points; i++)); do
        cp "$old" "$out"
        outcome=$(run_and_kill "$(delay "$seconds" 0.5 2)" "$@")
        [[ $outcome == killed || $outcome == "ended 0" ]] || fail "$name: $outcome: $(tail -1 "$work/last.out")"
        [[ $outcome == killed ]] && kills=$((kills + 1))
        if same "$out" "$old"; then olds=$((olds + 1)); elif same "$out" "$new"; then news=$((news + 1)); else
            fail "$name: $out is neither the old nor the new file after a kill"; fi
    done
    echo "$name: $kills kills: $olds times the old file, $news times the new one"
}

echo "== export and trace: $points kills each"
out="$work/model.h5"
seconds=$(time_of "$polybit" export "${export_args[@]}" --bits 4 --out "$work/timing.h5")
replace_test export "$work/old-model.h5" "$work/new-model.h5" "$out" "$seconds" \
    "$polybit" export "${export_args[@]}" --bits 4 --out "$out"
out="$work/trace.h5"
seconds=$(time_of "$polybit" trace "${trace_args[@]}" --samples 4 --out "$work/timing.h5")
replace_test trace "$work/old-trace.h5" "$work/new-trace.h5" "$out" "$seconds" \
    "$polybit" trace "${trace_args[@]}" --samples 4 --out "$out"
experiment=(experiment cost --quick --dataset synthetic --validation 100 --limit 200 --epochs 2 --batch 50
    --threads 1)
echo "== experiment cost: $points kills, rerunning until it completes"
experiment_seconds=$(time_of "$polybit" "${experiment[@]}" --out "$work/exp-ref")
# The accuracy columns of experiment.csv (arm, bits, accuracy, mean): wall-clock columns differ by run.
accuracies() { cut -d, -f1-4 "$1/experiment.csv"; }
# A finished experiment must equal the reference: every arm's checkpoint and the accuracy table.
check_experiment() {
    local arm
    for arm in "$work"/exp-ref/*/; do
        arm=$(basename "$arm")
        same "$work/exp/$arm/checkpoint.h5" "$work/exp-ref/$arm/checkpoint.h5" ||
            fail "experiment: arm $arm differs from the reference after kills"
    done
    [[ "$(accuracies "$work/exp")" == "$(accuracies "$work/exp-ref")" ]] ||
        fail "experiment: experiment.csv accuracies differ from the reference"
}
kills=0 torn=0
while ((kills < points)); do
    outcome=$(run_and_kill "$(delay "$experiment_seconds" 0.05 1.2)" "$polybit" "${experiment[@]}" --out "$work/exp")
    if [[ $outcome == killed ]]; then
        kills=$((kills + 1))
        for arm in "$work"/exp/*/; do
            [[ -f "$arm/checkpoint.h5" ]] || continue
            run_state "$arm" >/dev/null 2>&1 || { torn=$((torn + 1)); fail "experiment: unreadable $arm/checkpoint.h5"; }
        done
        if [[ -f "$work/exp/experiment.csv" ]] &&
            [[ $(wc -l <"$work/exp/experiment.csv") != $(wc -l <"$work/exp-ref/experiment.csv") ]]; then
            fail "experiment: a torn experiment.csv after a kill"
        fi
    elif [[ $outcome == "ended 0" ]]; then
        check_experiment; rm -rf "$work/exp"
    else
        fail "experiment: $outcome: $(tail -1 "$work/last.out")"; rm -rf "$work/exp"
    fi
done
if "$polybit" "${experiment[@]}" --out "$work/exp" >"$work/last.out" 2>&1; then check_experiment; else
    fail "experiment: $(tail -1 "$work/last.out")"; fi
echo "experiment cost: $kills kills, $torn torn checkpoints"

echo "temporary files left by kills: $(find "$work" -name '*.tmp-*' | wc -l)"
((failures == 0)) && echo "kill test: passed" || { echo "kill test: $failures failures"; exit 1; }

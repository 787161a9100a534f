#!/usr/bin/env bash
# The tests that exercise readers, writers and parallel code, under AddressSanitizer and
# ThreadSanitizer (debug builds: sanitizers want the checks on; scratch paths .build-asan and
# .build-tsan so the normal build is untouched).
#
#   tools/sanitize.sh [address|thread]    (default: both)
#
# ASan: readers and writers of every format (HDF5, IDX, CIFAR, datasets, integer models,
# traces, profiles, policies, budgets), the HDF5 error paths, the integer simulator.
# TSan: the parallel loops (Parallel.forEach in GEMM, conv, batch norm, quantizers, batching,
# the simulator's workers) and the HDF5 lock (two splits read on both cores).
# LeakSanitizer is off: the Swift runtime keeps metadata caches that it reports as leaks.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=2
asan_tests='PolybitHDF5Tests|PolybitDataTests|ModelReaderTests|TraceTests|ClaimedSizeTests|ProfileLoadingTests|YAMLLimitsTests|PrecisionPolicyTests|BudgetTests|RequantTests|AddAndPoolTests'
tsan_tests='GemmTests|MicroGemmTests|ConvForwardTests|Im2colTests|BatchingTests|FastPathTests|AccumulatorOrderTests|SwitchableBatchNormTests|FashionMNISTTests|HDF5DatasetTests|RoundTripTests'
for sanitizer in ${1:-address thread}; do
    case $sanitizer in
    address) filter=$asan_tests scratch=.build-asan ;;
    thread) filter=$tsan_tests scratch=.build-tsan ;;
    *) echo "tools/sanitize.sh: unknown sanitizer '$sanitizer'; expected address or thread" >&2; exit 2 ;;
    esac
    echo "== $sanitizer sanitizer ($scratch): $filter"
    swift build --build-tests --sanitize "$sanitizer" --scratch-path "$scratch"
    ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 TSAN_OPTIONS=halt_on_error=1 \
        swift test --skip-build --sanitize "$sanitizer" --scratch-path "$scratch" --filter "$filter"
done

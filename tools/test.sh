#!/usr/bin/env bash
# The test suite: installs what is missing, checks function lengths, Markdown links and the
# formatting, then builds in release mode and runs every test target
# twice: in the build as shipped (-Ounchecked, preconditions compiled out), then in a checked
# release build (POLYBIT_CHECKED=1: -O, so preconditions, bounds and overflow checks trap; its own
# scratch path .build-checked). Numeric tests (gradient checks, tiny training runs) are many times
# faster in release than in debug. The checked run skips the end-to-end suites that train or run
# whole pipelines through the command line (their library code is covered by the library suites
# there; they take a large share of a pass), so CI stays well under 15 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-2}"
echo "== lint: function length, Markdown links, swift-format"
python3 tools/lint/function_length.py Sources
python3 -m unittest discover -s tools/lint -q
python3 tools/check_links.py
swift format lint --strict --recursive --configuration .swift-format Package.swift Sources Tests
echo "== test run 1 of 2: release build as shipped (-Ounchecked, .build)"
swift build -c release --build-tests
swift test -c release --skip-build
echo "== crash safety: SIGKILL train, export, trace and experiment cost at 3 random points each (tools/kill_test.sh)"
bash tools/kill_test.sh 3
echo "== test run 2 of 2: checked release build (POLYBIT_CHECKED=1: -O, checks on, .build-checked)"
POLYBIT_CHECKED=1 swift build -c release --build-tests --scratch-path .build-checked
end_to_end='ResNet20ONNXTests|DistributedTrainingTests|OneShotCommandTests|ValidationSplitCommandTests'
end_to_end+='|SwitchableBatchNormCommandTests|ViTPickCommandTests'
POLYBIT_CHECKED=1 swift test -c release --skip-build --scratch-path .build-checked --skip "$end_to_end"

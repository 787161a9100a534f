#!/usr/bin/env bash
# The test suite: installs what is missing, builds in release mode, runs every test target.
# Numeric tests (gradient checks, tiny training runs) are many times faster in release.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-2}"
swift build -c release --build-tests
swift test -c release --skip-build

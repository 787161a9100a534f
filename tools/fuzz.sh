#!/usr/bin/env bash
# Fuzzes one of Polybit's readers with libFuzzer and AddressSanitizer, in a checked build.
#
#   tools/fuzz.sh READER [SECONDS]      (SECONDS defaults to 60)
#   tools/fuzz.sh all [SECONDS]         every reader in turn, SECONDS each
#
# READER: idx (IDX, plain or gzip), cifar (CIFAR-10/100 binary records), dataset (HDF5 image
# dataset), model (integer model HDF5), checkpoint (training checkpoint HDF5, its recipe
# validated), profile (YAML hardware profile), policy (precision policy JSON, validated against a
# ResNet-8), budget (pick --budget strings), recipe (training recipe JSON, validated).
#
# The harness (tools/fuzz/) is a SwiftPM target only when POLYBIT_FUZZ=1, built here in
# .build-fuzz with -sanitize=fuzzer,address; a normal `swift build` never sees it. Seeds are the
# project's own valid files (hwprofiles/, files written by Polybit's writers, small hand-made
# ones). Findings: .build-fuzz/artifacts/READER/; the grown corpus: .build-fuzz/corpus/READER/.
# An input running over 1 s, using over 2 GiB or allocating over 1 GiB at once is a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
readers="idx cifar dataset model checkpoint profile policy budget recipe"
reader="${1:?usage: tools/fuzz.sh READER [SECONDS]; READER: all or one of: $readers}"
seconds="${2:-60}"
if [[ "$reader" == all ]]; then
    found=0
    for r in $readers; do bash "$0" "$r" "$seconds" || found=1; done
    exit $found
fi
[[ " $readers " == *" $reader "* ]] || { echo "tools/fuzz.sh: unknown reader '$reader'; expected one of: $readers" >&2; exit 2; }

scratch=.build-fuzz
POLYBIT_FUZZ=1 POLYBIT_CHECKED=1 swift build -c release --product polybit-fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing >&2
bin="$scratch/release/polybit-fuzz"
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0"

seeds="$scratch/seeds"
if [[ ! -f "$seeds/.complete" ]]; then
    rm -rf "$seeds" && mkdir -p "$seeds"
    POLYBIT_FUZZ_SEEDS="$seeds" POLYBIT_FUZZ_READER=budget "$bin" >&2
    python3 tools/fuzz/make_seeds.py "$seeds"
    mkdir -p "$seeds/profile" && cp hwprofiles/*.yaml "$seeds/profile/"
    touch "$seeds/.complete"
fi
corpus="$scratch/corpus/$reader" artifacts="$scratch/artifacts/$reader"
mkdir -p "$corpus" "$artifacts"
max_len=$(find "$seeds/$reader" -type f -printf '%s\n' | sort -n | tail -1)
max_len=$((max_len > 4096 ? max_len * 2 : 8192))
# libhdf5 (not instrumented, not Polybit's) crashes and hangs on some corrupt files; for the HDF5
# readers libFuzzer goes on after a crash (-fork), and each crash is re-run and sorted below.
hdf5_reader=0
[[ " dataset model checkpoint " == *" $reader "* ]] && hdf5_reader=1
extra=()
((hdf5_reader)) && extra=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1)
set +e
POLYBIT_FUZZ_READER="$reader" "$bin" "$corpus" "$seeds/$reader" "${extra[@]}" \
    -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts/" >"$scratch/$reader.log" 2>&1
status=$?
set -e
grep -E '^(#[0-9]+\s+(INITED|DONE)|==[0-9]+==ERROR|stat::number_of_executed_units|SUMMARY|Test unit written|.*Fatal error)' \
    "$scratch/$reader.log" | sed "s/^/$reader: /" || true
if ((hdf5_reader)); then
    grep -E '^#[0-9]+: cov:' "$scratch/$reader.log" | tail -1 | sed "s/^/$reader: /"
    polybit=0
    for a in "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
        [[ -f "$a" ]] || continue
        # The innermost frame outside libc, the sanitizer and libFuzzer says whose fault it is.
        frame=$(POLYBIT_FUZZ_READER="$reader" "$bin" -timeout=1 "$a" 2>&1 | grep -E '^ +#[0-9]+ 0x' |
            grep -vE 'libc\.so|compiler-rt|fuzzer::|__sanitizer|libclang_rt' | head -1 || true)
        if [[ "$frame" == *libhdf5* ]]; then
            mkdir -p "$artifacts/libhdf5" && mv "$a" "$artifacts/libhdf5/"
            echo "$reader: inside libhdf5 (kept in $artifacts/libhdf5/): $(basename "$a"):${frame##* in }"
        else
            polybit=1
            echo "$reader: FINDING $(basename "$a"):$frame"
        fi
    done
    status=$polybit
fi
[[ $status == 0 ]] || { echo "tools/fuzz.sh: $reader: finding (exit $status), see $scratch/$reader.log and $artifacts/" >&2; exit 1; }

#!/usr/bin/env bash
# The `polybit cost --vary` tables of docs/cost-model.md ("Varying a profile field"): ResNet-20
# 1x28x28 at 2, 4 and 8 bits on BitFusion as its array size and its DRAM bandwidth vary.
#   bash tools/hw/vary_tables.sh [OUTDIR]     (the SVG charts go to OUTDIR, default /tmp)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp}
polybit=.build/release/polybit
[ -x "$polybit" ] || swift build -c release --product polybit
common=(cost --network resnet20 --input 1x28x28 --profile hwprofiles/bitfusion.yaml --bits 2,4,8)
"$polybit" "${common[@]}" --vary compute.array.size=4,8,16,32,64 --svg "$out/vary-array.svg"
"$polybit" "${common[@]}" --vary dram.bandwidth_GBps=1,3,12,48 --svg "$out/vary-dram.svg"

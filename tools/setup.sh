#!/usr/bin/env bash
# Installs what Polybit needs on a fresh Debian machine with Swift 6: C libraries (OpenBLAS, HDF5,
# zlib, Open MPI with mpirun), pkg-config, the Fashion-MNIST dataset package, the HDF5 command-line tools, and the Python
# packages the cross-check tests use. Idempotent: installs only what is missing.
set -euo pipefail

apt_packages=(libopenblas-dev libhdf5-dev zlib1g-dev libopenmpi-dev openmpi-bin pkg-config dataset-fashion-mnist hdf5-tools)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python is only for cross-checks (tests and tools/); the product never needs it.
py_missing=()
python3 -c "import h5py" 2>/dev/null || py_missing+=(h5py)
python3 -c "import onnx" 2>/dev/null || py_missing+=(onnx)
python3 -c "import onnxruntime" 2>/dev/null || py_missing+=(onnxruntime)
python3 -c "import numpy" 2>/dev/null || py_missing+=(numpy)
python3 -c "import qonnx" 2>/dev/null || py_missing+=(qonnx)
if [ ${#py_missing[@]} -gt 0 ]; then
  echo "setup: pip installing ${py_missing[*]}" >&2
  python3 -m pip install -q "${py_missing[@]}" 2>&1 | grep -v -i "warning: running pip as" || true
fi

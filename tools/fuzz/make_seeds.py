"""Hand-made seed files for tools/fuzz.sh: small valid IDX (plain and gzip), CIFAR records,
precision policies, budget strings and YAML shapes (an alias bomb, deep nesting) the profile
reader must refuse cleanly. Usage: make_seeds.py SEEDS_DIR (the HDF5 seeds come from the harness)."""

import gzip
import os
import struct
import sys


def put(root, reader, name, data):
    os.makedirs(os.path.join(root, reader), exist_ok=True)
    with open(os.path.join(root, reader, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def main(root):
    images = struct.pack(">IIII", 0x803, 2, 3, 3) + bytes(range(18))
    labels = struct.pack(">II", 0x801, 2) + bytes([1, 9])
    for name, data in [("images", images), ("labels", labels)]:
        put(root, "idx", name, data)
        put(root, "idx", name + ".gz", gzip.compress(data))
    put(root, "cifar", "cifar10.bin", bytes([3]) + bytes(i % 256 for i in range(3072)))
    put(root, "cifar", "cifar100.bin", bytes([1, 42]) + bytes(i % 251 for i in range(3072)))
    policies = {
        "default.json": '{"default": {"weight_bits": 4, "activation_bits": 4}}',
        "layers.json": '{"layers": {"stage1.block0.conv1": {"weight_bits": 2, "activation_bits": 8}},'
        ' "default": {"weight_bits": 8, "activation_bits": 6}}',
        "stem.json": '{"layers": {"stem.conv": {"weight_bits": 8}}, "default": {"weight_bits": 6, "activation_bits": 6}}',
    }
    for name, text in policies.items():
        put(root, "policy", name, text)
    for i, text in enumerate(["energy_uJ=12.5", "latency_ms = 0.3", "memory_KiB=1e3", "bitops_G=2", "weight_KiB=64"]):
        put(root, "budget", f"b{i}", text)
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]\n"
        for i in range(1, 9)
    )
    put(root, "profile", "alias-bomb.yaml", bomb)
    put(root, "profile", "deep.yaml", "name: " + "[" * 5000 + "]" * 5000 + "\n")
    put(root, "profile", "deep-map.yaml", "".join("  " * i + f"k{i}:\n" for i in range(300)))


if __name__ == "__main__":
    main(sys.argv[1])

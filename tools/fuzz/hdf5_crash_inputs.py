"""Finds corrupt integer-model files that crash libhdf5 itself, without the libFuzzer build: mutates
a valid model (bit flips, boundary bytes and 32-bit words, as the suite's mutation run does) and
opens each copy with `polybit cost --model` in a child process. A child killed by a signal is a
crash; the innermost frame outside libc (gdb) says whether it is inside libhdf5. Each
crashing input (and each one running over 10 s) is kept in OUT_DIR, for docs/reliability.md.

Usage: python3 tools/fuzz/hdf5_crash_inputs.py SEED.h5 COUNT OUT_DIR [POLYBIT]
"""

import os
import random
import re
import subprocess
import sys
import tempfile


def mutate(data, rng):
    b = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(b))
        kind = rng.randrange(3)
        if kind == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif kind == 1:
            b[i] = rng.choice([0, 0x7F, 0x80, 0xFF])
        else:
            word = rng.choice([0, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x00010000])
            b[i:i + 4] = word.to_bytes(4, "little")[: len(b) - i]
    return bytes(b)


def innermost_frame(command):
    """The innermost frame outside libc of `command`'s crash, from gdb, e.g.
    'H5HG_read () from /lib/x86_64-linux-gnu/libhdf5_serial.so.103' ('?' without gdb)."""
    try:
        p = subprocess.run(["gdb", "-q", "-batch", "-ex", "run", "-ex", "bt", "--args"] + command,
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    for line in p.stdout.splitlines():
        m = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(\S+ \(.*)", line)
        if m and "libc.so" not in line and "/sysdeps/" not in line:
            return m.group(1).strip()
    return "?"


def main():
    seed_path, count, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    polybit = sys.argv[4] if len(sys.argv) > 4 else ".build/release/polybit"
    seed = open(seed_path, "rb").read()
    rng = random.Random(1)
    os.makedirs(out_dir, exist_ok=True)
    outcomes = {"accepted": 0, "refused": 0, "crashed": 0, "hung": 0}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.h5")
        for k in range(count):
            data = mutate(seed, rng)
            with open(path, "wb") as f:
                f.write(data)
            command = [polybit, "cost", "--model", path, "--profile", "hwprofiles/bitfusion.yaml"]
            try:
                p = subprocess.run(command, capture_output=True, text=True, timeout=10,
                                   env=dict(os.environ, SWIFT_BACKTRACE="enable=no"))
            except subprocess.TimeoutExpired:
                outcomes["hung"] += 1
                with open(os.path.join(out_dir, f"hang-{k}.h5"), "wb") as f:
                    f.write(data)
                print(f"hang-{k}.h5: over 10 s", flush=True)
                continue
            if p.returncode == 0:
                outcomes["accepted"] += 1
            elif p.returncode == 2:
                outcomes["refused"] += 1
            else:
                outcomes["crashed"] += 1
                frame = innermost_frame(command)
                name = f"model-{k}.h5"
                with open(os.path.join(out_dir, name), "wb") as f:
                    f.write(data)
                print(f"{name}: exit {p.returncode}, innermost frame {frame}", flush=True)
    print(f"{count} inputs: {outcomes}")


if __name__ == "__main__":
    main()

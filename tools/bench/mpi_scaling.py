#!/usr/bin/env python3
"""Ratios of `polybit bench train` runs (1 process × 2 threads, 2 ranks × 1 thread, alternating
JSON reports as arguments) and the scaling model of docs/distributed.md fed with their medians.

Model, per multi-bit training step (`train` makes one update per trained width, `passes`):
- compute: the measured 1-process step time per image, times each host's images;
- gradient allreduce per update, ring algorithm: 2(N−1)/N · bytes / bandwidth + 2(N−1) · latency;
- BatchNorm synchronization per update: 3 small allreduces per BatchNorm layer (forward sum,
  forward deviations, backward sums), latency-bound: 2·log2(N) · latency each.
Weak scaling keeps 128 images per host (global batch 128·N); strong scaling keeps the global
batch at 128. Efficiency = compute time / (compute + communication) per host.
"""
import json
import math
import statistics
import sys

BN_LAYERS = 21  # ResNet-20: the stem's, two per block (18) and the two projection shortcuts'
LINKS = {"10 Gb/s Ethernet": (10e9 / 8, 30e-6), "100 Gb/s InfiniBand": (100e9 / 8, 2e-6)}


def main(args):
    runs = [json.loads(a) for a in args]
    ones, twos = runs[0::2], runs[1::2]
    ratios = []
    for one, two in zip(ones, twos):
        r = two["images_per_s"] / one["images_per_s"]
        ratios.append(r)
        print(f"1 process × 2 threads {one['images_per_s']:7.1f} images/s   2 ranks × 1 thread "
              f"{two['images_per_s']:7.1f} images/s   ratio {r:.2f}   collectives {two['collectives_ms']:.1f} ms "
              f"of {two['step_ms']:.0f} ms/step (gradient allreduce {two['gradient_allreduce_ms']:.2f} ms)")
    print(f"median ratio (2 ranks / 1 process): {statistics.median(ratios):.2f}")
    one = {k: statistics.median(r[k] for r in ones) for k in ("step_ms",)}
    two = {k: statistics.median(r[k] for r in twos) for k in ("step_ms", "collectives_ms", "gradient_allreduce_ms")}
    passes = len(ones[0]["bits"].split(",")) if ones[0]["bits"] != "fp32" else 1
    batch, grad_bytes = ones[0]["batch"], twos[0]["gradient_allreduce_bytes"]
    per_image = one["step_ms"] / 1000 / batch  # seconds of compute per image on one 2-core host
    print(f"\nmeasured on 2 ranks of one host: collectives {two['collectives_ms']:.1f} ms/step = "
          f"{100 * two['collectives_ms'] / two['step_ms']:.1f}% of the step; model for shared memory "
          f"(latency 1 µs, 10 GB/s): {1000 * comm(2, grad_bytes, passes, 10e9, 1e-6):.2f} ms")
    print(f"\nbytes per update and rank: {grad_bytes} (gradients) + BatchNorm sums; {passes} updates per step")
    print("| hosts | link | weak: step ms | weak efficiency | strong (batch 128): step ms | strong efficiency |")
    print("|---:|---|---:|---:|---:|---:|")
    for name, (bandwidth, latency) in LINKS.items():
        for n in (2, 4, 8, 16, 32, 64):
            c = comm(n, grad_bytes, passes, bandwidth, latency)
            weak = per_image * batch
            strong = per_image * batch / n
            print(f"| {n} | {name} | {1000 * (weak + c):.0f} | {weak / (weak + c):.2f} | "
                  f"{1000 * (strong + c):.1f} | {strong / (strong + c):.2f} |")


def comm(n, grad_bytes, passes, bandwidth, latency):
    """Seconds of communication per training step on n hosts."""
    ring = 2 * (n - 1) / n * grad_bytes / bandwidth + 2 * (n - 1) * latency
    batch_norm = 3 * BN_LAYERS * 2 * math.log2(n) * latency
    return passes * (ring + batch_norm)


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""How much of the training set a coreset run's subsets cover, from RUN/coresets/epoch<E>.h5.

  python3 tools/coreset_coverage.py RUN[=LABEL] ...

One Markdown row per run: redraws; the share of the training set that was ever in a width's
subset (mean over widths, and in any width's subset); the share of a width's subset that was
also in its previous subset (mean over widths and redraws; — with one redraw); the share of a
subset that another width also trained on at the same redraw (mean over pairs and redraws).
Shares are fractions of the training set or of the subset size, in [0, 1].
"""
import glob
import itertools
import math
import os
import re
import sys

import h5py


def redraws(run):
    """[(epoch, {precision: set of indices}, training-set size)] in epoch order."""
    files = glob.glob(os.path.join(run, "coresets", "epoch*.h5"))
    if not files:
        sys.exit(f"coreset_coverage: {run}/coresets: no epoch<E>.h5 files (was the run trained with --coreset?)")
    out = []
    for path in files:
        try:
            with h5py.File(path, "r") as f:
                subsets = {k: set(f["subsets"][k][()].tolist()) for k in f["subsets"]}
                size = len(f["scores"][next(iter(f["scores"]))])
        except (OSError, KeyError) as e:
            sys.exit(f"coreset_coverage: {path}: not a Polybit coreset file ({e})")
        out.append((int(re.search(r"epoch(\d+)\.h5$", path).group(1)), subsets, size))
    return sorted(out, key=lambda r: r[0])


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else float("nan")


def coverage(run):
    draws = redraws(run)
    size = draws[0][2]
    widths = sorted(draws[0][1])
    ever = {w: set().union(*(d[1][w] for d in draws)) for w in widths}
    kept = [len(cur[1][w] & prev[1][w]) / len(cur[1][w])
            for prev, cur in zip(draws, draws[1:]) for w in widths]
    shared = [len(d[1][a] & d[1][b]) / len(d[1][a])
              for d in draws for a, b in itertools.combinations(widths, 2)]
    return {
        "redraws": len(draws),
        "ever, per width": mean(len(ever[w]) / size for w in widths),
        "ever, any width": len(set().union(*ever.values())) / size,
        "kept from previous redraw": mean(kept),
        "shared between widths": mean(shared),
    }


def main(specs):
    if not specs:
        sys.exit(__doc__.strip())
    rows = []
    for spec in specs:
        run, _, label = spec.partition("=")
        rows.append((label or os.path.basename(os.path.normpath(run)), coverage(run)))
    keys = list(rows[0][1])
    print("| run | " + " | ".join(keys) + " |")
    print("| --- " * (len(keys) + 1) + "|")
    for label, c in rows:
        cells = [str(c[k]) if k == "redraws" else "—" if math.isnan(c[k]) else f"{c[k]:.3f}" for k in keys]
        print("| " + label + " | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])

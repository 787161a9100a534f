#!/usr/bin/env python3
"""Markdown tables of training runs from their RUN/log.jsonl, as docs/results.md shows them.

  python3 tools/runs_table.py final RUN[=LABEL] ...       last epoch: test accuracy per width,
                                                         mean, training seconds (scoring included,
                                                         evaluation not), epochs
  python3 tools/runs_table.py epochs RUN[=LABEL] ...      every epoch, the runs interleaved
"""
import json
import os
import sys


def load(spec):
    run, _, label = spec.partition("=")
    path = os.path.join(run, "log.jsonl")
    try:
        with open(path) as f:
            records = [json.loads(line) for line in f if line.strip()]
    except OSError as e:
        sys.exit(f"runs_table: {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        sys.exit(f"runs_table: {path}: not JSON lines ({e})")
    if not records:
        sys.exit(f"runs_table: {path}: no epochs logged yet")
    for r in records:  # a float run logs one accuracy
        r["test_accuracy_by_precision"] = r.get("test_accuracy_by_precision") or {"fp32": r["test_accuracy"]}
    return label or os.path.basename(os.path.normpath(run)), records


def widths(runs):
    keys = {k for _, records in runs for r in records for k in r["test_accuracy_by_precision"]}
    return sorted(keys, key=lambda k: -int(k.split("-")[0]) if k[0].isdigit() else 0)


def row(cells):
    return "| " + " | ".join(cells) + " |"


def accuracy(record, key):
    value = record["test_accuracy_by_precision"].get(key)
    return "—" if value is None else f"{100 * value:.2f}"


def main(argv):
    if len(argv) < 3 or argv[1] not in ("final", "epochs"):
        sys.exit(__doc__.strip())
    runs = [load(spec) for spec in argv[2:]]
    keys = widths(runs)
    if argv[1] == "final":
        print(row(["run"] + keys + ["mean", "training s", "epochs"]))
        print(row(["---"] * (len(keys) + 4)))
        for label, records in runs:
            last = records[-1]
            values = [last["test_accuracy_by_precision"][k] for k in keys if k in last["test_accuracy_by_precision"]]
            mean = 100 * sum(values) / len(values)
            seconds = sum(r["seconds"] for r in records)
            print(row([label] + [accuracy(last, k) for k in keys] + [f"{mean:.2f}", f"{seconds:.0f}", str(last["epoch"])]))
    else:
        print(row(["epoch", "run"] + keys + ["training accuracy"]))
        print(row(["---"] * (len(keys) + 3)))
        epochs = sorted({r["epoch"] for _, records in runs for r in records})
        for e in epochs:
            for label, records in runs:
                for r in records:
                    if r["epoch"] == e:
                        print(row([str(e), label] + [accuracy(r, k) for k in keys] + [f"{100 * r['train_accuracy']:.2f}"]))


if __name__ == "__main__":
    main(sys.argv)

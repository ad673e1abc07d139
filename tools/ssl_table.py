#!/usr/bin/python3
"""Tables of the self-supervised comparison from the result files tools/ssl_experiment.sh writes.

    /usr/bin/python3 tools/ssl_table.py OUT

For each evaluation (linear probe, fine-tuning), task and pretraining: macro AUROC and accuracy at
each label fraction, mean ± sd over the seeds found; then the paired differences (same seed) of
adversarial masking (adv, and variants named adv-<what>) against random masking and 3KG, the
comparison issue 7 asks about.
Files are OUT/{probe,ft}_{aug}_{seed}_{task}_{fraction}.json (scar finetune --json).
"""
import glob
import json
import os
import re
import statistics
import sys

NAME = re.compile(r"^(probe|ft)_([A-Za-z0-9-]+)_(\d+)_([a-z]+)_([0-9.]+)\.json$")
ORDER = ["none", "random", "3kg", "adv", "scratch"]


def mean_sd(values):
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def load(out):
    # results[(kind, task)][aug][fraction][seed] = (auroc, accuracy)
    results = {}
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        m = NAME.match(os.path.basename(path))
        if not m:
            continue
        kind, aug, seed, task, fraction = m.groups()
        with open(path) as f:
            r = json.load(f)
        metrics = r["metrics"]
        value = (metrics["auroc"]["macro"]["value"], metrics["accuracy"]["macro"]["value"])
        results.setdefault((kind, task), {}).setdefault(aug, {}).setdefault(fraction, {})[int(seed)] = value
    return results


def paired(a, b):
    seeds = sorted(set(a) & set(b))
    return [a[s][0] - b[s][0] for s in seeds]


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) == 2 else 2
    results = load(sys.argv[1])
    if not results:
        print(f"ssl_table: {sys.argv[1]}: no result files (probe_*/ft_*_SEED_TASK_FRACTION.json)", file=sys.stderr)
        return 1
    for (kind, task) in sorted(results, key=lambda k: (k[0] != "probe", k[1])):
        table = results[(kind, task)]
        fractions = sorted({f for aug in table.values() for f in aug}, key=float)
        base = lambda a: a.split("-")[0]  # adv-<variant> right after adv
        augs = sorted(table, key=lambda a: (ORDER.index(base(a)) if base(a) in ORDER else len(ORDER), a))
        print(f"\n{'Linear probe' if kind == 'probe' else 'Fine-tuning'}, {task} (macro AUROC / accuracy, mean ± sd over seeds)\n")
        print("| pretraining | " + " | ".join(f"{float(f):g} AUROC | {float(f):g} acc" for f in fractions) + " |")
        print("|---|" + "---|" * (2 * len(fractions)))
        for aug in augs:
            n = max(len(table[aug].get(f, {})) for f in fractions)
            cells = []
            for f in fractions:
                runs = table[aug].get(f, {})
                cells += [mean_sd([v[0] for v in runs.values()]), mean_sd([v[1] for v in runs.values()])]
            print(f"| {aug} (n={n}) | " + " | ".join(cells) + " |")
        # every adversarial variant (adv, and runs named adv-<something>) against the baselines
        for variant in [a for a in augs if a == "adv" or a.startswith("adv-")]:
            for other in ("random", "3kg"):
                if other in table:
                    diffs = [mean_sd(paired(table[variant].get(f, {}), table[other].get(f, {}))) for f in fractions]
                    print(f"\n{variant} − {other}, paired AUROC: " + ", ".join(f"{float(f):g}: {d}" for f, d in zip(fractions, diffs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Reference values for src/eval/metrics.c, computed by scikit-learn, for tests/eval/test_metrics.c.

    /usr/bin/python3 tools/make_metrics_ref.py     # writes tests/ref/metrics.json

Inputs are fixed (a seeded NumPy generator) and stored next to the expected values, so the C test
needs nothing but the JSON file. Conventions the C side documents and this script follows:
  * a metric that is undefined for a class is written as null (AUROC without positives or without
    negatives; AUPRC and F1 without positives) and left out of the macro mean;
  * the F1 threshold of a class is the validation score t maximising F1 of (score >= t) on the
    validation split, ties broken towards the highest t; +inf (null here) when validation has no
    positives; it is then applied, unchanged, to the test split;
  * accuracy of a multi-label set is the mean over classes of the per-class accuracy at those
    thresholds; of a single-label set it is top-1 (argmax, first index on ties) accuracy.
Needs Debian's python3-sklearn (scripts/deps.sh sklearn).
"""
import json
import math
import os
import sys
from fractions import Fraction

import numpy as np
from sklearn.metrics import (accuracy_score, average_precision_score, f1_score,
                             roc_auc_score)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref", "metrics.json")


def auroc(y, s):
    y = np.asarray(y)
    if y.min() == y.max():
        return None
    return float(roc_auc_score(y, s))


def auprc(y, s):
    if np.sum(y) == 0:
        return None
    return float(average_precision_score(y, s))


def best_threshold(y, s):
    """Highest validation score t maximising F1 of (s >= t); exact comparison with fractions."""
    y = np.asarray(y).astype(bool)
    s = np.asarray(s)
    if not y.any():
        return math.inf
    best_t, best_f = None, Fraction(-1)
    for t in sorted(set(s.tolist()), reverse=True):
        pred = s >= t
        tp = int(np.sum(pred & y))
        fp = int(np.sum(pred & ~y))
        fn = int(np.sum(~pred & y))
        f = Fraction(2 * tp, 2 * tp + fp + fn)
        # cross-check the exact value against scikit-learn's own F1
        assert abs(float(f) - f1_score(y, pred, zero_division=0)) < 1e-15
        if f > best_f:
            best_t, best_f = t, f
    return best_t


def f1_at(y, s, t):
    if np.sum(y) == 0:
        return None
    return float(f1_score(np.asarray(y), np.asarray(s) >= t, zero_division=0))


def acc_at(y, s, t):
    return float(accuracy_score(np.asarray(y), np.asarray(s) >= t))


def nanmean(values):
    v = [x for x in values if x is not None]
    return (sum(v) / len(v) if v else None), len(values) - len(v)


def num(x):
    """JSON number (None and infinities become null)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return float(x)


def binary_cases(rng):
    cases = []

    def add(name, s, y):
        s = [float(v) for v in s]
        y = [int(v) for v in y]
        cases.append({"name": name, "scores": s, "labels": y,
                      "auroc": num(auroc(y, s)), "auprc": num(auprc(y, s))})

    add("random", rng.random(40), rng.random(40) < 0.4)
    add("heavy_ties", rng.integers(0, 5, 60) / 4.0, rng.random(60) < 0.5)
    add("ties_across_classes", [0.5] * 6 + [0.2] * 4 + [0.9] * 3, [1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0])
    add("constant_scores", [0.3] * 20, rng.random(20) < 0.3)
    add("no_positives", rng.random(15), [0] * 15)
    add("all_positive", rng.random(12), [1] * 12)
    add("perfect", [0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [0, 0, 0, 1, 1, 1])
    add("inverted", [0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [1, 1, 1, 0, 0, 0])
    y = np.zeros(30, dtype=int)
    y[17] = 1
    add("single_positive", rng.normal(size=30), y)
    add("one_sample_positive", [0.4], [1])
    # signed zeros compare equal and must fall into one tie group; wide range of logits
    add("logits_signed_zero", [-0.0, 0.0, 0.0, -0.0, -750.0, 1e3, -3.5, 2.25, -0.0, 1e-300],
        [1, 0, 1, 0, 0, 1, 0, 1, 0, 0])
    s = np.round(rng.normal(size=500) + 0.8 * (y500 := rng.random(500) < 0.3), 1)
    add("larger_rounded", s, y500)
    return cases


def threshold_cases(rng):
    cases = []

    def add(name, vs, vy, ts, ty):
        vs = [float(v) for v in vs]
        vy = [int(v) for v in vy]
        ts = [float(v) for v in ts]
        ty = [int(v) for v in ty]
        t = best_threshold(vy, vs)
        cases.append({"name": name, "val_scores": vs, "val_labels": vy, "test_scores": ts,
                      "test_labels": ty, "threshold": num(t), "f1": num(f1_at(ty, ts, t)),
                      "accuracy": acc_at(ty, ts, t)})

    vy = rng.random(50) < 0.4
    ty = rng.random(70) < 0.4
    add("random", rng.normal(size=50) + vy, vy, rng.normal(size=70) + ty, ty)
    vy = rng.random(40) < 0.5
    ty = rng.random(40) < 0.5
    add("heavy_ties", rng.integers(0, 3, 40) + vy, vy, rng.integers(0, 3, 40) + ty, ty)
    add("constant_val", [0.2] * 10, [0, 1] * 5, [0.1, 0.2, 0.3, 0.2], [0, 1, 1, 0])
    add("no_val_positives", [0.1, 0.5, 0.9], [0, 0, 0], [0.1, 0.95, 2.0], [0, 1, 1])
    add("no_test_positives", [0.1, 0.5, 0.9, 0.3], [0, 1, 1, 0], [0.1, 0.95, 0.2], [0, 0, 0])
    # F1 equal at two thresholds (0.8: tp=1, fp=0, fn=1 -> 2/3; 0.4: tp=2, fp=2 -> 2/3): keep 0.8
    add("f1_tie", [0.8, 0.6, 0.5, 0.4, 0.1], [1, 0, 0, 1, 0], [0.9, 0.7, 0.45], [1, 0, 1])
    return cases


def matrix_case(rng, name, n_val, n_test, C, single_label):
    def labels(n):
        if single_label:
            y = np.zeros((n, C), dtype=int)
            y[np.arange(n), rng.integers(0, C, n)] = 1
            return y
        y = (rng.random((n, C)) < rng.uniform(0.15, 0.5, C)).astype(int)
        return y

    def scores(y):
        s = rng.normal(size=y.shape) + 1.2 * y
        s[:, -1] = np.round(s[:, -1])                 # heavy ties in the last class
        return np.round(s, 3)                          # ties across rows, also for argmax

    vy, ty = labels(n_val), labels(n_test)
    if not single_label:
        ty[:, 1] = 0                                   # a class without positives on test
        vy[:, 2] = 0                                   # a class without positives on validation
    vs, ts = scores(vy), scores(ty)
    if not single_label:
        ts[:, 3] = 0.25                                # a class with constant test scores
    per = {"auroc": [], "auprc": [], "f1": [], "accuracy": []}
    thresholds = []
    for c in range(C):
        t = best_threshold(vy[:, c], vs[:, c])
        thresholds.append(num(t))
        per["auroc"].append(auroc(ty[:, c], ts[:, c]))
        per["auprc"].append(auprc(ty[:, c], ts[:, c]))
        per["f1"].append(f1_at(ty[:, c], ts[:, c], t))
        per["accuracy"].append(acc_at(ty[:, c], ts[:, c], t))
    macro = {}
    for k, v in per.items():
        m, n_undef = nanmean(v)
        macro[k] = {"value": num(m), "n_undefined": n_undef}
    if single_label:
        acc = float(accuracy_score(ty.argmax(1), ts.argmax(1)))
        macro["accuracy"] = {"value": acc, "n_undefined": 0}
        assert abs(macro["auroc"]["value"] - roc_auc_score(ty, ts, average="macro")) < 1e-15
    return {"name": name, "n_classes": C, "single_label": single_label,
            "val_scores": vs.ravel().tolist(), "val_labels": vy.ravel().tolist(), "n_val": n_val,
            "test_scores": ts.ravel().tolist(), "test_labels": ty.ravel().tolist(), "n_test": n_test,
            "thresholds": thresholds,
            "per_class": {k: [num(x) for x in v] for k, v in per.items()}, "macro": macro}


def main():
    rng = np.random.default_rng(20240501)
    ref = {
        "generator": "tools/make_metrics_ref.py",
        "sklearn": __import__("sklearn").__version__,
        "binary": binary_cases(rng),
        "threshold": threshold_cases(rng),
        "matrix": [matrix_case(rng, "multi_label", 80, 100, 6, False),
                   matrix_case(rng, "single_label", 60, 90, 4, True)],
    }
    with open(OUT, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()

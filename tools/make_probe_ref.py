#!/usr/bin/python3
"""Reference linear probe by scikit-learn, for tests/eval/test_linear_probe.c.

    /usr/bin/python3 tools/make_probe_ref.py     # writes tests/ref/linear_probe.json

A small fixed problem (float32 features with very different scales and offsets and one constant
feature, three multi-label classes, train/validation/test rows). For each class and each C of a
grid: StandardScaler fitted on the training rows, then LogisticRegression(penalty="l2", C,
solver="lbfgs") driven to a tight tolerance, one-vs-rest; written: its coefficients (on the
standardised features), intercepts, test probabilities, the same coefficients by the newton-cg
solver (which reaches the optimum more tightly than lbfgs's stopping rule allows), the validation macro AUROC per C and the C
with the best one (ties: the smaller C), i.e. what scar's probe at label fraction 1 must reproduce.
Needs Debian's python3-sklearn (scripts/deps.sh sklearn).
"""
import json
import os
import sys
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref", "linear_probe.json")
GRID = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0]
N = {"train": 200, "val": 100, "test": 100}
D, C = 6, 3


def short(v):
    """12 significant digits: far below the 1e-4 the test asks for, and a smaller file."""
    return float(f"{v:.12g}")


def main():
    rng = np.random.default_rng(7)
    n = sum(N.values())
    latent = rng.normal(size=(n, D))
    latent[:, 1] += 0.6 * latent[:, 0]                       # correlated features
    x = latent * np.array([1e-3, 1.0, 50.0, 0.2, 3.0, 1.0]) + np.array([5.0, -2.0, 100.0, 0.0, 1.0, 0.0])
    x[:, 5] = 0.75                                           # a constant feature
    x = x.astype(np.float32)
    # written as the shortest text that reads back as the same float32, also when the reader
    # parses it as a double first and then rounds to float (as the C test does)
    x_text = [float(np.format_float_positional(v, unique=True)) for v in x.ravel()]
    assert all(np.float32(t) == v for t, v in zip(x_text, x.ravel()))
    beta = rng.normal(size=(D - 1, C)) * 1.5
    logits = latent[:, : D - 1] @ beta + rng.normal(size=(n, C)) * 1.0 + np.array([-0.5, 0.3, -1.5])
    y = (logits > 0).astype(np.uint8)
    split = np.array([0] * N["train"] + [1] * N["val"] + [2] * N["test"])
    tr, va, te = split == 0, split == 1, split == 2
    assert all(0 < y[tr, c].sum() < tr.sum() for c in range(C))

    scaler = StandardScaler().fit(x[tr].astype(np.float64))
    xs = scaler.transform(x.astype(np.float64))
    fits = []
    for c_reg in GRID:
        coef, intercept, prob_test, val_scores, exact = [], [], [], [], []
        for c in range(C):
            lr = LogisticRegression(C=c_reg, solver="lbfgs", tol=1e-12, max_iter=100000).fit(xs[tr], y[tr, c])
            coef.append([short(v) for v in lr.coef_[0]])
            intercept.append(short(lr.intercept_[0]))
            # lbfgs stops on a relative decrease of the objective (ftol = 64 eps) and lands up to
            # ~1e-5 from the optimum; newton-cg reaches it to ~1e-8, a tighter second witness
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ncg = LogisticRegression(C=c_reg, solver="newton-cg", tol=1e-10, max_iter=1000).fit(xs[tr], y[tr, c])
            exact.append([short(v) for v in ncg.coef_[0]] + [short(ncg.intercept_[0])])
            prob_test.append([short(v) for v in lr.predict_proba(xs[te])[:, 1]])
            val_scores.append(lr.decision_function(xs[va]))
        val_auroc = float(np.mean([roc_auc_score(y[va, c], val_scores[c]) for c in range(C)]))
        fits.append({"C": c_reg, "coef": coef, "intercept": intercept, "coef_intercept_newton_cg": exact,
                     "prob_test": np.array(prob_test).T.ravel().tolist(), "val_macro_auroc": val_auroc})
    aurocs = [f["val_macro_auroc"] for f in fits]
    chosen = GRID[int(np.argmax(aurocs))]                    # argmax keeps the first: the smaller C
    ref = {
        "generator": "tools/make_probe_ref.py",
        "sklearn": __import__("sklearn").__version__,
        "n": n, "d": D, "n_classes": C,
        "features": x_text,
        "labels": y.ravel().tolist(),
        "split": split.tolist(),
        "mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(),
        "fits": fits, "chosen_C": chosen,
    }
    with open(OUT, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes); val macro AUROC {aurocs}, "
          f"chosen C {chosen}", file=sys.stderr)


if __name__ == "__main__":
    main()

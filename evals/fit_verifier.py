"""Fit the offline verifier on the shared dev data, with cross-validation, and store its
weights as data (src/citebrief/data/verifier.json) with a report of how it was fitted.

    python evals/fit_verifier.py            # features are cached under evals/.cache/

Only ../shared/data/attribution/attributionbench-dev.jsonl and expertqa-rand-val.jsonl are
used. Model: logistic regression (class-balanced) over citebrief.verify.FEATURES, standardised.
Reported: 5-fold stratified cross-validation (folds shuffled with a fixed seed), balanced
accuracy overall and per data set; the decision threshold is the one that maximises balanced
accuracy inside the training folds, applied to the held-out fold.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from citebrief.embeddings import LocalEmbeddings
from citebrief.evaldata import Example, read_dataset
from citebrief.metrics import agreement
from citebrief.verify import FEATURES, verifier_features

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "attribution"
FILES = ("attributionbench-dev.jsonl", "expertqa-rand-val.jsonl")
CACHE = ROOT / "evals" / ".cache"
MODEL = ROOT / "src" / "citebrief" / "data" / "verifier.json"
REPORT = ROOT / "evals" / "results" / "verifier-fit.md"
SEED = 20261125


def load() -> list[Example]:
    return [e for name in FILES for e in read_dataset(DATA / name)]


def featurise(examples: list[Example]) -> np.ndarray:
    CACHE.mkdir(parents=True, exist_ok=True)
    cache = CACHE / f"features-{len(FEATURES)}-{len(examples)}.npy"
    if cache.exists():
        return np.load(cache)
    embeddings = LocalEmbeddings(batch_size=16)
    embeddings.embed_query("warm up")
    started = time.perf_counter()
    rows = []
    for i, example in enumerate(examples):
        rows.append(verifier_features(embeddings, example.passages, example.claim))
        if i % 200 == 0:
            print(f"  features {i}/{len(examples)}", file=sys.stderr)
    print(
        f"  {1000 * (time.perf_counter() - started) / len(examples):.1f} ms per claim",
        file=sys.stderr,
    )
    matrix = np.asarray(rows, dtype=np.float64)
    np.save(cache, matrix)
    return matrix


def fit(x: np.ndarray, y: np.ndarray) -> tuple[LogisticRegression, np.ndarray, np.ndarray, float]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(class_weight="balanced", C=1.0, max_iter=2000)
    model.fit((x - mean) / scale, y)
    p = model.predict_proba((x - mean) / scale)[:, 1]
    threshold = max(
        np.linspace(0.2, 0.8, 61), key=lambda t: agreement(list(p >= t), list(y)).balanced_accuracy
    )
    return model, mean, scale, float(threshold)


def main() -> None:
    examples = load()
    x = featurise(examples)
    y = np.array([e.supported for e in examples])
    sources = np.array([e.source.split("/")[0] for e in examples])
    predicted = np.zeros(len(y), dtype=bool)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, y):
        model, mean, scale, threshold = fit(x[train], y[train])
        p = model.predict_proba((x[test] - mean) / scale)[:, 1]
        predicted[test] = p >= threshold
    lines = [
        "# How the offline verifier was fitted",
        "",
        f"Fitted {datetime.now(UTC).date().isoformat()} by `evals/fit_verifier.py` on "
        f"{len(y)} labelled claims ({', '.join(FILES)}).",
        "Logistic regression (class-balanced, C=1) over standardised features: "
        + ", ".join(FEATURES)
        + ".",
        "",
        "5-fold stratified cross-validation (threshold chosen inside the training folds):",
        "",
        "| data | claims | balanced accuracy | macro-F1 | Cohen's kappa |",
        "|---|---|---|---|---|",
    ]
    for name in ("all", "attributionbench", "expertqa"):
        mask = np.ones(len(y), bool) if name == "all" else sources == name
        a = agreement(list(predicted[mask]), list(y[mask]))
        lines.append(
            f"| {name} | {mask.sum()} | {a.balanced_accuracy:.3f} | {a.macro_f1:.3f} | "
            f"{a.kappa:.3f} |"
        )
    model, mean, scale, threshold = fit(x, y)
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    MODEL.write_text(
        json.dumps(
            {
                "features": list(FEATURES),
                "mean": mean.tolist(),
                "scale": scale.tolist(),
                "weights": model.coef_[0].tolist(),
                "bias": float(model.intercept_[0]),
                "threshold": threshold,
                "partial_margin": 0.15,
                "fitted_on": list(FILES),
                "claims": len(y),
            },
            indent=2,
        )
        + "\n"
    )
    weights = ", ".join(f"{f} {w:+.2f}" for f, w in zip(FEATURES, model.coef_[0], strict=True))
    lines += [
        "",
        f"Final model fitted on all claims; threshold {threshold:.2f}.",
        f"Weights (standardised features): {weights}.",
        "",
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

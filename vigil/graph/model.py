"""The learning hook: refit the scorer from reviewer decisions, as a small inspectable model.

Reviewers' decisions (platform, account_id, role) are joined with the features the graph stage
wrote (`graph_features`), and a multinomial logistic regression is fitted on standardised
features. The model is saved as JSON coefficients, never a pickle, so it can be read, diffed and
audited; every score it gives comes with the per-feature contributions (coefficient x
standardised value) that pushed the account into its role.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa

from vigil import schemas
from vigil.workspace import Workspace

MODEL_FILE = "graph_model.json"
MODEL_ENV = "VIGIL_GRAPH_MODEL"
# Moderate regularisation: a few hundred reviewer labels must not produce wild coefficients,
# yet a reviewer's clear overrule of a rule must be learnable.
REGULARISATION_C = 10.0
# Contributions shown in the reasons.
TOP_CONTRIBUTIONS = 3


def read_labels(labels) -> pa.Table:
    """Labels from a table, a CSV path (header platform,account_id,role) or a list of dicts."""
    if isinstance(labels, pa.Table):
        t = labels
    elif isinstance(labels, (str, Path)):
        path = Path(labels)
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        for i, r in enumerate(rows, start=2):
            for col in ("platform", "account_id", "role"):
                if not r.get(col):
                    raise ValueError(f"{path}:{i}: missing field '{col}'")
        t = pa.Table.from_pylist([{k: r[k] for k in ("platform", "account_id", "role")} for r in rows])
    else:
        t = pa.Table.from_pylist(list(labels))
    bad = set(t["role"].to_pylist()) - set(schemas.ROLES)
    if bad:
        raise ValueError(f"labels: unknown role(s) {sorted(bad)}; expected one of {schemas.ROLES}")
    return t.select(["platform", "account_id", "role"])


def refit(ws_or_features, labels) -> dict:
    """Fit the scorer on reviewer labels; returns the JSON-able model."""
    from sklearn.linear_model import LogisticRegression

    feats = ws_or_features.read("graph_features") if isinstance(ws_or_features, Workspace) else ws_or_features
    lab = read_labels(labels)
    names = [c for c in feats.column_names if c not in ("platform", "account_id", "rule_role")]
    key = {(p, a): i for i, (p, a) in enumerate(zip(feats["platform"].to_pylist(), feats["account_id"].to_pylist()))}
    rows, y = [], []
    for p, a, r in zip(lab["platform"].to_pylist(), lab["account_id"].to_pylist(), lab["role"].to_pylist()):
        i = key.get((p, a))
        if i is not None:
            rows.append(i)
            y.append(r)
    if len(set(y)) < 2:
        raise ValueError(f"refit needs labels of at least two roles among scored accounts; got {sorted(set(y))}")
    x = np.column_stack([feats[c].to_numpy(zero_copy_only=False)[rows] for c in names]).astype(float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=2000)
    clf.fit((x - mean) / scale, np.asarray(y))
    classes = [str(c) for c in clf.classes_]
    coef, intercept = clf.coef_, clf.intercept_
    if len(classes) == 2:  # sklearn keeps one row for two classes: expand to one per class
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return {
        "kind": "logistic", "version": 1, "features": names, "classes": classes,
        "mean": mean.round(8).tolist(), "scale": scale.round(8).tolist(),
        "coef": np.round(coef, 8).tolist(), "intercept": np.round(intercept, 8).tolist(),
        "n_labels": len(y), "label_counts": {c: y.count(c) for c in classes},
    }


def save_model(model: dict, path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(model, indent=1), encoding="utf-8")
    return path


def load_model(ws: Workspace | None = None, path=None, *, environ: bool = True) -> dict | None:
    """The model in force: an explicit path, $VIGIL_GRAPH_MODEL (entry points only: `environ`),
    or the workspace's copy."""
    env = os.environ.get(MODEL_ENV) if environ else None
    for cand in (path, env, ws.root / MODEL_FILE if ws is not None else None):
        if cand and Path(cand).exists():
            model = json.loads(Path(cand).read_text(encoding="utf-8"))
            _validate(model, cand)
            return model
    return None


def _validate(model: dict, where) -> None:
    need = ("features", "classes", "mean", "scale", "coef", "intercept")
    missing = [k for k in need if k not in model]
    if missing:
        raise ValueError(f"{where}: graph model lacks {missing}")
    k, f = len(model["classes"]), len(model["features"])
    if np.asarray(model["coef"]).shape != (k, f):
        raise ValueError(f"{where}: coef shape {np.asarray(model['coef']).shape} != ({k}, {f})")


def predict(model: dict, features: dict[str, np.ndarray]):
    """Class probabilities and per-feature contributions (n x classes x features)."""
    m = len(next(iter(features.values())))
    x = np.column_stack([features.get(f, np.zeros(m)) for f in model["features"]]).astype(float)
    z = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    coef = np.asarray(model["coef"])
    contrib = z[:, None, :] * coef[None, :, :]
    logits = contrib.sum(axis=2) + np.asarray(model["intercept"])[None, :]
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    return p, contrib


def apply_model(model: dict, res) -> None:
    """Replace the rule roles/scores with the model's, keeping the rule reasons as evidence."""
    classes = list(model["classes"])
    p, contrib = predict(model, res.features)
    best = p.argmax(axis=1)
    res.rule_role = res.role.copy()
    res.role = np.asarray([classes[b] for b in best], dtype=object)
    none_i = classes.index("none") if "none" in classes else None
    res.score = 1.0 - p[:, none_i] if none_i is not None else p.max(axis=1)
    names = model["features"]
    for i in range(len(res.role)):
        c = contrib[i, best[i]]
        top = np.argsort(-c)[:TOP_CONTRIBUTIONS]
        parts = [f"{names[j]} {c[j]:+.2f}" for j in top if c[j] > 0]
        head = f"model: {res.role[i]} p={p[i, best[i]]:.2f}" + (f" ({', '.join(parts)})" if parts else "")
        res.reasons[i] = head + (f"; {res.reasons[i]}" if res.reasons[i] else "")

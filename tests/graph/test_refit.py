"""The learning hook: reviewer labels refit an inspectable model that reproduces them."""

from __future__ import annotations

import json

import pytest

from tests.graph import world
from vigil.graph import load_model, refit, run_graph, save_model
from vigil.workspace import Workspace


@pytest.fixture()
def ws(tmp_path):
    ws = world.build(Workspace(tmp_path / "ws"))
    run_graph(ws)
    return ws


def labels_csv(path, rows):
    path.write_text("platform,account_id,role\n" + "".join(f"{world.P},{a},{r}\n" for a, r in rows), "utf-8")
    return path


def test_refit_reproduces_reviewer_labels_with_contributions(ws, tmp_path):
    scored = {r["account_id"] for r in ws.read("scores").to_pylist()}
    labels = [(a, r) for a, r in world.EXPECTED.items() if a in scored]
    model = refit(ws, labels_csv(tmp_path / "labels.csv", labels))
    assert model["kind"] == "logistic" and set(model["classes"]) == {"seller", "buyer", "facilitator", "none"}
    path = save_model(model, tmp_path / "model.json")
    loaded = json.loads(path.read_text())  # plain JSON coefficients, no pickle
    assert len(loaded["coef"]) == 4 and len(loaded["coef"][0]) == len(loaded["features"])
    run_graph(ws, model=load_model(path=path))
    rows = {r["account_id"]: r for r in ws.read("scores").to_pylist()}
    wrong = {a: rows[a]["role"] for a, r in labels if rows[a]["role"] != r}
    assert not wrong
    assert rows["b1"]["reasons"].startswith("model: buyer p=")
    assert "follows 3 flagged sellers" in rows["b1"]["reasons"]  # the rule evidence stays
    assert 0.5 < rows["s1"]["score"] <= 1.0 and rows["n1"]["score"] < 0.5


def test_a_reviewer_overrule_moves_the_model(ws, tmp_path):
    """Reviewers say advocates who follow sellers are buyers here: the model learns it."""
    labels = [(a, r) for a, r in world.EXPECTED.items()]
    labels = [(a, "buyer" if a == "adv" else r) for a, r in labels]
    model = refit(ws, labels_csv(tmp_path / "l.csv", labels))
    run_graph(ws, model=model)
    rows = {r["account_id"]: r for r in ws.read("scores").to_pylist()}
    assert rows["adv"]["role"] == "buyer"


def test_bad_labels_are_refused_with_file_and_line(ws, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("platform,account_id,role\npg,b1,buyer\npg,,seller\n", "utf-8")
    with pytest.raises(ValueError, match="bad.csv:3"):
        refit(ws, p)
    with pytest.raises(ValueError, match="unknown role"):
        refit(ws, [{"platform": "pg", "account_id": "b1", "role": "pimp"}])
    with pytest.raises(ValueError, match="two roles"):
        refit(ws, [{"platform": "pg", "account_id": "b1", "role": "buyer"}])


def test_model_in_workspace_is_used_by_default(ws, tmp_path):
    model = refit(ws, [{"platform": world.P, "account_id": a, "role": r} for a, r in world.EXPECTED.items()])
    save_model(model, ws.root / "graph_model.json")
    stats = run_graph(ws)
    assert stats["model"] == "logistic"

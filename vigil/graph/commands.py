"""`vigil refit` (reviewer labels -> a JSON scorer) and `vigil rescore` (the graph stage again)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from vigil.progress import console


def _workspace(path: Path):
    from vigil.workspace import Workspace

    root = path / "workspace" if (path / "workspace").is_dir() else path
    if not (root / "graph_features.parquet").exists() and not (root / "edges.parquet").exists():
        raise typer.BadParameter(f"{path}: not a results folder or workspace of a run")
    return Workspace(root)


def register(app: typer.Typer) -> None:
    @app.command("refit")
    def refit_cmd(
        run: Path = typer.Argument(..., exists=True, file_okay=False, help="Results folder (or its workspace)."),
        labels: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV platform,account_id,role."),
        out: Optional[Path] = typer.Option(None, "--out", help="Model JSON (default: the run's workspace)."),
    ) -> None:
        """Refit the graph scorer from reviewer decisions; save it as JSON coefficients."""
        from vigil.graph.model import MODEL_FILE, refit, save_model

        ws = _workspace(run)
        model = refit(ws, labels)
        path = save_model(model, out or ws.root / MODEL_FILE)
        console.print(f"model from {model['n_labels']} labels {model['label_counts']} -> {path}")
        t = Table(title="strongest features per role (coefficient on the standardised feature)")
        t.add_column("role")
        t.add_column("features")
        for cls, coef in zip(model["classes"], model["coef"]):
            top = sorted(zip(model["features"], coef), key=lambda fc: -abs(fc[1]))[:5]
            t.add_row(cls, ", ".join(f"{f} {c:+.2f}" for f, c in top))
        console.print(t)

    @app.command("rescore")
    def rescore_cmd(
        run: Path = typer.Argument(..., exists=True, file_okay=False, help="Results folder (or its workspace)."),
        model: Optional[Path] = typer.Option(None, "--model", exists=True, dir_okay=False,
                                             help="Refitted model JSON (default: the workspace's, if any)."),
        score_all: bool = typer.Option(False, "--score-all", help="Score every account, not only the crawl."),
        max_nodes: Optional[int] = typer.Option(None, "--max-nodes", min=1, help="Crawl budget (accounts)."),
    ) -> None:
        """Run the graph stage again on a finished run (after a refit, or with another budget)."""
        from vigil import pipeline
        from vigil.graph import run_graph
        from vigil.graph.expand import DEFAULT_MAX_NODES
        from vigil.graph.model import load_model

        ws = _workspace(run)
        stats = run_graph(ws, score_all=score_all, max_nodes=max_nodes or DEFAULT_MAX_NODES,
                          model=load_model(ws, model))
        if (ws.root.parent / "accounts.csv").exists():
            pipeline.write_contract_files(ws, ws.root.parent)
        console.print(stats)

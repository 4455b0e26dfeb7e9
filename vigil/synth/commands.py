"""`vigil generate` (a synthetic world) and `vigil eval` (results against a world's truth)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from vigil.progress import bars, console


def _fmt(v) -> str:
    if isinstance(v, float):
        return "inf" if v == float("inf") else f"{v:.3f}"
    return str(v)


def print_evaluation(metrics: dict, title: str) -> None:
    from vigil.evaluate import BARS, check_bars

    s = metrics["summary"]
    ok = check_bars(s)
    t = Table(title=title)
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("bar", justify="right")
    t.add_column("", justify="center")
    for key, value in s.items():
        bar = BARS.get(key)
        mark = "" if bar is None else ("[green]ok[/]" if ok[key] else "[red]miss[/]")
        t.add_row(key, _fmt(value), "" if bar is None else f"{bar[0]} {bar[1]}", mark)
    console.print(t)

    r = Table(title="roles")
    for c in ("role", "precision", "recall", "f1", "tp", "fp", "fn"):
        r.add_column(c, justify="right" if c != "role" else "left")
    for role in ("seller", "buyer", "facilitator", "any"):
        m = metrics["roles"][role]
        r.add_row(role, *(_fmt(m[c]) for c in ("precision", "recall", "f1", "tp", "fp", "fn")))
    console.print(r)

    d = Table(title="false positives per decoy kind")
    for c in ("kind", "n", "flagged", "rate"):
        d.add_column(c, justify="right" if c != "kind" else "left")
    for kind, m in metrics["decoys"].items():
        d.add_row(kind, str(m["n"]), str(m["flagged"]), _fmt(m["rate"]))
    console.print(d)

    if metrics["audit"].get("surfaces"):
        a = Table(title="audit lift per surface")
        for c in ("surface", "truth lift", "lift", "rel. error"):
            a.add_column(c, justify="right" if c != "surface" else "left")
        for name, m in metrics["audit"]["surfaces"].items():
            a.add_row(name, _fmt(m["truth_lift"]), _fmt(m["lift"]), _fmt(m["rel_error"]))
        console.print(a)


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_cmd(
        results: Path = typer.Argument(..., exists=True, file_okay=False, help="Results folder of a run."),
        truth: Path = typer.Option(..., "--truth", exists=True, file_okay=False, help="Truth folder of the world."),
        json_out: Optional[Path] = typer.Option(None, "--json", help="Also write every metric to this file."),
    ) -> None:
        """Score a results folder against the truth of a synthetic world."""
        from vigil.evaluate import evaluate

        metrics = evaluate(results, truth)
        print_evaluation(metrics, f"{results} vs {truth}")
        if json_out:
            json_out.write_text(json.dumps(metrics, indent=1, default=str), encoding="utf-8")

    @app.command("generate")
    def generate_cmd(
        out_dir: Path = typer.Argument(..., help="Folder for the world (export/, truth/, lexicon, hash bank, seeds)."),
        accounts: int = typer.Option(6000, "--accounts", min=200, help="Accounts on the main platform."),
        seed: int = typer.Option(7, "--seed", help="Random seed; different seeds give differently built worlds."),
        images: bool = typer.Option(True, "--images/--no-images", help="Draw abstract profile pictures."),
        preset: str = typer.Option("default", "--preset", help="default, or hard: a network that hides better, "
                                   "decoys that look more like it, a partial export."),
        real_platform_names: bool = typer.Option(False, "--real-platform-names",
                                                 help="Write the same world as instagram/twitter/linkedin with "
                                                 "their real URL and mention forms."),
        progress: bool = typer.Option(True, "--progress/--no-progress"),
    ) -> None:
        """Write a synthetic world (invented words, abstract images) and its truth."""
        from vigil.synth import generate_world

        t0 = time.perf_counter()
        with bars(progress):
            w = generate_world(out_dir, accounts=accounts, seed=seed, images=images, preset=preset,
                               real_platform_names=real_platform_names)
        console.print(f"world in {out_dir} ({time.perf_counter() - t0:.1f} s)")
        console.print(f"  export:   {w.export_dir}\n  lexicon:  {w.lexicon}\n  hashbank: {w.hashbank}\n"
                      f"  seeds:    {w.seeds}\n  truth:    {w.truth_dir}")

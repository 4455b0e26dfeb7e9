"""`vigil watch`: batch parity from empty state, crash/resume without lost or repeated alerts,
the websocket path against the stand-in with dropped connections, and the Jetstream mapping."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from vigil.importers import jetstream as js
from vigil.watch.engine import current_roles

ROOT = Path(__file__).resolve().parents[2]
BATCH = "6000"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from typer.testing import CliRunner

    from vigil.cli import app
    from vigil.synth import generate_world
    from vigil.watch.replay import write_jsonl

    root = tmp_path_factory.mktemp("watch")
    w = generate_world(root / "world", accounts=400, seed=23, images=False)
    res = CliRunner().invoke(app, ["investigate", str(w.export_dir), "--lexicon", str(w.lexicon), "--hashes",
                                   str(w.hashbank), "--seeds", str(w.seeds), "--out", str(root / "batch"), "--no-progress"])
    assert res.exit_code == 0, res.output
    stream = root / "stream.jsonl"
    write_jsonl(w.export_dir, stream)
    return w, root / "batch", stream, root


def _watch_args(w, source: str, state: Path, alerts: Path) -> list[str]:
    return ["watch", "--source", source, "--lexicon", str(w.lexicon), "--hashes", str(w.hashbank),
            "--seeds", str(w.seeds), "--state", str(state), "--alerts", str(alerts), "--batch-events", BATCH]


def _alerts(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _batch_sellers(batch: Path) -> set:
    return {(r["platform"], r["account_id"]) for r in csv.DictReader(open(batch / "accounts.csv")) if r["role"] == "seller"}


@pytest.fixture(scope="module")
def uninterrupted(world):
    from typer.testing import CliRunner

    from vigil.cli import app

    w, batch, stream, root = world
    alerts = root / "alerts-full.jsonl"
    res = CliRunner().invoke(app, _watch_args(w, f"jsonl:{stream}", root / "state-full", alerts))
    assert res.exit_code == 0, res.output + repr(res.exception)
    return alerts


def test_replay_from_empty_state_alerts_the_sellers_a_batch_run_finds(world, uninterrupted):
    w, batch, stream, root = world
    alerts = _alerts(uninterrupted)
    assert {"platform", "account_id", "role", "score", "reasons", "at"} <= set(alerts[0])
    alerted = {k for k, role in current_roles(alerts).items() if role == "seller"}
    sellers = _batch_sellers(batch)
    assert sellers
    coverage = len(alerted & sellers) / len(sellers)
    precision = len(alerted & sellers) / len(alerted)
    print(f"coverage {coverage:.3f} precision {precision:.3f} ({len(alerted)} alerted, {len(sellers)} batch sellers)")
    assert coverage >= 0.9 and precision >= 0.9
    assert len({a["id"] for a in alerts}) == len(alerts)


def test_killed_mid_stream_and_resumed_loses_and_repeats_no_alert(world, uninterrupted):
    w, batch, stream, root = world
    state, alerts = root / "state-crash", root / "alerts-crash.jsonl"
    cmd = [sys.executable, "-m", "vigil.cli", *_watch_args(w, f"jsonl:{stream}", state, alerts)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not (state / "cursor.json").exists() and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    time.sleep(0.5)  # into the next stretch of the stream, before its checkpoint
    assert p.poll() is None, "the watcher finished before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait()
    cursor = json.loads((state / "cursor.json").read_text())
    assert 0 < cursor["events"] < sum(1 for _ in open(stream))
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    got = _alerts(alerts)
    ids = [a["id"] for a in got]
    assert len(ids) == len(set(ids)), "an alert was written twice"
    assert set(ids) == {a["id"] for a in _alerts(uninterrupted)}, "resumed run lost or invented alerts"


def test_websocket_path_with_dropped_connections_consumes_every_event_once(world, tmp_path):
    from vigil.watch.engine import Watcher, WatchOptions
    from vigil.watch.sources import run_websocket
    from vigil.watch.standin import build_events, serve

    w, batch, stream, root = world
    events = build_events(w.export_dir)
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    posts = sum(1 for e in events if f'"{js.POST}"' in e)
    loop = asyncio.new_event_loop()
    ready, stop = asyncio.Event(), None

    def run_server():
        nonlocal stop
        asyncio.set_event_loop(loop)
        stop = asyncio.Event()
        loop.run_until_complete(serve(events, "127.0.0.1", port, drop_every=997, ready=ready, stop=stop))

    t = threading.Thread(target=run_server, daemon=True)
    t.start()
    for _ in range(200):
        if ready.is_set():
            break
        time.sleep(0.05)
    try:
        watcher = Watcher(WatchOptions(state=tmp_path / "state", alerts=tmp_path / "alerts.jsonl", lexicon=w.lexicon,
                                       hashes=[w.hashbank], seeds=w.seeds, batch_events=10**9, platform="p"))
        run_websocket(watcher, f"ws://127.0.0.1:{port}/subscribe", until_idle=3.0, max_backoff=0.5)
    finally:
        loop.call_soon_threadsafe(stop.set)
        t.join(10)
    assert watcher.events == len(events), "events lost or repeated across reconnects"
    post_rows = sum(1 for _ in open(tmp_path / "state" / "tables" / "posts.jsonl"))
    assert post_rows == posts
    alerts = _alerts(tmp_path / "alerts.jsonl")
    assert any(a["role"] == "seller" for a in alerts)
    assert len({a["id"] for a in alerts}) == len(alerts)


def test_mapping_round_trips_contract_records():
    acc = {"platform": "p", "account_id": "did:plc:a", "handle": "a.test", "display_name": "A", "bio": "hi",
           "created_at": "2025-01-01T00:00:00Z", "links": ["https://x.test"]}
    post = {"platform": "p", "post_id": "3k1", "account_id": "did:plc:a", "created_at": "2025-01-02T00:00:00Z",
            "text": "hello #x", "hashtags": ["x"], "kind": "comment", "reply_to": "3k0",
            "media": [{"media_id": "m1", "pdq": "f" * 64}]}
    edges = [{"platform": "p", "src": "did:plc:a", "dst": "did:plc:b", "kind": k, "created_at": "2025-01-03T00:00:00Z"}
             for k in ("follow", "like", "repost", "message")]
    got = []
    for table, r in [("accounts", acc), ("posts", post)] + [("edges", e) for e in edges]:
        for ev in js.record_to_events(table, r):
            got += js.event_to_records(json.loads(json.dumps(ev)), "p")
    merged = {}
    for t, r in got:
        if t == "accounts":
            merged.update(r)
    assert merged == acc
    assert ("posts", post) in got
    assert [r for t, r in got if t == "edges"] == edges


@pytest.mark.parametrize("event, reason", [
    ({"kind": "commit", "time_us": 1}, "no did"),
    ({"did": "d", "kind": "commit"}, "time_us"),
    ({"did": "d", "time_us": 1, "kind": "sync"}, "unknown event kind"),
    ({"did": "d", "time_us": 1, "kind": "commit", "commit": {"operation": "delete", "collection": js.POST, "rkey": "r"}}, "delete"),
    ({"did": "d", "time_us": 1, "kind": "commit", "commit": {"operation": "create", "collection": js.LIKE, "rkey": "r",
                                                             "record": {"subject": {"uri": "https://no"}}}}, "at://"),
    ({"did": "d", "time_us": 1, "kind": "commit", "commit": {"operation": "create", "collection": "app.bsky.x", "rkey": "r",
                                                             "record": {}}}, "not read"),
])
def test_bad_events_are_refused_with_a_reason(event, reason):
    with pytest.raises(ValueError, match=reason):
        js.event_to_records(event, "p")


def test_from_previous_results_bad_lines_and_cases(world, tmp_path):
    """Findings of --from are not new; bad lines are rejected with a reason; alerts become cases."""
    from sqlalchemy import select

    from vigil.cases.db import open_db
    from vigil.cases.models import Case
    from vigil.watch.engine import Watcher, WatchOptions
    from vigil.watch.sources import run_jsonl

    w, batch, stream, root = world
    src = tmp_path / "stream.jsonl"
    src.write_text(stream.read_text() + '{"table": "nope", "platform": "p"}\nnot json\n{"table": "posts"}\n')
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    watcher = Watcher(WatchOptions(state=tmp_path / "state", alerts=tmp_path / "alerts.jsonl", lexicon=w.lexicon,
                                   hashes=[w.hashbank], seeds=w.seeds, previous=batch, db_url=url, batch_events=10**9))
    run_jsonl(watcher, str(src), None)
    flagged = {(r["platform"], r["account_id"], r["role"]) for r in csv.DictReader(open(batch / "accounts.csv"))
               if r["role"] != "none"}
    alerts = _alerts(tmp_path / "alerts.jsonl")
    role_alerts = [a for a in alerts if a["kind"] in ("new_seller", "new_buyer", "new_facilitator", "backup")]
    assert not [a for a in alerts if a["kind"] in ("new_evidence", "hash_match")], "the earlier run's evidence alerted as new"
    assert not [a for a in role_alerts if (a["platform"], a["account_id"], a["role"]) in flagged]
    rejects = [json.loads(line) for line in open(tmp_path / "state" / "rejects.jsonl")]
    reasons = " | ".join(r["reason"] for r in rejects)
    assert len(rejects) == 3 and "field table" in reasons and "bad json" in reasons and "platform" in reasons
    with open_db(url).reading() as s:
        cases = {(p, a) for p, a in s.execute(select(Case.platform, Case.account_id))}
    assert {(p, a) for p, a, _ in flagged} <= cases


def test_the_feed_states_each_accounts_latest_role():
    feed = [
        {"kind": "new_seller", "platform": "p", "account_id": "a", "role": "seller"},
        {"kind": "hash_match", "platform": "p", "account_id": "b", "role": "buyer"},
        {"kind": "role_changed", "platform": "p", "account_id": "a", "role": "facilitator", "previous_role": "seller"},
        {"kind": "new_buyer", "platform": "p", "account_id": "c", "role": "buyer"},
        {"kind": "cleared", "platform": "p", "account_id": "c", "role": "none", "previous_role": "buyer"},
    ]
    assert current_roles(feed) == {("p", "a"): "facilitator", ("p", "c"): "none"}

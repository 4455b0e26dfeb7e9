import os
import subprocess
import sys
import time

import httpx

from tests.web.helpers import free_port

WIDE = {**os.environ, "COLUMNS": "300"}  # Rich wraps its messages at the terminal's width


def test_vigil_serve_starts_migrates_and_answers_health(tmp_path):
    port = free_port()
    db = tmp_path / "served.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli", "serve", "--db", f"sqlite:///{db}", "--create", "--host", "127.0.0.1",
         "--port", str(port), "--claim-ttl-hours", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=WIDE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert r.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/api/cases").status_code == 401
        assert db.exists()  # migrated on start
    finally:
        proc.terminate()
        proc.wait(10)
    assert "claims go stale after 2:00:00" in proc.stdout.read().decode()


def test_vigil_serve_refuses_a_claim_ttl_below_the_minimum(tmp_path):
    """A TTL so short that a claim could go stale mid-review is refused before anything starts."""
    db = tmp_path / "never.db"
    res = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "serve", "--db", f"sqlite:///{db}", "--claim-ttl-hours", "0.05"],
        capture_output=True, text=True, timeout=60, env=WIDE,
    )
    assert res.returncode == 2
    assert "--claim-ttl-hours" in res.stderr and "shorter than the minimum" in res.stderr
    assert not db.exists()

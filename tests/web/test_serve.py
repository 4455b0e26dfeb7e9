import subprocess
import sys
import time

import httpx

from tests.web.helpers import free_port


def test_vigil_serve_starts_migrates_and_answers_health(tmp_path):
    port = free_port()
    db = tmp_path / "served.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli", "serve", "--db", f"sqlite:///{db}", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
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

"""`retouch serve --tls-self-signed`, as the README tells a new user: the server makes a local CA in its data
directory, prints the variables to export, and the official fal-client (unchanged, in its own process) runs and
subscribes against it trusting only that CA."""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
from cryptography import x509

from ..support.net import free_port
from ..support.paths import ROOT, pythonpath

SCRIPT = Path(__file__).with_name("fal_client_script.py")


def _serve(tmp: Path, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RETOUCH_", "OPENAI_"))}
    log = tmp / "server.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "retouch", "serve", "--port", str(port), "--data-dir", str(tmp / "data")]
            + ["--tls-self-signed"],
            cwd=ROOT,
            env={**env, "PYTHONPATH": pythonpath()},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    ca = tmp / "data" / "tls" / "ca.pem"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if ca.exists():
                trust = ssl.create_default_context(cafile=str(ca))
                if httpx.get(f"https://127.0.0.1:{port}/healthz", verify=trust, timeout=1).is_success:
                    return proc, log
        except (httpx.HTTPError, ssl.SSLError):
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start: " + log.read_text()[-2000:])


def test_the_fal_client_works_against_a_self_signed_server(tmp_path: Path) -> None:
    port = free_port()
    proc, log = _serve(tmp_path, port)
    try:
        printed = log.read_text()
        exports = dict(re.findall(r"(SSL_CERT_FILE|FAL_RUN_HOST|FAL_QUEUE_RUN_HOST|FAL_KEY)=(\S+)", printed))
        assert exports["FAL_RUN_HOST"] == f"127.0.0.1:{port}", printed
        env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY") and not k.startswith("FAL_")}
        out = subprocess.run(
            [sys.executable, str(SCRIPT), "direct"],
            env={**env, **exports},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        report = json.loads(out.stdout)
        assert report["blocked"] == [] and report["client_log"] == []
        assert report["run"]["images"][0]["width"] == 16 and report["subscribe"]["images"][0]["width"] == 32
        # The CA key stays private; a restart reuses the same CA, so clients keep trusting it.
        assert (tmp_path / "data" / "tls" / "ca-key.pem").stat().st_mode & 0o077 == 0
        ca_before = (tmp_path / "data" / "tls" / "ca.pem").read_bytes()
    finally:
        proc.terminate()
        proc.wait(30)
    proc, _ = _serve(tmp_path, port)
    try:
        assert (tmp_path / "data" / "tls" / "ca.pem").read_bytes() == ca_before
        cert = x509.load_pem_x509_certificate((tmp_path / "data" / "tls" / "server.pem").read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert {"localhost"} <= set(names.get_values_for_type(x509.DNSName))
    finally:
        proc.terminate()
        proc.wait(30)

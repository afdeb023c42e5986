"""A throwaway local PostgreSQL cluster for tests, ``make demo`` and ``make serve``.

Starts a cluster from the PostgreSQL server binaries on 127.0.0.1 and a free
port, with its socket inside the cluster directory, and always removes it at
the end. ``initdb`` refuses to run as root, so as root the cluster lives in a
directory owned by the ``postgres`` OS user and the binaries run through
``runuser -u postgres``.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from billing.domain.errors import BillingError


class LocalPostgresUnavailable(BillingError):
    code = "local_postgres_unavailable"
    title = "Local PostgreSQL unavailable"


def find_bindir() -> Path:
    """Where initdb/pg_ctl live; installs Debian's postgresql as root if missing."""
    for candidate in _bindir_candidates():
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "postgresql"],
            check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        for candidate in _bindir_candidates():
            if (candidate / "initdb").exists():
                return candidate
    raise LocalPostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with "
        "'sudo apt-get install postgresql' (Debian/Ubuntu) or set DATABASE_URL."
    )


def _bindir_candidates() -> list[Path]:
    found: list[Path] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            found.append(Path(out.stdout.strip()))
    found += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalCluster:
    """A running throwaway cluster; use as a context manager."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="billing-pg-"))
        self.port = free_port()
        self.user = "postgres"
        self._started = False

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def url_for(self, dbname: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            cmd = [runuser, "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise LocalPostgresUnavailable(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-800:]}"
            )

    def start(self) -> LocalCluster:
        """initdb + pg_ctl start; returns self once the server accepts connections."""
        data = self.dir / "data"
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        try:
            self._run("initdb", "-D", str(data), "-U", self.user, "-A", "trust",
                      "-E", "UTF8", "--locale=C", "--no-sync")
            options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                       "-c max_connections=300 -c shared_buffers=256MB")
            self._run("pg_ctl", "-D", str(data), "-l", str(self.dir / "server.log"),
                      "-o", options, "-w", "-t", "60", "start")
        except BaseException:
            self.stop()
            raise
        self._started = True
        return self

    def stop(self) -> None:
        """Stop the server (if started) and remove its directory."""
        data = self.dir / "data"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(LocalPostgresUnavailable):
                self._run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
        self._started = False

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

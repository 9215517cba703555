"""A real PgBouncer (Debian's /usr/sbin/pgbouncer) in transaction mode in front of a
database, from the template production and `make load` use (deploy/pgbouncer.ini)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from string import Template

from tests.conftest import require_service
from tests.faults.procs import port_open, wait_until
from tests.feedback.servers import ROOT, free_port

TEMPLATE = ROOT / "deploy" / "pgbouncer.ini"


def config(*, port: int, run_dir: Path, db_host: str, db_port: int, dbname: str, user: str) -> str:
    text = Template(TEMPLATE.read_text()).substitute(
        listen_addr="127.0.0.1",
        port=port,
        run_dir=run_dir,
        db_host=db_host,
        db_port=db_port,
        dbname=dbname,
        db_user=user,
        max_client_conn=200,
        pool_size=4,
        auth_type="any",
        auth_file=run_dir / "userlist.txt",
    )
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root; started as root, it switches to this user.
        text += "user = postgres\n"
    return text


class PgBouncer:
    """`pgbouncer deploy/pgbouncer.ini` on a free port, in front of `database` on the
    machine's PostgreSQL; `url` is DATABASE_URL for a client of it."""

    def __init__(self, *, host: str, port: int, dbname: str, user: str):
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(binary).exists():
            require_service("pgbouncer", "not installed (apt-get install pgbouncer)")
        self.binary = binary
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.ini = self.dir / "pgbouncer.ini"
        self.ini.write_text(
            config(
                port=self.port,
                run_dir=self.dir,
                db_host=host,
                db_port=port,
                dbname=dbname,
                user=user,
            )
        )
        self.url = f"postgres://{user}@127.0.0.1:{self.port}/{dbname}"
        self.log = self.dir / "pgbouncer.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [self.binary, str(self.ini)], stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(
            lambda: self.process.poll() is not None or port_open(self.port),
            10,
            what="pgbouncer listening",
        )
        assert self.process.poll() is None, self.log.read_text()
        return self

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

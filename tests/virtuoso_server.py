"""Start a private Virtuoso (Debian's `virtuoso-opensource`) on loopback for the SPARQL-server tests.

The instance has its own ``virtuoso.ini`` and database files in a temporary
directory, listens on free loopback ports only, and lets the anonymous SPARQL
user write (``GRANT SPARQL_UPDATE TO "SPARQL"``), as a test server may.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVER = "virtuoso-t"
ISQL = "isql-vt"
INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 10000
MaxQueryExecutionTime = 60
"""


def missing() -> str | None:
    """Return why Virtuoso cannot be started here, or None when it can."""
    absent = [name for name in (SERVER, ISQL) if shutil.which(name) is None]
    if absent:
        return (f"{' and '.join(absent)} not installed "
                "(apt-get install -y virtuoso-opensource, Debian's package)")
    return None


def free_port() -> int:
    """Return a loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    """Poll ``url`` until it answers; fail with the server's log if it dies or takes too long."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"virtuoso-t did not answer {url} in {seconds} s:\n{log.read_text(errors='replace')[-2000:]}")


def isql(port: int, statement: str) -> None:
    """Run one SQL statement as dba through ``isql-vt``; raise if it fails."""
    done = subprocess.run([ISQL, str(port), "dba", "dba", f"exec={statement}"],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt {statement!r} failed:\n{done.stdout}{done.stderr}")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server (SIGTERM makes Virtuoso checkpoint and exit); kill it if it hangs."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextmanager
def running(directory: Path) -> Iterator[dict[str, str]]:
    """Run a fresh Virtuoso with its files in ``directory``; yield the environment that points plangraph at it."""
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(INI.format(dir=directory, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    log = directory / "stdout.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([SERVER, "-f", "-c", str(ini)], cwd=directory, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_up(f"{base}/sparql?query=ASK%7B%7D", proc, log)
        isql(sql_port, 'GRANT SPARQL_UPDATE TO "SPARQL";')
        yield {"PLANGRAPH_SPARQL_ENDPOINT": f"{base}/sparql", "PLANGRAPH_SPARQL_STORE": f"{base}/sparql-graph-crud"}
    finally:
        stop(proc)

"""SPARQL in worker processes that can be killed: a runaway query stops when its time is up.

A thread cannot be stopped, and Oxigraph evaluates a query like
``SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }`` without yielding, so
queries run in a few long-lived child processes (``python -m web.sandbox``),
each with the build's store open read-only.  When a query overruns, its worker
is killed and a fresh one is started for the next query.  Results are capped in
bytes, and each worker's address space is capped (``RLIMIT_AS``), so one query
cannot fill the machine's memory either: a query that needs more stops its
worker, and the server answers with :class:`QueryMemory`.
"""

from __future__ import annotations

import atexit
import io
import os
import resource
import signal
import subprocess
import sys
import threading
import weakref
from multiprocessing.connection import Connection

#: Stores kept open per worker (the live build and the one before it).
OPEN_STORES = 2
#: A worker's address space in MB (interpreter, open store and the query's working memory) by default.
MEMORY_MB = 2048


class QueryTimeout(Exception):
    """The query ran out of time and its worker was killed."""


class QueryMemory(Exception):
    """The query needed more memory than a worker may have; the worker was stopped."""


class QueryBusy(Exception):
    """Every worker was busy for the whole time limit."""


class QueryFailed(Exception):
    """The query failed in the worker; ``kind`` names the error class, ``status`` its HTTP status."""

    def __init__(self, kind: str, status: int, message: str):
        super().__init__(message)
        self.kind, self.status, self.message = kind, status, message


class Worker:
    """One child process and the two pipe ends that talk to it; ``memory_mb`` caps its address space."""

    def __init__(self, memory_mb: int | None = None):
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        self.memory_mb = memory_mb
        # Few malloc arenas: each thread's arena reserves address space the limit would count.
        env = {**os.environ, "MALLOC_ARENA_MAX": "2", "RUST_BACKTRACE": "0"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "web.sandbox", str(down_r), str(up_w), str(memory_mb or 0)],
            pass_fds=(down_r, up_w), stdin=subprocess.DEVNULL, env=env)
        os.close(down_r)
        os.close(up_w)
        self.send = Connection(down_w, readable=False)
        self.recv = Connection(up_r, writable=False)

    def ask(self, job: tuple, timeout: float):
        """Send a job and return (ok, payload), or raise QueryTimeout after killing the worker."""
        try:
            self.send.send(job)
            if not self.recv.poll(timeout):
                raise QueryTimeout(f"query ran longer than {timeout:g} s")
            answer = self.recv.recv()
        except (OSError, EOFError) as exc:
            if self.memory_mb and self.exit_code() == -signal.SIGABRT:
                # Native code (Oxigraph, RocksDB) aborts the process when an allocation fails.
                raise QueryMemory(f"query needed more than {self.memory_mb} MB") from None
            raise QueryFailed("WorkerDied", 500, f"query worker died: {exc}") from None
        if not answer[0] and answer[1][0] == "MemoryError" and self.memory_mb:
            raise QueryMemory(f"query needed more than {self.memory_mb} MB")
        return answer

    def exit_code(self) -> int | None:
        """The worker's exit code once it has ended (a negative signal number when killed), else None."""
        try:
            return self.process.wait(5)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Stop the process and close the pipes."""
        for conn in (self.send, self.recv):
            conn.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class QueryPool:
    """At most ``size`` queries at once, each in its own worker process; overrunning workers are killed."""

    def __init__(self, size: int = 2, memory_mb: int | None = MEMORY_MB):
        self._slots = threading.BoundedSemaphore(size)
        self.memory_mb = memory_mb
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        weakref.finalize(self, QueryPool._kill_all, self._all)
        atexit.register(QueryPool._kill_all, self._all)

    def run(self, job: tuple, timeout: float):
        """Run ``job`` in a worker; return its result or raise QueryTimeout, QueryMemory, QueryBusy or
        QueryFailed."""
        if not self._slots.acquire(timeout=timeout):
            raise QueryBusy("every query worker is busy")
        try:
            worker = self._take()
            try:
                ok, payload = worker.ask(job, timeout)
            except BaseException:
                self._drop(worker)
                raise
            self._give(worker)
        finally:
            self._slots.release()
        if ok:
            return payload
        raise QueryFailed(*payload)

    def close(self) -> None:
        """Kill every worker."""
        QueryPool._kill_all(self._all)

    def _take(self) -> Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        worker = Worker(self.memory_mb)
        with self._lock:
            self._all.add(worker)
        return worker

    def _give(self, worker: Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def _drop(self, worker: Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    @staticmethod
    def _kill_all(workers: set[Worker]) -> None:
        for worker in list(workers):
            workers.discard(worker)
            worker.kill()


# --- the child's side ------------------------------------------------------------------------------------------


class Stores:
    """The graph stores a worker has open, by build path; the oldest is closed past OPEN_STORES."""

    def __init__(self):
        self.open: dict[str, object] = {}

    def get(self, path: str):
        import graph

        if path not in self.open:
            self.open[path] = graph.open_store(path)
            for old in list(self.open)[:-OPEN_STORES]:
                self.open.pop(old).close()
        return self.open[path]


class Capped(io.RawIOBase):
    """A byte sink that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int):
        self.buffer, self.limit = bytearray(), limit

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if len(self.buffer) + len(data) > self.limit:
            raise QueryFailed("TooLarge", 413, f"result larger than {self.limit} bytes")
        self.buffer += data
        return len(data)


def table_job(stores: Stores, path: str, text: str, timeout: float, limit: int) -> dict:
    """The query page's results: graph.sparql's plain rows, at most ``limit`` of them."""
    import graph

    return graph.sparql(stores.get(path), text, timeout_s=timeout, limit=limit)


def protocol_job(stores: Stores, path: str, text: str, form: str, result_format: str, graph_format: str,
                 max_bytes: int) -> bytes:
    """A protocol answer serialised by pyoxigraph, refused when it grows past ``max_bytes``."""
    import pyoxigraph as ox

    result = stores.get(path).raw_query(text)
    out = Capped(max_bytes)
    if form in ("construct", "describe"):
        result.serialize(out, format=getattr(ox.RdfFormat, graph_format))
    else:
        result.serialize(out, format=getattr(ox.QueryResultsFormat, result_format))
    return bytes(out.buffer)


JOBS = {"table": table_job, "protocol": protocol_job}


def failure(exc: BaseException) -> tuple[str, int, str]:
    """The (kind, status, message) of an error, to send back to the server."""
    if isinstance(exc, QueryFailed):
        return exc.kind, exc.status, exc.message
    return type(exc).__name__, getattr(exc, "status", 500), str(exc)


def serve(down: Connection, up: Connection) -> None:
    """Answer jobs until the server closes the pipe."""
    stores = Stores()
    while True:
        try:
            name, *args = down.recv()
        except (EOFError, OSError):
            return
        try:
            up.send((True, JOBS[name](stores, *args)))
        except Exception as exc:  # every failure goes back to the server, which decides the status
            up.send((False, failure(exc)))


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space; past it allocations fail (MemoryError, or an abort in native code)."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


if __name__ == "__main__":
    limit_memory(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))

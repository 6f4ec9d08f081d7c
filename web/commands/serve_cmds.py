"""The ``serve`` command: the web app under waitress (or Flask's dev server with --debug)."""

from __future__ import annotations

import gc
import importlib
from pathlib import Path

import click

from web.cli_common import Session, common

LOOPBACK = ("127.0.0.1", "localhost", "::1")
CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / address to listen on")
@click.option("--port", default=5000, show_default=True, type=int, help="端口 / port")
@click.option("--debug", is_flag=True, help="Flask 开发服务器（自动重载）/ Flask dev server with reloader")
@click.option("--allow-upload", is_flag=True, help="允许在网页上添加规划 / allow adding plans from the browser")
@click.option("--threads", default=8, show_default=True, type=int, help="waitress 线程数 / worker threads")
@common
def serve(host: str, port: int, debug: bool, allow_upload: bool, threads: int, session: Session) -> None:
    """Serve the web UI and JSON API; build corpus/ first when the data directory is empty.

    Example: plangraph serve --port 5000 --allow-upload
    """
    from web.app import create_app

    if debug and host not in LOOPBACK:
        raise click.ClickException("--debug 只能在本机地址上使用（调试器可执行代码）/ "
                                   "--debug runs a code-executing debugger: use it on 127.0.0.1 only")
    if session.data.current() is None:
        build_corpus(session)
    app = create_app({"DATA_DIR": str(session.data.root), "ALLOW_UPLOAD": allow_upload})
    warm_up(app)
    click.echo(f"规划图谱 plangraph: http://{host}:{port}/  (data: {session.data.root})", err=True)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import waitress

    waitress.serve(app, host=host, port=port, threads=threads, ident="plangraph")


#: What the first graph page would import (rdflib comes with graph.namespace): 100-200 ms paid at start-up instead.
GRAPH_MODULES = ("graph.namespace", "graph.store", "graph.summary", "graph.trace", "graph.compare", "graph.explore",
                 "graph.export")


def warm_up(app) -> None:
    """Import the graph's query modules, open the live build and run one search, so the first visitor waits
    neither for rdflib nor for jieba to load.

    Then what is loaded (the index's unit texts and columns, the catalog, the modules) is moved out of the
    garbage collector's sight: a full collection walked all of it, about 75 ms in the middle of a request at
    4,000 plans.
    """
    for name in GRAPH_MODULES:
        importlib.import_module(name)
    with app.test_client() as client:
        client.get("/search.json?q=规划")
    gc.collect()
    gc.freeze()


def build_corpus(session: Session) -> None:
    """Build the bundled corpus into an empty data directory, showing progress."""
    from web.build import BuildError, build

    if not CORPUS.is_dir():
        raise click.ClickException(f"{session.data.root}: no data built and no corpus/ to build; "
                                   "run `plangraph build FILES` first")
    click.echo(f"数据目录为空，正在构建 {CORPUS} … / building corpus first", err=True)
    try:
        report = build([CORPUS], session.data, lambda msg: click.echo(f"  {msg}", err=True))
    except BuildError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已构建 {len(report.plans)} 个规划 / built {len(report.plans)} plans", err=True)


COMMANDS = [serve]

"""Shared pieces of the command line: common options, data access, output."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

import click

from ingest.model import Plan
from web.datadir import DataDir, NoData, load_plan, plan_set, read_manifest, resolve


def common(func: Callable) -> Callable:
    """Add ``--json`` and ``--data-dir`` to a command and pass a ``Session`` as ``session``."""

    @click.option("--sparql-endpoint", default=None, metavar="URL",
                  help="把图谱放在 SPARQL 1.1 服务器上 / keep the graph on a SPARQL 1.1 server "
                       "(query URL; default: $PLANGRAPH_SPARQL_ENDPOINT, else the embedded store)")
    @click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON")
    @click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                  help="数据目录 / data directory (default: $PLANGRAPH_DATA or ./instance)")
    @functools.wraps(func)
    def wrapper(*args, as_json: bool, data_dir: str | None, sparql_endpoint: str | None, **kwargs):
        if sparql_endpoint:
            from graph.store import ENDPOINT_VAR

            # The graph store reads this variable: one switch for the CLI, the server and the build.
            os.environ[ENDPOINT_VAR] = sparql_endpoint
        return func(*args, session=Session(resolve(data_dir), as_json), **kwargs)

    return wrapper


class Session:
    """One command's view of the data directory: the live build, opened lazily."""

    def __init__(self, root: Path, as_json: bool):
        self.data = DataDir(root)
        self.as_json = as_json

    @property
    def build(self) -> Path:
        try:
            return self.data.require()
        except NoData as exc:
            raise click.ClickException(str(exc)) from exc

    def plans(self) -> Sequence[Plan]:
        """Return every plan of the live build, each loaded from its model file when it is reached."""
        return plan_set(self.build)

    def plan(self, ref: str) -> Plan:
        """Return the plan whose id is ``ref`` or whose title contains it uniquely (only that plan is loaded)."""
        listed = [SimpleNamespace(**p) for p in read_manifest(self.build)["plans"]]
        return load_plan(self.build, find_plan(listed, ref).id)

    def emit(self, data: dict, render: Callable[[dict], str]) -> None:
        """Print ``data`` as JSON with --json, else as the readable text ``render`` makes."""
        if self.as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        else:
            click.echo(render(data))


def find_plan(plans: Sequence, ref: str):
    """Resolve a plan by id, file name or a unique part of its title."""
    for plan in plans:
        if ref in (plan.id, plan.source):
            return plan
    matches = [p for p in plans if ref and (ref in p.title or ref in p.source)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise click.BadParameter(f"no plan matches {ref!r}; see `plangraph plans`", param_hint="PLAN")
    names = "、".join(p.title for p in matches)
    raise click.BadParameter(f"{ref!r} matches several plans: {names}", param_hint="PLAN")


def table(rows: list[list[object]], header: list[str]) -> str:
    """Render rows as a plain text table that lines up with CJK characters."""
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

    cells = [[str(c) for c in header]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c + " " * (w - width(c)) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)

"""Commands over the knowledge graph: trace, compare, export, sparql."""

from __future__ import annotations

import json
import sys

import click

import graph
from web.cli_common import Session, common, table


def open_graph(session: Session) -> graph.GraphStore:
    """Open the live build's graph store, or fail with a one-line message."""
    try:
        return graph.open_store(session.build / "graph")
    except graph.GraphError as exc:
        raise click.ClickException(str(exc)) from exc


def run(session: Session, func, *args, **kwargs):
    """Call a graph function on the open store; graph errors become click errors."""
    store = open_graph(session)
    try:
        return func(store, *args, **kwargs)
    except graph.GraphError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()


def render_tree(data: dict) -> str:
    """Render a trace as an indented tree."""
    names = {"goal": "目标", "task": "任务", "project": "项目", "place": "地点", "organisation": "机构",
             "target": "指标"}
    lines = []

    def visit(node: dict, depth: int) -> None:
        score = f"  (匹配 {node['score']})" if node.get("score") is not None else ""
        lines.append(f"{'  ' * depth}[{names.get(node['kind'], node['kind'])}] {node['label']}{score}")
        for child in node.get("children", []):
            visit(child, depth + 1)

    head = data.get("goal") or data.get("from")
    lines.append(f"《{head.get('plan', '')}》" if head.get("plan") else head["label"])
    visit(data["tree"], 0)
    return "\n".join(lines)


@click.command()
@click.argument("goal", required=False)
@click.option("--plan", "plan_ref", default=None, help="规划 / plan (id or part of the title)")
@click.option("--from", "source", default=None, help="从项目、地点或机构反查 / trace back from a project, place or org")
@common
def trace(goal: str | None, plan_ref: str | None, source: str | None, session: Session) -> None:
    """Trace a goal to its tasks, projects, places, organisations and targets (or back with --from).

    Example: plangraph trace 民生福祉对标 --plan 杭州道
    """
    if bool(goal) == bool(source):
        raise click.UsageError("give a GOAL or --from NAME (one of them)")
    data = run(session, graph.trace_from, source) if source else run(session, graph.trace, goal, plan_ref)
    session.emit(data, render_tree)


def render_compare(data: dict) -> str:
    """Render a comparison as a theme × plan matrix with the first item of each cell."""
    plans = data["plans"]
    rows = []
    for theme in data["themes"]:
        cells = []
        for p in plans:
            items = theme["plans"][p]
            cells.append(f"{len(items)}：{items[0]['title'][:16]}" if items else "—")
        rows.append([theme["label"], *cells])
    return table(rows, ["主题 theme", *(p[:14] for p in plans)])


@click.command()
@click.argument("themes", nargs=-1)
@click.option("--plans", "plan_refs", multiple=True, help="要比较的规划 / plans to compare (repeat or list)")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False), default=None,
              help="写出 Excel 工作簿 / write a workbook")
@common
def compare(themes: tuple[str, ...], plan_refs: tuple[str, ...], xlsx: str | None, session: Session) -> None:
    """Compare plans theme by theme (THEME: any topic word; none = every theme).

    Example: plangraph compare 养老 夜间经济 --xlsx compare.xlsx
    """
    refs = [r for ref in plan_refs for r in ref.split(",") if r] or None
    data = run(session, graph.compare, list(themes), refs)
    if xlsx:
        graph.write_xlsx(data, xlsx)
        if not session.as_json:
            click.echo(f"已写出 wrote {xlsx}", err=True)
    session.emit(data, render_compare)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["turtle", "json-ld", "nt"]), default="turtle", show_default=True,
              help="格式 / format")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="输出文件 / output file")
@common
def export(fmt: str, output: str | None, session: Session) -> None:
    """Export the whole knowledge graph (data, ontology, themes).

    Example: plangraph export --format turtle -o plans.ttl
    """
    data = run(session, graph.export, fmt)
    if output:
        with open(output, "wb") as fh:
            fh.write(data)
        session.emit({"output": output, "format": fmt, "bytes": len(data)},
                     lambda d: f"已写出 wrote {d['bytes']} bytes → {d['output']}")
    elif session.as_json:
        session.emit({"format": fmt, "data": data.decode("utf-8")}, str)
    else:
        sys.stdout.buffer.write(data)


def render_sparql(data: dict) -> str:
    """Render SPARQL results as a table (or a yes/no)."""
    if data["type"] == "ask":
        return "是 true" if data["value"] else "否 false"
    if data["type"] == "graph":
        return table(data["triples"], ["subject", "predicate", "object"])
    return table([[r.get(v) for v in data["vars"]] for r in data["rows"]], data["vars"])


@click.command()
@click.argument("query")
@click.option("--limit", default=1000, show_default=True, help="最多行数 / maximum rows")
@click.option("--timeout", default=10.0, show_default=True, help="超时秒数 / timeout in seconds")
@common
def sparql(query: str, limit: int, timeout: float, session: Session) -> None:
    """Run a read-only SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE; prefixes pg:, pgid:, theme:, skos: … given).

    Example: plangraph sparql "SELECT ?p ?t WHERE { ?p a pg:Plan ; dcterms:title ?t }"
    """
    if query == "-":
        query = sys.stdin.read()
    data = run(session, graph.sparql, query, timeout_s=timeout, limit=limit)
    session.emit(data, render_sparql)


COMMANDS = [trace, compare, export, sparql]

if __name__ == "__main__":  # pragma: no cover
    print(json.dumps([c.name for c in COMMANDS]))

"""The ``search`` command: full-text search over every plan."""

from __future__ import annotations

import html
import re

import click

from web.cli_common import Session, common

TAG = re.compile(r"</?b>")


def thesaurus_expander():
    """Return the thesaurus' expansion function, or None while the graph layer has none."""
    try:
        from graph.themes import load_thesaurus
    except ImportError:
        return None
    return load_thesaurus().expand


def terminal(snippet: str) -> str:
    """Turn a highlight's HTML into terminal text, the marks in bold."""
    parts = TAG.split(snippet)
    marks = TAG.findall(snippet)
    out = [html.unescape(parts[0])]
    for mark, part in zip(marks, parts[1:]):
        out.append(click.style("", bold=mark == "<b>", reset=mark != "<b>") + html.unescape(part))
    return "".join(out) + click.style("", reset=True)


def render(data: dict) -> str:
    """Render a results page as a readable list: path, title and highlighted snippet."""
    head = f"“{data['query']}”：共 {data['total']} 条 results (第 {data['page']}/{max(data['pages'], 1)} 页)"
    lines = [head]
    if data["expanded"]:
        lines.append("也搜索了：" + "、".join(data["expanded"]))
    start = (data["page"] - 1) * data.get("limit", len(data["hits"]) or 1)
    for i, hit in enumerate(data["hits"], start + 1):
        where = " › ".join([hit["plan"][:16], *hit["path"]])
        lines += ["", f"{i}. [{hit['kind']}] {where}  ({hit['score']})", "   " + terminal(hit["highlight"])]
    explain = data.get("explain") or {}
    if explain:
        lines += ["", "分词 segmentation: " + " / ".join(explain.get("segmentation", []))]
        lines += ["诊断: " + d for d in explain.get("diagnosis", [])]
        if explain.get("suggestions"):
            lines.append("建议 try: " + "；".join(explain["suggestions"]))
    return "\n".join(lines)


@click.command()
@click.argument("query")
@click.option("--plan", default=None, help="只搜一个规划 / one plan (id or part of the title)")
@click.option("--kind", default=None, help="单元类型 / unit kind: task, goal, paragraph, target, entity …")
@click.option("--theme", default=None, help="主题 / theme (id or label)")
@click.option("--limit", default=10, show_default=True, help="每页条数 / hits per page")
@click.option("--page", default=1, show_default=True, help="页码 / page number")
@click.option("--explain", is_flag=True, help="显示分词和诊断 / show segmentation and diagnosis")
@common
def search(query: str, plan: str | None, kind: str | None, theme: str | None, limit: int, page: int,
           explain: bool, session: Session) -> None:
    """Search every plan for QUERY ("quoted" = exact phrase; plan: kind: theme: filter inline).

    Example: plangraph search 养老 --plan 大沽 --limit 5
    """
    import search as engine

    try:
        searcher = engine.open_index(session.build / "index", expander=thesaurus_expander())
        data = searcher.search(query, plan=plan, kind=kind, theme=theme, limit=limit, page=page, explain=explain)
    except engine.SearchError as exc:
        raise click.ClickException(str(exc)) from exc
    session.emit(data, render)


COMMANDS = [search]

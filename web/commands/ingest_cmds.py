"""Commands over the ingested model: build, plans, outline, targets, entities."""

from __future__ import annotations

import sys
import time

import click

from ingest.model import ENTITY_TYPES, Plan, Target
from web.cli_common import Session, common, table

TARGET_FIELDS = ("id", "plan", "plan_id", "node_id", "text", "indicator", "value", "value_max", "unit",
                 "year", "comparator", "baseline", "baseline_year", "attribute", "source")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@common
def build(paths: tuple[str, ...], session: Session) -> None:
    """Build the data directory from plan files or folders (default: corpus/).

    Example: plangraph build corpus/ --data-dir instance
    """
    from web.build import BuildError
    from web.build import build as run_build

    started = time.perf_counter()

    def progress(message: str) -> None:
        if not session.as_json:
            click.echo(message, err=True)

    try:
        report = run_build(list(paths) or ["corpus"], session.data, progress)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from exc
    for reason in report.skipped:
        click.echo(f"警告 warning: skipped {reason}", err=True)
    seconds = time.perf_counter() - started
    summary = {
        "data_dir": str(session.data.root),
        "build": report.build_dir.name if report.build_dir else None,
        "seconds": round(seconds, 2),
        "skipped": report.skipped,
        "plans": [plan_counts(p) for p in report.plans],
    }
    session.emit(summary, render_build)


def plan_counts(plan: Plan) -> dict:
    """Return a plan's metadata with the number of nodes, tasks, targets and entities."""
    nodes = list(plan.walk())
    return {
        **plan.summary(),
        "nodes": len(nodes),
        "tasks": sum(n.kind == "task" for n in nodes),
        "targets": sum(t.status == "target" for t in plan.targets),
        "tables": len(plan.tables),
        "entities": len(plan.entities),
        "chars": len(plan.text),
    }


def render_build(summary: dict) -> str:
    rows = [[p["title"], p["nodes"], p["tasks"], p["targets"], p["entities"]] for p in summary["plans"]]
    head = f"已构建 built {len(rows)} 个规划 in {summary['seconds']} s → {summary['data_dir']}"
    return head + "\n" + table(rows, ["规划 plan", "节点", "任务", "指标", "实体"])


@click.command()
@common
def plans(session: Session) -> None:
    """List the plans in the data directory.

    Example: plangraph plans --json
    """
    data = {"plans": [p.summary() for p in session.plans()]}
    session.emit(data, lambda d: table(
        [[p["id"], p["title"], p["kind"], p["period"], p["street"]] for p in d["plans"]],
        ["id", "标题 title", "类型", "期限", "街道/地区"]))


def render_outline(data: dict) -> str:
    lines = [f"《{data['title']}》 ({data['id']})"]

    def visit(node: dict, depth: int) -> None:
        if node["kind"] == "paragraph":
            return
        label = f"{node['number']} {node['title']}".strip()
        lines.append(f"{'  ' * depth}{label}  [{node['kind']}]")
        for child in node["children"]:
            visit(child, depth + 1)

    for top in data["children"]:
        visit(top, 1)
    return "\n".join(lines)


@click.command()
@click.argument("plan")
@common
def outline(plan: str, session: Session) -> None:
    """Show a plan's outline (PLAN: id or a unique part of the title).

    Example: plangraph outline 大沽
    """
    found = session.plan(plan)
    data = {"id": found.id, "title": found.title, "source": found.source,
            "children": [n.to_dict() for n in found.outline]}
    session.emit(data, render_outline)


def target_dict(plan: Plan, target: Target) -> dict:
    """Return the JSON of one target, with its plan."""
    data = {name: getattr(target, name, None) for name in TARGET_FIELDS}
    return {**data, "plan": plan.title, "plan_id": plan.id}


@click.command()
@click.option("--plan", "plan_ref", default=None, help="只看一个规划 / one plan only")
@click.option("--all", "include_achieved", is_flag=True, help="也列出已完成值 / include past achievements")
@common
def targets(plan_ref: str | None, include_achieved: bool, session: Session) -> None:
    """List numeric targets and indicators.

    Example: plangraph targets --plan 大沽
    """
    chosen = [session.plan(plan_ref)] if plan_ref else session.plans()
    rows = [target_dict(p, t) for p in chosen for t in p.targets
            if include_achieved or t.status == "target"]
    session.emit({"targets": rows}, lambda d: table(
        [[t["plan"][:12], t["indicator"], t["comparator"], fmt_num(t["value"]), t["unit"], t["year"],
          fmt_num(t["baseline"])] for t in d["targets"]],
        ["规划", "指标 indicator", "", "目标值", "单位", "年份", "基期值"]))


def fmt_num(value: float | None) -> str:
    """Format a number without a trailing .0."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@click.command()
@click.option("--type", "etype", type=click.Choice(ENTITY_TYPES), default=None, help="实体类型 / entity type")
@click.option("--plan", "plan_ref", default=None, help="只看一个规划 / one plan only")
@common
def entities(etype: str | None, plan_ref: str | None, session: Session) -> None:
    """List places, organisations and projects named in the plans.

    Example: plangraph entities --type place --plan 杭州道
    """
    chosen = [session.plan(plan_ref)] if plan_ref else session.plans()
    merged: dict[tuple[str, str], dict] = {}
    for plan in chosen:
        for ent in plan.entities:
            if etype and ent.type != etype:
                continue
            row = merged.setdefault((ent.type, ent.label), {
                "id": ent.id, "type": ent.type, "label": ent.label, "aliases": [], "plans": [], "mentions": 0})
            row["plans"].append(plan.title)
            row["mentions"] += len(ent.mentions)
            row["aliases"] = sorted(set(row["aliases"]) | set(ent.aliases))
    rows = sorted(merged.values(), key=lambda r: (r["type"], -r["mentions"], r["label"]))
    session.emit({"entities": rows}, lambda d: table(
        [[e["type"], e["label"], e["mentions"], "；".join(p[:12] for p in e["plans"])] for e in d["entities"]],
        ["类型", "名称 label", "提及", "规划"]))


COMMANDS = [build, plans, outline, targets, entities]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(build())

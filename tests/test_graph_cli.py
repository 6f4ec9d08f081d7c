"""The graph commands: trace, compare, export, sparql, run through click on a built data directory."""

from __future__ import annotations

import json

import pytest
import rdflib
from click.testing import CliRunner
from openpyxl import load_workbook

from web.cli import main
from web.commands.graph_cmds import COMMANDS


def run(built_data, *args: str):
    result = CliRunner().invoke(main, [*args, "--data-dir", str(built_data)])
    return result


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_command_has_help_with_example(command):
    result = CliRunner().invoke(main, [command.name, "--help"])
    assert result.exit_code == 0 and "Example: plangraph " + command.name in result.output
    assert "--json" in result.output and "--data-dir" in result.output


def test_trace_json_contract(built_data):
    result = run(built_data, "trace", "民生福祉对标", "--plan", "杭州道", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data["goal"]) >= {"id", "label", "plan"}
    assert set(data["tree"]) >= {"id", "kind", "label", "children"}


def test_trace_text_and_reverse(built_data):
    assert "[项目] 智慧养老平台" in run(built_data, "trace", "民生福祉对标", "--plan", "杭州道").output
    back = run(built_data, "trace", "--from", "智慧养老平台", "--json")
    assert json.loads(back.output)["from"]["label"] == "智慧养老平台"


@pytest.mark.parametrize("args,message", [
    (["trace"], "give a GOAL or --from NAME"),
    (["trace", "没有这个目标的词"], "no goal, heading or task matches"),
    (["trace", "--from", "不存在的项目名称"], "no project, place or organisation matches"),
    (["sparql", "DROP ALL"], "DROP is refused"),
])
def test_bad_input_is_one_clear_line(built_data, args, message):
    result = run(built_data, *args)
    assert result.exit_code != 0 and message in result.output


def test_compare_json_and_workbook(built_data, tmp_path):
    out = tmp_path / "compare.xlsx"
    result = run(built_data, "compare", "养老", "二手车", "--xlsx", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [t["label"] for t in data["themes"]] == ["养老", "二手车"]
    for theme in data["themes"]:
        assert set(theme["plans"]) == set(data["plans"]) == set(theme["targets"])
    assert load_workbook(out).sheetnames == ["总览", "养老", "二手车", "指标对比"]


def test_compare_only_some_plans(built_data):
    data = json.loads(run(built_data, "compare", "养老", "--plans", "大沽", "--json").output)
    assert len(data["plans"]) == 1 and "大沽" in data["plans"][0]


def test_export_to_file(built_data, tmp_path):
    out = tmp_path / "g.ttl"
    result = run(built_data, "export", "--format", "turtle", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert len(rdflib.Graph().parse(out, format="turtle")) > 5000


def test_sparql_select(built_data):
    result = run(built_data, "sparql", "SELECT ?t WHERE { ?p a pg:Plan ; dcterms:title ?t }", "--json")
    assert len(json.loads(result.output)["rows"]) == 2

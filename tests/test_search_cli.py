"""The ``plangraph search`` command over a real built data directory, and search over the holdout plans."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import search
from web.cli import main

from .conftest import holdout_files


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False)


def test_search_json_contract(built_data):
    result = run("search", "养老", "--limit", "3", "--json", "--data-dir", built_data)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {"query", "total", "expanded", "hits", "facets"} <= set(data)
    assert len(data["hits"]) == 3


def test_search_text_output_and_filters(built_data):
    result = run("search", "垃圾分类", "--plan", "大沽", "--kind", "task", "--explain", "--data-dir", built_data)
    assert result.exit_code == 0
    assert "垃圾分类" in result.output and "分词" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--limit", "0"], "limit 必须在 1 到 100 之间"),
    (["--page", "dog"], "'dog' is not a valid integer"),
])
def test_bad_parameters_are_one_line_errors(built_data, args, message):
    result = CliRunner().invoke(main, ["search", "养老", *args, "--data-dir", str(built_data)])
    assert result.exit_code == 2 or result.exit_code == 1
    assert message in result.output


def test_help_has_example():
    assert "Example:" in run("search", "--help").output


@pytest.mark.skipif(not holdout_files(), reason="holdout documents not beside the checkout")
def test_holdout_plans_are_searchable(tmp_path):
    from ingest import parse_file

    plans = [parse_file(p) for p in holdout_files()]
    search.build_index(plans, tmp_path)
    searcher = search.open_index(tmp_path)
    for query in ("应急管理", "城市更新", "工业互联网", "绿化", "数字政府"):
        res = searcher.search(query)
        assert res["total"] > 0, query
        assert all(len(h["text"]) <= 800 for h in res["hits"])
        assert query in res["hits"][0]["title"] + res["hits"][0]["text"] + "".join(res["hits"][0]["path"])

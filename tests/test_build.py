"""Building the data directory: atomic swap, cache, and clear errors on bad input."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.conftest import CORPUS
from web.build import BuildError, build
from web.cli import main
from web.datadir import DataDir, read_manifest


def run(*args: str):
    """Run the CLI in-process and return the result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_build_publishes_plans_and_reuses_cache(tmp_path):
    data = DataDir(tmp_path / "data")
    first = build([CORPUS], data)
    assert first.parsed == 2 and first.cached == 0
    assert {p["source"] for p in read_manifest(data.require())["plans"]} == {
        "hangzhoudao-action-plan.txt", "dagu-14th-five-year-plan.txt"}
    second = build([CORPUS], data)
    assert second.parsed == 0 and second.cached == 2
    assert [p.to_dict() for p in second.plans] == [p.to_dict() for p in first.plans]


def test_failed_build_leaves_previous_data_intact(tmp_path):
    data = DataDir(tmp_path / "data")
    build([CORPUS], data)
    before = data.require()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    with pytest.raises(BuildError, match="empty.txt"):
        build([bad], data)
    assert data.require() == before
    assert len(read_manifest(before)["plans"]) == 2
    assert not [p for p in data.builds.iterdir() if p.name.startswith(".staging")]


def test_bad_file_is_skipped_when_others_succeed(tmp_path):
    folder = tmp_path / "plans"
    shutil.copytree(CORPUS, folder)
    (folder / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    report = build([folder], DataDir(tmp_path / "data"))
    assert len(report.plans) == 2
    assert len(report.skipped) == 1 and "broken.txt" in report.skipped[0]


def write(path, data: bytes):
    """Write ``data`` to ``path`` and return the path."""
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d, "no plan files found"),
        (lambda d: d / "missing.txt", "no such file or folder"),
        (lambda d: write(d / "plan.xls", b"x"), "unsupported file type"),
        (lambda d: write(d / "blank.txt", b" \n\t\n"), "blank.txt"),
    ],
)
def test_cli_build_bad_input_is_one_clear_line(tmp_path, make, message):
    target = make(tmp_path)
    result = CliRunner().invoke(main, ["build", str(target), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code != 0
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert DataDir(tmp_path / "data").current() is None


def test_cli_commands_read_the_build(built_data):
    plans = json.loads(run("plans", "--json", "--data-dir", str(built_data)).output)["plans"]
    assert len(plans) == 2 and all(p["title"] and p["id"] for p in plans)
    outline = json.loads(run("outline", "大沽", "--json", "--data-dir", str(built_data)).output)
    assert outline["children"] and outline["source"] == "dagu-14th-five-year-plan.txt"


def test_cli_unknown_plan_is_a_parameter_error(built_data):
    result = CliRunner().invoke(main, ["outline", "不存在的规划", "--data-dir", str(built_data)])
    assert result.exit_code == 2 and "no plan matches" in result.output


def test_cli_without_data_says_how_to_build(tmp_path):
    result = CliRunner().invoke(main, ["plans", "--data-dir", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "plangraph build" in result.output


def test_every_command_has_help_with_an_example():
    for name in main.commands:
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Example:" in result.output, f"{name} help has no example"


def test_two_workers_build_the_same_data_as_one(tmp_path):
    one, two = DataDir(tmp_path / "one"), DataDir(tmp_path / "two")
    build([CORPUS], one, workers=1)
    build([CORPUS], two, workers=2)
    for part in ("manifest.json", "graph/meta.json", "index/plangraph-search.json"):
        a = json.loads((one.require() / part).read_text(encoding="utf-8"))
        b = json.loads((two.require() / part).read_text(encoding="utf-8"))
        for volatile in ("built_at", "seconds"):
            a.pop(volatile, None), b.pop(volatile, None)
        assert a == b, part
    for plan in (one.require() / "plans").iterdir():
        assert plan.read_bytes() == (two.require() / "plans" / plan.name).read_bytes()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
def test_a_failing_forked_step_is_a_build_error():
    # In a fresh interpreter: pytest-xdist workers run threads, and the build never forks from those.
    script = ("from web.build import BuildError, Forked, can_fork\n"
              "assert can_fork()\n"
              "try:\n    Forked(open, '/nonexistent-dir/x').wait()\n"
              "except BuildError as exc:\n    print('BuildError:', exc)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=CORPUS.parent)
    assert "BuildError:" in result.stdout and "nonexistent-dir" in result.stdout, result.stderr


def test_sparql_endpoint_option_switches_the_graph_store(tmp_path, monkeypatch):
    from graph.store import ENDPOINT_VAR

    # setenv first, so monkeypatch restores the variable (unset) after the CLI has changed it.
    monkeypatch.setenv(ENDPOINT_VAR, "")
    CliRunner().invoke(main, ["plans", "--sparql-endpoint", "http://127.0.0.1:9/query",
                              "--data-dir", str(tmp_path)])
    assert os.environ[ENDPOINT_VAR] == "http://127.0.0.1:9/query"

"""Shared fixtures: the real corpus, parsed and built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
HOLDOUT = SHARED / "holdout"


@pytest.fixture(scope="session")
def corpus_plans():
    """The two corpus plans parsed, by short name: {"杭州道": Plan, "大沽": Plan}."""
    from ingest import parse_file

    plans = [parse_file(p) for p in sorted(CORPUS.iterdir()) if p.suffix == ".txt"]
    return {("杭州道" if "杭州道" in p.title else "大沽"): p for p in plans}


def edited(plan):
    """Return a copy of ``plan`` whose first item of some length reads differently (an edited plan)."""
    import copy

    other = copy.deepcopy(plan)
    node = next(n for n in other.walk() if len(n.text) >= 15)
    node.text = "积极推动小区公共充电桩建设，" + node.text
    return other


@pytest.fixture(scope="session")
def corpus_plan_list(corpus_plans) -> list:
    """The corpus plans as a list, in corpus order."""
    return list(corpus_plans.values())


@pytest.fixture(scope="session")
def built_data(tmp_path_factory) -> Path:
    """A data directory with the corpus built into it (graph and index included)."""
    from web.build import build
    from web.datadir import DataDir

    root = tmp_path_factory.mktemp("data")
    build([CORPUS], DataDir(root))
    return root


def holdout_files() -> list[Path]:
    """The holdout documents, when ../shared is beside the checkout."""
    return sorted(HOLDOUT.glob("*.txt")) if HOLDOUT.exists() else []


#: Marks a test that reads ../shared (holdout and scale documents), which CI has beside the checkout.
requires_shared = pytest.mark.skipif(not HOLDOUT.exists(), reason="../shared/holdout is not beside the checkout")

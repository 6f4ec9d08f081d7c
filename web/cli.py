"""The ``plangraph`` command line: a thin layer over ingest, graph, search and web."""

from __future__ import annotations

import importlib
import pkgutil

import click

import web.commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """规划图谱 plangraph: search, trace and compare Chinese government plans.

    Example: plangraph build corpus/ && plangraph search 养老
    """


def _register() -> None:
    # Each module in web.commands defines its commands and a COMMANDS list.
    for info in sorted(pkgutil.iter_modules(web.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"web.commands.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            main.add_command(command)


_register()

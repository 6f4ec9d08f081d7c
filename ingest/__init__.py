"""Plan files in, a typed model of one plan out (see :mod:`ingest.model`)."""

from ingest.errors import IngestError
from ingest.model import Entity, Mention, Node, Plan, Table, Target
from ingest.pipeline import SUPPORTED_SUFFIXES, find_plan_files, parse_file

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Entity",
    "IngestError",
    "Mention",
    "Node",
    "Plan",
    "Table",
    "Target",
    "find_plan_files",
    "parse_file",
]

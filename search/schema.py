"""The whoosh schema: which unit fields are searched, how they are analysed and how much they weigh."""

from __future__ import annotations

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import chinese_analyzer

#: Field weights for BM25F: a title or lead sentence counts more than body text.
BOOSTS = {"title": 3.0, "body": 1.0, "path": 0.4, "ngram": 0.6}
#: The word fields a free-text query searches.  Exact substrings are searched beside whoosh (``search.substring``);
#: ``ngram`` weighs them.
#: A unit's title is its heading or, for a paragraph, its lead sentence, so leads weigh like titles.
WORD_FIELDS = ("title", "body", "path")


def build_schema() -> Schema:
    """Return the schema of the search index."""
    words = chinese_analyzer()
    return Schema(
        # Only what is searched is indexed; what is only read back per unit (for grouping, ranking and
        # facets) is a column or stored, which costs no postings.
        id=STORED,
        node_id=STORED,
        group=COLUMN(VarBytesColumn()),
        rank=COLUMN(NumericColumn("B")),
        plan_id=ID(stored=True, sortable=True),
        plan=STORED,
        kind=ID(stored=True, sortable=True),
        chapter=COLUMN(VarBytesColumn()),
        number=STORED,
        themes=KEYWORD(commas=True, scorable=False),
        theme_list=COLUMN(VarBytesColumn()),
        theme_data=STORED,
        path_data=STORED,
        entity_type=STORED,
        text=STORED,
        title=TEXT(analyzer=words, stored=True, field_boost=BOOSTS["title"]),
        body=TEXT(analyzer=words, field_boost=BOOSTS["body"]),
        path=TEXT(analyzer=words, phrase=False, field_boost=BOOSTS["path"]),
    )

"""Compare plans theme by theme: which items and targets each plan has on a theme, and an Excel workbook of it.

Items in a plan's review of the past (发展基础, 发展环境) are left out: a plan
addresses a theme only where it says what it will do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from graph.outline import short_id
from graph.store import GraphStore
from graph.summary import summary
from graph.themes import load_thesaurus

Q_TAGS = """
SELECT ?item ?theme ?ev ?plan ?label ?text ?kind ?start ?target WHERE {
  ?tag a pg:ThemeTag ; pg:item ?item ; pg:theme ?theme ; pg:evidence ?ev .
  ?item pg:inPlan ?plan ; rdfs:label ?label .
  FILTER NOT EXISTS { ?item pg:background true }
  FILTER NOT EXISTS { ?item a pg:Target ; pg:status "achieved" }
  OPTIONAL { ?item pg:text ?text } OPTIONAL { ?item pg:nodeKind ?kind } OPTIONAL { ?item pg:charStart ?start }
  BIND(EXISTS { ?item a pg:Target } AS ?target)
} ORDER BY ?plan ?start ?item ?theme ?ev"""
Q_PLANS = """
SELECT ?plan ?title ?id WHERE { ?plan a pg:Plan ; dcterms:title ?title ; dcterms:identifier ?id } ORDER BY ?id"""
Q_TARGET_FIELDS = """
SELECT ?t ?ind ?value ?unit ?year ?comparator ?baseline WHERE {
  ?t a pg:Target . OPTIONAL { ?t pg:indicator/rdfs:label ?ind } OPTIONAL { ?t pg:value ?value }
  OPTIONAL { ?t pg:unit ?unit } OPTIONAL { ?t pg:year ?year } OPTIONAL { ?t pg:comparator ?comparator }
  OPTIONAL { ?t pg:baseline ?baseline }
} ORDER BY ?t ?ind"""
Q_TEXT = """
SELECT ?item ?plan ?label ?text ?kind WHERE {
  ?item pg:inPlan ?plan ; rdfs:label ?label ; pg:text ?text ; pg:nodeKind ?kind .
  FILTER NOT EXISTS { ?item pg:background true }
} ORDER BY ?plan ?item"""


THEME_NS = "https://w3id.org/plangraph/theme/"


def _plans(store: GraphStore, refs: list[str] | None) -> list[dict]:
    """Return the plans to compare: all, or per ref the plan with that id, else those with that title,
    else those whose title contains it (a title is no id: two plans may share one, or one title hold another)."""
    rows = summary(store).plans()
    if not refs:
        return rows
    by_id = {r["id"]: r for r in rows}
    chosen: set[str] = set()
    for ref in refs:
        if ref in by_id:
            chosen.add(ref)
        else:
            named = [r["id"] for r in rows if r["title"] == ref] or [r["id"] for r in rows if ref in r["title"]]
            chosen.update(named)
    return [r for r in rows if r["id"] in chosen]


def _item(row: dict) -> dict:
    """Return the JSON of one tagged item."""
    return {"id": short_id(row["item"]), "kind": row["kind"] or ("target" if row.get("target") else "goal"),
            "title": row["label"], "text": row["text"] or "", "evidence": row.get("ev", "")}


def _target(row: dict, fields: dict) -> dict:
    """Return the JSON of one tagged target."""
    f = fields.get(row["item"], {})
    return {"id": short_id(row["item"]), "text": row["text"] or row["label"], "indicator": f.get("ind"),
            "value": f.get("value"), "unit": f.get("unit"), "year": f.get("year"),
            "comparator": f.get("comparator"), "baseline": f.get("baseline"), "evidence": row["ev"]}


def _by_theme(rows: dict) -> dict[str, list[tuple[int, dict]]]:
    """Group a plan's theme tags by theme IRI, each with its position among the plan's tags."""
    out: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for i, row in enumerate(rows["tags"]):
        out[row["theme"]].append((i, row))
    return out


def _theme_entry(concept_ids: list[str], label: str, cid: str | None, plans: list[dict],
                 rows: dict[str, dict], grouped: dict[str, dict]) -> dict:
    """Collect the items and targets of each plan tagged with any of ``concept_ids``."""
    wanted = {THEME_NS + c for c in concept_ids}
    by_plan: dict[str, list[dict]] = defaultdict(list)
    targets: dict[str, list[dict]] = defaultdict(list)
    for plan, tags in grouped.items():
        seen = set()
        # The plan's tags of the wanted themes in the plan's order (as one scan over its tags would meet them).
        for _, row in sorted((pair for theme in wanted for pair in tags.get(theme, [])), key=lambda pair: pair[0]):
            if row["item"] in seen:
                continue
            seen.add(row["item"])
            if row["target"]:
                targets[plan].append(_target(row, rows[plan]["fields"]))
            else:
                by_plan[plan].append(_item(row))
    return {"id": cid, "label": label,
            "plans": {p["key"]: by_plan.get(p["plan"], []) for p in plans},
            "targets": {p["key"]: targets.get(p["plan"], []) for p in plans}}


def _free_text(word: str, plans: list[dict], rows: dict[str, dict]) -> dict:
    """Compare on a word the thesaurus does not know: the items whose text contains it."""
    by_plan: dict[str, list[dict]] = defaultdict(list)
    for plan, found in rows.items():
        for row in found["texts"]:
            if word in row["text"]:
                by_plan[plan].append(_item(row | {"ev": word}))
    return {"id": None, "label": word, "plans": {p["key"]: by_plan.get(p["plan"], []) for p in plans},
            "targets": {p["key"]: [] for p in plans}}


def compare(store: GraphStore, themes: list[str], plans: list[str] | None = None) -> dict:
    """Compare plans on themes (any topic words, resolved through the thesaurus; none = every theme)."""
    thesaurus = load_thesaurus()
    chosen = keyed(_plans(store, plans))
    rows = summary(store).compare_rows([p["plan"] for p in chosen])
    grouped = {plan: _by_theme(found) for plan, found in rows.items()}
    entries = []
    if not themes:
        used = set(summary(store).get("used-themes"))
        for concept in thesaurus.concepts.values():
            family = thesaurus.descendants(concept.id)
            if used & set(family):
                entries.append(_theme_entry(family, concept.label, concept.id, chosen, rows, grouped))
    for word in themes:
        concepts = thesaurus.resolve(word)
        if not concepts:
            entries.append(_free_text(word, chosen, rows))
        for concept in concepts:
            entries.append(_theme_entry(thesaurus.descendants(concept.id), concept.label, concept.id, chosen,
                                        rows, grouped))
    return {"plans": [p["key"] for p in chosen], "plan_ids": [p["id"] for p in chosen], "themes": entries}


def keyed(plans: list[dict]) -> list[dict]:
    """Give each plan the key its columns have in a comparison: its title, or its title and id where the plans
    compared share the title."""
    shared = {t for t, n in Counter(p["title"] for p in plans).items() if n > 1}
    return [{**p, "key": f"{p['title']}（{p['id']}）" if p["title"] in shared else p["title"]} for p in plans]


def family_counts(tags: list[dict]) -> dict[str, int]:
    """Return, per concept with a theme of its family among a plan's tags, how many items those tags have."""
    thesaurus = load_thesaurus()
    items: dict[str, set[str]] = defaultdict(set)
    for row in tags:
        items[row["theme"].removeprefix(THEME_NS)].add(row["item"])
    counts = {}
    for concept in thesaurus.concepts.values():
        family = [items[c] for c in thesaurus.descendants(concept.id) if c in items]
        if family:
            counts[concept.id] = len(set().union(*family))
    return counts


def overview_of(plans: list[dict], counts: dict[str, dict[str, int]], used: set[str]) -> dict:
    """Return the themes overview of every plan from each plan's ``family_counts`` and the themes used at all.

    Counts are keyed by plan id: plans may share a title."""
    thesaurus = load_thesaurus()
    rows = []
    for concept in thesaurus.concepts.values():
        if used & set(thesaurus.descendants(concept.id)):
            rows.append({"id": concept.id, "label": concept.label, "broader": concept.broader,
                         "counts": {p["id"]: counts.get(p["plan"], {}).get(concept.id, 0) for p in plans}})
    return {"plans": [{"id": p["id"], "title": p["title"]} for p in plans], "themes": rows}


def themes_overview(store: GraphStore) -> dict:
    """Return, per theme (with its narrower themes), how many items and targets each plan (by id) has on it
    (computed at build time; shared between callers, so read it without changing it)."""
    return store.cached("themes-overview", lambda: summary(store).get("overview"))


def write_xlsx(result: dict, path: Path) -> None:
    """Write a compare result as a workbook: an overview, one sheet per theme, and targets side by side."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    plans = result["plans"]
    book = Workbook()
    overview = book.active
    overview.title = "总览"
    overview.append(["主题 theme", *plans])
    for theme in result["themes"]:
        overview.append([theme["label"], *(len(theme["plans"][p]) or "—" for p in plans)])
    used: set[str] = {"总览"}
    for theme in result["themes"]:
        sheet = book.create_sheet(_sheet_name(theme["label"], used))
        sheet.append(plans)
        columns = [theme["plans"][p] for p in plans]
        for i in range(max((len(c) for c in columns), default=0)):
            sheet.append([_cell(c[i]) if i < len(c) else "" for c in columns])
        for col in sheet.iter_cols(min_row=2):
            for cell in col:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for letter in (chr(65 + i) for i in range(len(plans))):
            sheet.column_dimensions[letter].width = 60
    targets = book.create_sheet(_sheet_name("指标对比", used))
    targets.append(["主题 theme", *(f"{p}｜{h}" for p in plans for h in ("指标", "目标值", "单位", "年份"))])
    for theme in result["themes"]:
        columns = [theme["targets"][p] for p in plans]
        for i in range(max((len(c) for c in columns), default=0)):
            row = [theme["label"]]
            for c in columns:
                t = c[i] if i < len(c) else {}
                row += [t.get("indicator") or t.get("text", ""), t.get("value"), t.get("unit"), t.get("year")]
            targets.append(row)
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    book.save(path)


def _cell(item: dict) -> str:
    """Return the text of one item for a spreadsheet cell."""
    text = item["text"] if item["text"] and item["text"] != item["title"] else ""
    return f"{item['title']}\n{text}".strip()[:2000]


def _sheet_name(label: str, used: set[str]) -> str:
    """Return a unique, valid sheet name (≤31 characters, no []:*?/\\)."""
    base = "".join(ch for ch in label if ch not in "[]:*?/\\")[:28] or "主题"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}-{n}", n + 1
    used.add(name)
    return name

"""Tables flattened one cell per line (专栏, 主要指标表…), rebuilt into rows and columns.

Exported documents often lose a table's grid and keep one cell per line:
a caption, the header cells, then each row starting with its 序号.  Merged
cells (a 类别 spanning rows) and empty cells simply vanish, so rows are
rebuilt by *anchors*: the 序号, the unit cell and the 属性 cell are easy to
recognise and fix the row against the header; the cells between two anchors
fill the header columns between them, numbers into value columns and text
into text columns.
"""

from __future__ import annotations

import re

from ingest.model import Plan, Table
from ingest.numbers import UNIT_CELL_RE, is_value_cell

#: A caption line: 专栏1…, 表2…, 附表…, or a short line naming an indicator table.
CAPTION_RE = re.compile(r"^(?:(专栏\s*[0-9一二三四五六七八九十]+)|(附?表\s*[0-9一二三四五六七八九十]+)|(附表))"
                        r"|^.{0,30}(?:指标表|一览表|指标体系)$")

#: A header cell: the words indicator tables label their columns with.
HEADER_RE = re.compile(r"^(?:序号|编号|类别|类型|板块|类目|领域|分类|维度|(?:一级|二级|三级)?指标(?:名称|内容)?|名称|"
                       r"单位|计量单位|(?:指标)?属性|指标(?:类型|性质)|完成情况|备注|说明|现状值?|基期值?|目标值?|完成值|"
                       r"预期值|“?十[三四五六]五”?.{0,4}|(?:19|20)\d\d年?.{0,4})$")

#: Header cells that name the row's index, its indicator, unit, attribute and group.
SEQ_HEADER = re.compile(r"^(?:序号|编号)$")
NAME_HEADER = re.compile(r"指标|名称")
UNIT_HEADER = re.compile(r"单位")
ATTR_HEADER = re.compile(r"属性|指标类型|指标性质")
GROUP_HEADER = re.compile(r"^(?:类别|类型|板块|类目|领域|分类|维度)$")
#: Value columns: a year, a plan period, or 现状/目标/完成/基期.
VALUE_HEADER = re.compile(r"(?:19|20)\d\d|十[三四五六]五|现状|目标|完成值|基期|预期值")

#: A cell naming an indicator's attribute.
ATTR_CELL = re.compile(r"^(?:预期性|约束性|指导性|引导性)$")

#: A line that ends a flattened table: an outline heading or a long sentence.
HEADING_RE = re.compile(r"^(?:第[一二三四五六七八九十百]+[部章节]|[一二三四五六七八九十]+、"
                        r"|[（(][一二三四五六七八九十]+[)）]|\d+[、.．](?!\d)\S|\[bookmark)")

MAX_CELL = 80


def find_table_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """Return ``(first, stop)`` line ranges of tables flattened one cell per line.

    ``first`` is the caption line (专栏1…, 表1…) when there is one; ``stop`` is
    exclusive.  The outline makes one ``table`` node of each range.

    >>> find_table_blocks(["正文。", "专栏1 主要指标", "序号", "指标", "2020年", "2025年", "属性",
    ...                    "1", "产值（亿元）", "1", "2", "预期性", "二、任务"])
    [(1, 12)]
    """
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        head = header_start(lines, i)
        if head is None:
            i += 1
            continue
        first = i if head > i else i
        stop = block_end(lines, head)
        if stop > head:
            blocks.append((first, stop))
            i = stop
        else:
            i += 1
    return blocks


def header_start(lines: list[str], i: int) -> int | None:
    """Return where the header starts if a table (caption and/or header) begins at line ``i``."""
    text = lines[i].strip()
    start = i + 1 if CAPTION_RE.match(text) and len(text) <= 60 else i
    if start >= len(lines):
        return None
    window = [c.strip() for c in lines[start:start + 14]]
    words = 0
    for cell in window:
        if not HEADER_RE.match(cell):
            break
        words += 1
    has_name = any(NAME_HEADER.search(c) for c in window[:words])
    return start if words >= 3 and has_name else None


def block_end(lines: list[str], head: int) -> int:
    """Return the line after the last cell of the table whose header starts at ``head``."""
    stop = head
    rows = 0
    for j in range(head, len(lines)):
        cell = lines[j].strip()
        if j > head and (len(cell) > MAX_CELL or HEADING_RE.match(cell) or cell.endswith("。")):
            break
        if cell == str(rows + 1):
            rows += 1
        stop = j + 1
    return stop if rows else head


def split_header(cells: list[str]) -> tuple[list[str], list[str]]:
    """Split a block's cells (caption removed) into merged header cells and the body."""
    header: list[str] = []
    i = 0
    while i < len(cells) and HEADER_RE.match(cells[i]) and cells[i] != "1":
        cell = cells[i]
        # A period or year on its own line continues with 完成值/目标值 on the next.
        if header and re.fullmatch(r"现状值?|目标值?|完成值|基期值?|预期值", cell) and VALUE_HEADER.search(header[-1]) \
                and not re.search(r"现状|目标|完成|基期|预期", header[-1]):
            header[-1] += cell
        else:
            header.append(cell)
        i += 1
    return header, cells[i:]


def split_rows(body: list[str], header: list[str]) -> list[tuple[str, str, list[str]]]:
    """Cut the body into (序号, group label, cells) rows at the running 序号; 其中 lines start sub-rows."""
    rows: list[tuple[str, str, list[str]]] = []
    group_first = any(GROUP_HEADER.match(h) for h in header[: seq_col(header)])
    label = ""
    count = 0
    for i, cell in enumerate(body):
        if cell == str(count + 1) and not (rows and is_value_before_attr(body, i, rows[-1][2])):
            count += 1
            if group_first and rows and is_group_label(rows[-1][2], header):
                label = rows[-1][2].pop()
            rows.append((cell, label, []))
            label = ""
        elif cell.startswith("其中") and rows:
            rows.append(("", "", [cell]))
        elif rows:
            rows[-1][2].append(cell)
        else:
            label = " ".join(filter(None, [label, cell]))
    return rows


def is_value_before_attr(body: list[str], i: int, cells: list[str]) -> bool:
    """Say whether ``body[i]``, which looks like the next 序号, is a value of a row still awaiting its 属性."""
    if any(ATTR_CELL.match(c) for c in cells):
        return False
    rest = [c for c in body[i + 1:i + 4] if not is_value_cell(c)]
    return bool(rest) and bool(ATTR_CELL.match(rest[0]))


def is_group_label(cells: list[str], header: list[str]) -> bool:
    """Say whether a row's last cell is the next row's group label (类别 before 序号)."""
    if len(cells) < 2 or is_value_cell(cells[-1]) or ATTR_CELL.match(cells[-1]):
        return False
    expected = len(header) - seq_col(header) - 1
    return len(cells) > expected or is_value_cell(cells[-2]) or bool(ATTR_CELL.match(cells[-2]))


def seq_col(header: list[str]) -> int:
    """Return the index of the 序号 column (0 when there is none)."""
    return next((i for i, h in enumerate(header) if SEQ_HEADER.match(h)), 0)


#: Header tests in priority order (属性 before 名称: "指标属性" names the attribute column).
ROLE_TESTS = (
    ("seq", SEQ_HEADER.match),
    ("group", GROUP_HEADER.match),
    ("attr", ATTR_HEADER.search),
    ("unit", UNIT_HEADER.search),
    ("name", NAME_HEADER.search),
    ("value", VALUE_HEADER.search),
)


def column_roles(header: list[str]) -> list[str]:
    """Name each header column: seq, group, name, unit, attr, value or other."""
    return [next((role for role, test in ROLE_TESTS if test(h)), "other") for h in header]


def align_row(seq: str, label: str, cells: list[str], roles: list[str]) -> list[str]:
    """Place a row's cells under the header columns, fixed by its anchors (序号, unit, 属性)."""
    out = [""] * len(roles)
    seq_at = roles.index("seq") if "seq" in roles else -1
    if seq_at >= 0:
        out[seq_at] = seq
    if label and "group" in roles:
        out[roles.index("group")] = label
    anchors = [(seq_at, -1)]
    for k, cell in enumerate(cells):
        for role, test in (("attr", ATTR_CELL.match), ("unit", UNIT_CELL_RE.match)):
            if role in roles and test(cell) and not out[roles.index(role)]:
                anchors.append((roles.index(role), k))
                out[roles.index(role)] = cell
                break
    bounds = [*anchors, (len(roles), len(cells))]
    for (col, k), (next_col, next_k) in zip(bounds, bounds[1:]):
        right = next_col if next_col > col else len(roles)
        free = [c for c in range(col + 1, right) if roles[c] not in ("seq", "attr", "unit") and not out[c]]
        fill(cells[k + 1:next_k], free, roles, out)
    return out


def fill(segment: list[str], free: list[int], roles: list[str], out: list[str]) -> None:
    """Put a run of cells into free columns: positionally, or numbers and text right-aligned apart."""
    if not segment or not free:
        if segment and not free and out:
            out[-1] = " ".join(filter(None, [out[-1], *segment]))
        return
    if len(segment) == len(free):
        for c, cell in zip(free, segment):
            out[c] = cell
        return
    values = [c for c in free if roles[c] == "value"]
    texts = [c for c in free if roles[c] != "value"]
    nums = [s for s in segment if is_value_cell(s)]
    words = [s for s in segment if not is_value_cell(s)]
    for cols, cells in ((values, nums), (texts, words)):
        if len(cells) > len(cols):  # extra lines of a multi-line cell join the first column
            cells = [" ".join(cells[: len(cells) - len(cols) + 1]), *cells[len(cells) - len(cols) + 1:]]
        for c, cell in zip(cols[len(cols) - len(cells):], cells):
            out[c] = cell


def rebuild(cells: list[str]) -> tuple[list[str], list[list[str]]]:
    """Return (header, rows) of a block's cells (caption removed); rows align to the header."""
    header, body = split_header([c.strip() for c in cells if c.strip()])
    roles = column_roles(header)
    rows = [align_row(seq, label, cells, roles) for seq, label, cells in split_rows(body, header)]
    fill_down(rows, roles)
    return header, rows


def fill_down(rows: list[list[str]], roles: list[str]) -> None:
    """Repeat merged group cells down the rows they span; sub-rows inherit unit and attribute."""
    for c, role in enumerate(roles):
        last = ""
        for row in rows:
            sub = not row[roles.index("seq")] if "seq" in roles else False
            if row[c]:
                last = row[c]
            elif role == "group" or (sub and role in ("unit", "attr")):
                row[c] = last


def extract_tables(plan: Plan) -> list[Table]:
    """Return the tables of ``plan``, one per ``table`` node (or per block found in the text)."""
    tables = []
    for node in table_nodes(plan):
        lines = node.text.split("\n")
        caption = lines[0].strip() if header_start(lines, 0) == 1 else ""
        header, rows = rebuild(lines[1:] if caption else lines)
        if not rows:
            continue
        m = CAPTION_RE.match(caption)
        number = re.sub(r"\s+", "", next((g for g in m.groups() if g), "")) if m else ""
        tables.append(Table(f"{plan.id}/table{len(tables) + 1}", node.id, caption or node.title, number,
                            header, rows, node.start, node.end))
    return tables


def table_nodes(plan: Plan) -> list:
    """Return the plan's ``table`` nodes, or stand-ins for the blocks found in its text lines."""
    nodes = [n for n in plan.walk() if n.kind == "table"]
    if nodes:
        return nodes
    from ingest.model import Node

    lines = plan.text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    found = []
    for first, stop in find_table_blocks(lines):
        start, end = starts[first], starts[stop] - 1
        holder = deepest_node(plan, start)
        found.append(Node(holder.id if holder else "", "table", lines[first].strip(), "",
                          "\n".join(lines[first:stop]), start, end))
    return found


def deepest_node(plan: Plan, offset: int):
    """Return the deepest outline node whose span holds ``offset``, or None."""
    best = None
    for node in plan.walk():
        if node.start <= offset < max(node.end, node.start + 1):
            best = node
    return best

"""Tables flattened one cell per line, rebuilt into rows and columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import parse_file
from ingest.tables import find_table_blocks, rebuild

HOLDOUT = Path(__file__).resolve().parent.parent.parent / "shared" / "holdout"

DAGU_ROW = ["工业生产总值（亿元）", "118.11", "173.54", "预期性"]


def test_dagu_box_has_its_eight_indicators(corpus_plans):
    """专栏1 of the 大沽 plan comes back as a table of 8 rows under its header."""
    plan = corpus_plans["大沽"]
    (table,) = plan.tables
    assert table.number == "专栏1"
    assert table.header == ["序号", "指标名称", "2020年", "2025年", "属性"]
    assert len(table.rows) == 8
    assert table.rows[0] == ["1", *DAGU_ROW]
    assert table.rows[7][1:4] == ["累计新增就业人口（人）", "2014", "8500"]
    assert "专栏1" in plan.text[table.start:table.end]


def test_blocks_start_at_the_caption_and_stop_before_the_next_heading():
    """The block spans caption to last cell; prose and headings around it stay out."""
    lines = ["正文一段。", "专栏1  主要指标", "序号", "指标名称", "2020年", "2025年", "属性",
             "1", *DAGU_ROW, "2", "人口（人）", "5", "6", "约束性", "第三章  优化空间", "正文。"]
    assert find_table_blocks(lines) == [(1, 17)]


def test_prose_with_short_lines_is_no_table():
    """Web chrome and lists of short lines do not make a table without an indicator header."""
    assert find_table_blocks(["当前位置：", "首页", ">", "政务信息", "1", "2", "序号"]) == []


def test_group_labels_merged_cells_and_missing_cells_align_to_the_header():
    """A 类别 before the 序号 fills down; a merged 一级指标 and an empty baseline stay empty."""
    cells = ["类别", "序号", "一级指标", "二级指标", "单位", "属性", "“十四五”", "完成值", "“十五五”", "目标值",
             "宜居城区", "1", "旧房改造", "成套改造任务", "万平方米", "预期性", "25", "1.4",
             "2", "改造面积", "万平方米", "预期性", "-", "≥50",
             "3", "街区改造数量", "个", "预期性", "≥5", "活力城区",
             "4", "楼宇更新", "更新数量", "个", "约束性", "355", "421"]
    header, rows = rebuild(cells)
    assert header == ["类别", "序号", "一级指标", "二级指标", "单位", "属性", "“十四五”完成值", "“十五五”目标值"]
    assert rows[0] == ["宜居城区", "1", "旧房改造", "成套改造任务", "万平方米", "预期性", "25", "1.4"]
    assert rows[1] == ["宜居城区", "2", "", "改造面积", "万平方米", "预期性", "-", "≥50"]
    assert rows[2] == ["宜居城区", "3", "", "街区改造数量", "个", "预期性", "", "≥5"]
    assert rows[3][0] == "活力城区"


def test_sub_rows_and_a_value_equal_to_the_next_index():
    """其中 lines become sub-rows; a value that reads like the next 序号 stays in its row."""
    cells = ["序号", "指标名称", "单位", "目标值", "2025年", "指标类型",
             "1", "新建绿地", "万平方米", "75", "90.87", "约束性", "其中 公园绿地", "50", "58.46", "约束性",
             "2", "林荫道", "条", "5", "3", "预期性", "3", "行道树", "株", "8000", "8557", "约束性"]
    header, rows = rebuild(cells)
    assert rows[1] == ["", "其中 公园绿地", "万平方米", "50", "58.46", "约束性"]
    assert rows[2] == ["2", "林荫道", "条", "5", "3", "预期性"]
    assert rows[3][:2] == ["3", "行道树"]


@pytest.mark.skipif(not HOLDOUT.exists(), reason="../shared/holdout is not beside the checkout")
def test_holdout_indicator_tables_are_found():
    """The 主要指标表 of a holdout plan is rebuilt with its rows."""
    plan = parse_file(next(HOLDOUT.glob("02_*.txt")))
    assert [len(t.rows) for t in plan.tables] == [11]
    assert plan.tables[0].rows[9][3:] == ["人均应急避难面积", "平方米", "约束性", "＞1.5", "＞1.7"]

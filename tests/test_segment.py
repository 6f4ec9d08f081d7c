"""The shared jieba segmenter: user words, offsets, thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from ingest import segment


@pytest.mark.parametrize(
    "text, word",
    [
        ("积极推动小区公共充电桩建设", "充电桩"),
        ("再建设5家老年人日间照料中心", "日间照料中心"),
        ("结合老旧小区改造工作", "老旧小区"),
        ("加强生活垃圾分类宣传", "垃圾分类"),
        ("持续优化营商环境", "营商环境"),
        ("推进碳达峰和碳中和", "碳达峰"),
        ("坚持以推动高质量发展为主题", "高质量发展"),
        ("扎实做好双碳工作", "双碳"),
    ],
)
def test_user_words_stay_whole(text, word):
    assert word in segment.cut(text)


def test_tokens_carry_exact_offsets():
    text = "打造以文化产业为主题的广州道TOD艺术商圈。"
    toks = segment.tokens(text)
    assert all(text[s:e] == w for w, s, e in toks)
    assert "".join(w for w, _, _ in toks) == text


def test_cut_for_search_adds_parts_of_long_words():
    words = segment.cut_for_search("建设智慧养老平台")
    assert "智慧" in words and "养老" in words


def test_add_words_keeps_new_labels_whole():
    segment.add_words(["润泽康养中心", " ", "x"])
    assert "润泽康养中心" in segment.cut("引入润泽康养中心等高端养老机构")


def test_tokenizer_is_shared_across_threads():
    with ThreadPoolExecutor(4) as pool:
        tokenizers = list(pool.map(lambda _: segment.tokenizer(), range(8)))
    assert all(t is tokenizers[0] for t in tokenizers)


def test_pos_tag_knows_place_names():
    assert segment.pos_tag("天津") == "ns"
    assert segment.pos_tag("金隅嘉品") is None


def both_engines():
    """Return a pure-Python jieba tokenizer and an rjieba one, each with our user dictionary."""
    pytest.importorskip("rjieba")
    import jieba

    python_tok = jieba.Tokenizer()
    python_tok.initialize()
    rust_tok = segment.RustTokenizer()
    for word, tag in segment._user_words():
        python_tok.add_word(word, tag=tag)
        rust_tok.add_word(word, tag=tag)
    return python_tok, rust_tok


def test_rjieba_cuts_exactly_like_jieba_on_real_plans():
    from tests.conftest import CORPUS, holdout_files

    python_tok, rust_tok = both_engines()
    texts = [p.read_text(encoding="utf-8") for p in [*sorted(CORPUS.glob("*.txt")), *holdout_files()]]
    texts.append("PM_2.5 和 5G-A，  2026-01-22\r\n www.gov.cn 3.5% T恤 AR-E3000 ＡＢ１２ a—b")
    for text in texts:
        for mode in ("default", "search"):
            assert list(rust_tok.tokenize(text, mode=mode)) == list(python_tok.tokenize(text, mode=mode))


def test_rjieba_knows_the_same_words():
    python_tok, rust_tok = both_engines()
    for word in ["城市", "金隅", "充电桩", "城市更", "2021", "日间照料中心", "中"]:
        assert bool(rust_tok.FREQ.get(word)) == bool(python_tok.FREQ.get(word)), word

"""Remove what is not the document and normalise what is.

Real plan files come wrapped: YAML front matter, scraper headers (来源：…
发布时间：…), web-page chrome (当前位置, 扫一扫, 打印本页…), a cover notice
(关于印发《X》的通知 … 现将《X》印发给你们 …) around the plan itself, and a
dateline and byline under a work report's title.  ``clean_document`` finds the
document's own title and returns the lines after it, each normalised by
:func:`ingest.normalise.normalise_line`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.normalise import key, normalise_line
from ingest.read import SourceLine

KIND = (r"(?:规划|纲要|方案|计划|报告|办法|意见|通知|决定|细则|规定|条例|要点|措施|政策|指南|建议|公告|通告"
        r"|决议|批复|白皮书|清单|导则|标准|规则)")
KIND_END = re.compile(KIND + r"[”\"’）)]*$")
HAS_KIND = re.compile(KIND)
HEAD_SCAN = 200
FRONT_SCAN = 30

#: Scraper metadata ("来源：", "**发布日期**: …") seen above or just below a title.
META = re.compile(
    r"^(?:标题|文号|发文字号|发布单位|发布机构|发文机关|发布日期|发布时间|发表时间|成文日期|时间|日期|来源|信息来源"
    r"|文章来源|原文链接|原文地址|官方链接|链接|检索时间|检索关键词|关键词|层级|类型|分类|主题分类|状态|有效性|时效性"
    r"|效力级别|索引号|阅读量|阅读次数|浏览次数|点击数|访问量|作者|撰稿|编辑|附件|字号|字体|【字号|【字体)\s*[:：]"
)
DATE_ONLY = re.compile(r"^(?:19|20)\d\d[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d\d(?::\d\d)?)?$")
#: Breadcrumbs and page widgets: only ever dropped above the text, never inside it.
HEAD_CHROME = re.compile(
    r"^(?:[>＞»›/|]|首页|下载|打印|全屏|收藏|分享|分享[:：]|加大|还原|减小|大|中|小|】|【|\[|\]|默认|朗读|English"
    r"|政策全文|正文|全文|无障碍|繁体|简体|繁|简|（本文有删减）|本文有删减|-+|\*+|_+)$"
)
#: Page chrome distinctive enough to drop wherever a short line carries it.
PAGE_CHROME = re.compile(
    r"扫一扫|打印本页|关闭窗口|法宝引证码|分享到|^责任编辑|^当前位置|^您的位置|^你的位置|我要纠错|^【?字号[:：]"
    r"|^【?字体[:：]|网站标识码|ICP备|^主办单位[:：]|^版权所有|^技术支持[:：]|返回顶部|^【打印】|^【关闭】"
    r"|视力保护色|^原文链接[:：]"
)
#: Web-page furniture that closes a scraped page: what follows it is not the document either.
TAIL_CHROME = re.compile(
    r"^(?:【?(?:相关报道|相关文档|相关链接|相关附件|相关阅读|相关新闻|原文下载|附件下载|附件)】?[:：]?$"
    r"|[（(]?来源[:：].{0,30}[）)]?$|编辑[:：].{0,20}$|\*{0,2}更新时间\*{0,2}[:：])"
)
#: A line that is only an attachment's file name or link.
ATTACHMENT = re.compile(r"^.{0,120}\.(?:pdf|docx?|xlsx?|wps|ofd|zip|rar)\)?$", re.IGNORECASE)
#: A line with no letter, digit or CJK character (---, |, ***) carries no text.
WORDY = re.compile(r"[\w\u3400-\u9fff]")
TAIL_SCAN = 15
TAIL_LINE_MAX = 150
CAPTION = re.compile(r"(?:记者|摄影|通讯员)[^。，]{0,30}$|\s摄$")
HEADING_NUMBER = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[章节部分篇条]|[一二三四五六七八九十]+[、.．]"
                            r"|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[、.．﹒]|[①-⑳])")
SUBTITLE = re.compile(r"^[（(]\s*(?:(?:19|20)\d\d\s*[-—–~至]+\s*(?:19|20)?\d\d\s*年?|(?:19|20)\d\d\s*年"
                      r"|试行|暂行|征求意见稿|草案|修订|修订版|送审稿|讨论稿|公开征求意见稿)\s*[）)]$")
DATELINE = re.compile(r"^(?:[—―–\-－]{1,2}\s*|[（(])?\s*(?:(?:19|20)\d\d|二〇)[^，。]{0,30}在[^。]{0,60}"
                      r"(?:会议上|会上)")
SALUTATION = re.compile(r"^(?:各位代表|各位委员|各位政协委员|同志们)[，,:：]?$")
NOTICE = re.compile(r"印发.{1,120}通知$|关于印发$")
BOOK_TITLE = re.compile(r"《([^《》\n]{2,80})》")
NOTICE_NAME = re.compile(r"印发(.{2,120}?)的?通知$")
DATE_LINE = re.compile(r"^(?:(?:19|20)\d\d年\d{1,2}月\d{1,2}日"
                       r"|二[〇○零][一二三四五六七八九〇○零]{2}年.{1,3}月.{1,4}日)$")
#: The sign-off under a document: issuing body, date, 抄送/印发 lines, (此件公开发布).
SIGN_OFF = re.compile(
    r"^(?:[\u4e00-\u9fff（）()]{2,40}(?:人民政府|人民政府办公室|人民政府办公厅|办公室|办公厅|委员会|办事处|管理委员会"
    r"|领导小组|指挥部|党委|党工委|政府|局|厅|委)"
    r"|(?:抄送|抄报|印发|主送)[:：].*|.{2,40}\d{4}年\d{1,2}月\d{1,2}日\s*印发|[（(]此件[^）)]{0,10}[）)])$"
)
SIGN_OFF_SCAN = 6
END_OF_NOTICE = re.compile(r"^(?:特此通知。?|[（(]此件[^）)]{0,10}[）)])$")


@dataclass
class Document:
    """A cleaned document: its title and its body lines (title excluded)."""

    title: str
    lines: list[SourceLine]


def clean_document(lines: list[SourceLine]) -> Document:
    """Return the document's title and its own lines, without wrapping, chrome or blank lines."""
    kept = normalised(lines)
    kept = drop_front_matter(kept)
    kept = drop_page_tail(kept)
    kept = [x for x in kept if not is_page_chrome(x.text) and not ATTACHMENT.match(x.text) and WORDY.search(x.text)]
    if not kept:
        return Document("", [])
    start = find_title(kept)
    notice = find_notice(kept, start)
    title, body = unwrap_notice(kept, notice) if notice is not None else (None, start)
    if title is None:
        title, body = title_block(kept, body)
    rest = drop_sign_off(drop_front_block(kept[body:], title))
    return Document(title, rest)


def normalised(lines: list[SourceLine]) -> list[SourceLine]:
    """Normalise every line and drop the blank ones."""
    out = []
    for line in lines:
        text = normalise_line(line.text)
        if text:
            out.append(SourceLine(text, line.level, line.bold))
    return out


def drop_front_matter(lines: list[SourceLine]) -> list[SourceLine]:
    """Drop a YAML front-matter block (``---`` … ``---``) at the top."""
    if not lines or lines[0].text != "---":
        return lines
    for i, line in enumerate(lines[1:60], start=1):
        if line.text in ("---", "..."):
            return lines[i + 1:]
    return lines


def is_page_chrome(text: str) -> bool:
    """Tell whether a short line is web-page chrome (扫一扫, 打印本页, 【法宝引证码】…)."""
    return len(text) <= 80 and bool(PAGE_CHROME.search(text))


def is_head_noise(text: str) -> bool:
    """Tell whether a line above or just below the title is scraper metadata or page furniture."""
    return (bool(HEAD_CHROME.match(text) or META.match(text) or DATE_ONLY.match(text))
            or (len(text) <= 80 and bool(CAPTION.search(text))))


def title_like(line: SourceLine) -> bool:
    """Tell whether a line can be a document title: short, no sentence end, names a kind or is styled."""
    text = line.text
    if not 2 <= len(text) <= 120 or is_head_noise(text) or text.endswith(tuple("。；，：:,;、")):
        return False
    if text.startswith(("——", "—", "―", "--")) or HEADING_NUMBER.match(text) or "\t" in text:
        return False
    if text.endswith(("关于印发", "关于")):
        return True
    return bool(HAS_KIND.search(text)) or line.level == 1 or (line.bold and len(text) <= 60)


def find_title(lines: list[SourceLine]) -> int:
    """Return the index of the first title-like line (the first non-noise line if none is)."""
    head = lines[:HEAD_SCAN]
    found = next((i for i, line in enumerate(head) if title_like(line)), None)
    if found is not None:
        before = head[found - 1].text if found else ""
        short = len(head[found].text) <= 10 or before.endswith(("和", "与", "及", "的"))
        if before and short and not is_head_noise(before) and len(before) <= 60 and wraps(before, head[found].text):
            return found - 1
        return found
    return next((i for i, line in enumerate(head) if not is_head_noise(line.text)), 0)


def find_notice(lines: list[SourceLine], start: int) -> int | None:
    """Return the index of a cover notice title (关于印发…的通知) at or just after ``start``."""
    for i in range(start, min(start + 12, len(lines))):
        text = lines[i].text
        if len(text) <= 160 and NOTICE.search(text) and not text.endswith("。"):
            return i
    return None


def notice_names(lines: list[SourceLine], at: int) -> tuple[str, list[str], int]:
    """Return (name in the notice title, every name the notice gives, index after its title)."""
    text, after = lines[at].text, at + 1
    if not text.endswith("通知") and after < len(lines) and lines[after].text.endswith("通知"):
        text, after = text + lines[after].text, after + 1
    titled = BOOK_TITLE.findall(text)
    m = NOTICE_NAME.search(text)
    main = titled[0] if len(titled) == 1 else (m.group(1).strip("《》") if m else "")
    names = [main, *titled]
    for line in lines[after:after + 15]:
        names.extend(BOOK_TITLE.findall(line.text))
    return main, [n for n in names if len(key(n)) >= 2], after


def unwrap_notice(lines: list[SourceLine], at: int) -> tuple[str | None, int]:
    """Return (title, index where the plan begins) for a cover notice at ``at``."""
    main, names, after = notice_names(lines, at)
    keys = {key(n) for n in names}
    for i in range(after, min(after + 80, len(lines))):
        k = key(lines[i].text)
        if k in keys or any(k.startswith(n) and SUBTITLE.match(lines[i].text[len(n):].strip()) for n in keys):
            if key(main) != k and k in key(main):
                return main, i
            return None, i
    for i in range(after, min(after + 40, len(lines))):
        if DATE_LINE.match(lines[i].text) or END_OF_NOTICE.match(lines[i].text):
            end = i + 1
            while end < len(lines) and END_OF_NOTICE.match(lines[end].text):
                end += 1
            return main or None, end
    return main or None, after


def title_block(lines: list[SourceLine], at: int) -> tuple[str, int]:
    """Return the title starting at ``at`` (wrapped lines, subtitle, dateline) and the index after it."""
    if at >= len(lines):
        return "", at
    from ingest.meta import plan_street

    title, i = lines[at].text, at + 1
    if i < len(lines) and wraps(title, lines[i].text):
        title, i = title + lines[i].text, i + 1
    while i < len(lines) and SUBTITLE.match(lines[i].text):
        title, i = title + lines[i].text, i + 1
    dateline, i = find_dateline(lines, i)
    if dateline and not plan_street(title):
        title += dateline if dateline.startswith(("（", "(", "—", "―")) else "——" + dateline
    return title, i


def wraps(title: str, following: str) -> bool:
    """Tell whether ``following`` finishes a title broken over two lines."""
    if len(following) > 60 or following.endswith(tuple("。；，：:")) or HEADING_NUMBER.match(following):
        return False
    if title.endswith(("和", "与", "及", "关于", "关于印发", "的")):
        return True
    return not KIND_END.search(title) and bool(KIND_END.search(following)) and len(title) <= 60


def find_dateline(lines: list[SourceLine], start: int) -> tuple[str, int]:
    """Return a report's dateline (——2026年1月26日在…会议上) near ``start`` (joined if wrapped) and the index after."""
    at = start
    while at < len(lines) and at < start + 12 and is_head_noise(lines[at].text):
        at += 1
    if at >= len(lines):
        return "", start
    text = lines[at].text
    if DATELINE.match(text):
        return text, at + 1
    if at + 1 < len(lines) and len(text) <= 60 and DATELINE.match(text + lines[at + 1].text):
        return text + lines[at + 1].text, at + 2
    return "", start


def drop_front_block(lines: list[SourceLine], title: str) -> list[SourceLine]:
    """Drop scraper lines, bylines and repeated titles between the title and the text."""
    salute = next((i for i, x in enumerate(lines[:FRONT_SCAN]) if SALUTATION.match(x.text)), None)
    if salute is not None and all(len(x.text) <= 120 for x in lines[:salute]):
        lines = lines[salute:]
    title_key = key(title)
    out = []
    for i, line in enumerate(lines):
        head = i < FRONT_SCAN
        if head and (is_head_noise(line.text) or (len(line.text) >= 4 and key(line.text) == title_key)):
            continue
        out.append(line)
    return out


def drop_sign_off(lines: list[SourceLine]) -> list[SourceLine]:
    """Drop the sign-off at the end (issuing body, date, 抄送/印发 lines): it is not content."""
    end = len(lines)
    while end > 1 and len(lines) - end < SIGN_OFF_SCAN:
        text = lines[end - 1].text
        if not (DATE_LINE.match(text) or DATE_ONLY.match(text) or SIGN_OFF.match(text)):
            break
        end -= 1
    return lines[:end]


def drop_page_tail(lines: list[SourceLine]) -> list[SourceLine]:
    """Cut a scraped page's tail: from the first closing chrome line (相关报道, 打印本页…) of short lines."""
    cut = len(lines)
    # Only the second half is tail: the head of a short page has chrome of its own (handled elsewhere).
    for i in range(len(lines) - 1, max(len(lines) - TAIL_SCAN, len(lines) // 2), -1):
        text = lines[i].text
        if len(text) > TAIL_LINE_MAX:
            break
        if TAIL_CHROME.match(text) or is_page_chrome(text):
            cut = i
    return lines[:cut]

"""Column types of a sheet definition: how one cell of a real office file becomes one Python value.

Every type takes what Excel, WPS and CSV files actually contain — numbers stored as floats
(13912345678.0), full-width digits, stray spaces, dates as Excel serials or as 2014/9/5 — and either
returns the clean value or raises ``CellError`` with a Chinese message naming what was wrong. Empty
cells never reach a type: the pipeline turns them into ``None`` (and checks ``required``) first.

The parsers are called once per cell of files with 100 k rows, so the common case (plain ASCII
text, an int) returns early without regular expressions or Unicode normalisation. The pipeline works a
column of a batch at a time: cacheable types are parsed once per distinct cell, and a type may offer
``fast_column`` — a list comprehension that passes the cells already in their final form (a trimmed,
normalised name; an 11-digit mobile number) and leaves only the others to ``parse``.
"""

from __future__ import annotations

import datetime
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from qingnong.core.normalise import MOBILE

# Excel's day 0 (with its 1900 leap-year bug): serial 1 is 1900-01-01, serial 61 is 1900-03-01.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR_TEXT = re.compile(
    r"^(\d{4})\s*(?:年|[-/.]\s*\d{1,2}\s*(?:月|[-/.]\s*\d{1,2}\s*日?)?)?\s*(?:年?\d{1,2}月?)?$"
)
# An 11-digit mobile number exactly as ``Phone.parse`` returns it (ASCII digits, nothing around).
_FAST_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_BLANKS = str.maketrans("", "", " \t\r\n\u3000\u00a0")

TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "✔", "对", "有", "t", "在任"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "×", "✗", "✘", "x", "无", "f", "不是", "离任"})


class CellError(ValueError):
    """A cell's value does not fit its column; the message is shown to the user as is."""


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# What ``fast_column`` puts for an empty cell, and for a cell that ``parse`` must look at.
EMPTY = _Marker("EMPTY")
MISS = _Marker("MISS")


def cell_text(value: Any) -> str:
    """A cell as trimmed half-width text: 13912345678.0 → "13912345678", "１３９" → "139"."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        if text.isascii():
            return text
        return unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: Any, limit: int = 30) -> str:
    """A value as quoted in an error message (short)."""
    text = cell_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class ColumnType:
    """Base of the column types. Subclasses implement ``parse`` (cell → value) and ``to_cell``."""

    label: ClassVar[str] = "文本"

    # Whether equal cells always parse the same (the pipeline then parses each distinct value once).
    cacheable: ClassVar[bool] = False

    def parse(self, value: Any) -> Any:
        return cell_text(value)

    def fast_column(self, cells: list[Any]) -> list[Any] | None:
        """Optional shortcut for a whole column of a batch: for each cell its value exactly as ``parse``
        would return it, ``EMPTY`` for an empty string, or ``MISS`` when ``parse`` must decide (and raise
        ``CellError`` if need be). None: no shortcut. Only for cells that cannot be formulas or blanks in
        disguise: a cell starting with "=" or made of spaces must come out as ``MISS``."""
        return None

    def to_cell(self, value: Any) -> Any:
        """The value as written to an export or template cell."""
        if value is None:
            return ""
        return value

    def dropdown(self) -> list[str] | None:
        """The values offered in a template's dropdown (data validation), if any."""
        return None

    def describe(self) -> str:
        """What the notes sheet says about the format."""
        return self.label


@dataclass
class Text(ColumnType):
    max_length: int | None = None
    label: ClassVar[str] = "文本"

    def parse(self, value: Any) -> str:
        text = cell_text(value)
        if self.max_length is not None and len(text) > self.max_length:
            raise CellError(f"内容过长（{len(text)} 字，最多 {self.max_length} 字）")
        return text

    def fast_column(self, cells: list[Any]) -> list[Any] | None:
        if type(self).parse is not Text.parse:  # a subclass parses its own way
            return None
        limit = self.max_length if self.max_length is not None else sys.maxsize
        normalised = unicodedata.is_normalized
        # Already trimmed (strip returns the very same object) and NFKC-normal: cell_text would
        # return it unchanged.
        return [
            v
            if v.__class__ is str
            and v
            and v[0] != "="
            and v.strip() is v
            and len(v) <= limit
            and (v.isascii() or normalised("NFKC", v))
            else (EMPTY if v == "" else MISS)
            for v in cells
        ]

    def describe(self) -> str:
        return f"文本，最多 {self.max_length} 字" if self.max_length else "文本"


@dataclass
class Code(ColumnType):
    """An identifier made of digits and letters (division codes): numbers lose their ``.0`` and spaces go."""

    max_length: int | None = None
    digits_only: bool = False
    label: ClassVar[str] = "编码"

    def parse(self, value: Any) -> str:
        text = cell_text(value).translate(_BLANKS)
        if _SCIENTIFIC.match(text):
            raise CellError(f"“{text}”是科学计数法，请把该列设为文本格式后重新填写完整编码")
        if self.digits_only and not text.isdigit():
            raise CellError(f"“{shown(value)}”应只含数字")
        if self.max_length is not None and len(text) > self.max_length:
            raise CellError(f"“{shown(value)}”过长（最多 {self.max_length} 位）")
        return text

    def describe(self) -> str:
        return "数字编码（请设为文本格式，避免变成科学计数法）" if self.digits_only else "编码"


@dataclass
class Integer(ColumnType):
    min_value: int | None = None
    max_value: int | None = None
    label: ClassVar[str] = "整数"

    def parse(self, value: Any) -> int:
        if isinstance(value, bool):
            raise CellError("应为整数")
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            text = cell_text(value).replace(",", "")
            if text.endswith(".0"):
                text = text[:-2]
            try:
                number = int(text)
            except ValueError:
                raise CellError(f"“{shown(value)}”不是整数") from None
        self._check_range(number)
        return number

    def _check_range(self, number: int) -> None:
        if self.min_value is not None and number < self.min_value:
            raise CellError(f"{number} 小于最小值 {self.min_value}")
        if self.max_value is not None and number > self.max_value:
            raise CellError(f"{number} 大于最大值 {self.max_value}")

    def describe(self) -> str:
        if self.min_value is not None and self.max_value is not None:
            return f"整数，{self.min_value}–{self.max_value}"
        return "整数"


def excel_serial_to_date(number: float) -> datetime.date:
    if not 1 <= number < 2958466:
        raise CellError(f"{number} 不是有效的 Excel 日期")
    return _EXCEL_EPOCH + datetime.timedelta(days=int(number))


def parse_date(value: Any) -> datetime.date:
    """A date from an Excel date cell, an Excel serial number, or text such as 2014-09-05, 2014/9/5,
    2014年9月5日, 2014.9.5 or 20140905."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise CellError("不是日期")
    if isinstance(value, int | float):
        if 10_000 <= value < 100_000:
            return excel_serial_to_date(value)
        if isinstance(value, int) or value.is_integer():
            match = _DATE_COMPACT.match(str(int(value)))
            if match:
                return _make_date(match, value)
        raise CellError(f"“{shown(value)}”不是日期")
    text = cell_text(value)
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match:
        return _make_date(match, value)
    try:
        serial = float(text)
    except ValueError:
        raise CellError(f"“{shown(value)}”不是日期，请写成 2014-09-05 或 2014年9月5日") from None
    if 10_000 <= serial < 100_000:
        return excel_serial_to_date(serial)
    raise CellError(f"“{shown(value)}”不是日期，请写成 2014-09-05 或 2014年9月5日")


def _make_date(match: re.Match[str], original: Any) -> datetime.date:
    year, month, day = (int(g) for g in match.groups()[:3])
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(f"“{shown(original)}”不是有效日期") from None


@dataclass
class Date(ColumnType):
    cacheable: ClassVar[bool] = True
    label: ClassVar[str] = "日期"

    def parse(self, value: Any) -> datetime.date:
        return parse_date(value)

    def to_cell(self, value: Any) -> Any:
        return value if value is not None else ""

    def describe(self) -> str:
        return "日期，如 2014-09-05、2014/9/5、2014年9月5日"


@dataclass
class Year(ColumnType):
    """A year; also accepts a full date or "1990年5月" / "1990.05" (出生年月) and keeps the year."""

    cacheable: ClassVar[bool] = True
    min_value: int | None = None
    max_value: int | None = None
    label: ClassVar[str] = "年份"

    def parse(self, value: Any) -> int:
        if isinstance(value, datetime.date):
            year = value.year
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if 1000 <= value < 10000:
                year = int(value)
            elif 10_000 <= value < 100_000:
                year = excel_serial_to_date(value).year
            else:
                raise CellError(f"“{shown(value)}”不是年份")
        else:
            text = cell_text(value)
            match = _YEAR_TEXT.match(text)
            if not match:
                raise CellError(f"“{shown(value)}”不是年份，请写成 1990")
            year = int(match.group(1))
        if self.min_value is not None and year < self.min_value:
            raise CellError(f"年份 {year} 早于 {self.min_value}")
        if self.max_value is not None and year > self.max_value:
            raise CellError(f"年份 {year} 晚于 {self.max_value}")
        return year

    def describe(self) -> str:
        return "四位年份，如 1990（也可填出生年月，只取年份）"


@dataclass
class Bool(ColumnType):
    """是/否; ``true_words`` / ``false_words`` add column-specific words (专职 / 兼职)."""

    cacheable: ClassVar[bool] = True
    true_words: tuple[str, ...] = ()
    false_words: tuple[str, ...] = ()
    label: ClassVar[str] = "是/否"

    def parse(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if text in TRUE_WORDS or text in self.true_words:
            return True
        if text in FALSE_WORDS or text in self.false_words:
            return False
        extra = "".join(f"“{w}”" for w in (*self.true_words, *self.false_words))
        raise CellError(f"“{shown(value)}”应填“是”或“否”{('（或' + extra + '）') if extra else ''}")

    def to_cell(self, value: Any) -> str:
        if value is None:
            return ""
        return "是" if value else "否"

    def dropdown(self) -> list[str]:
        return ["是", "否"]

    def describe(self) -> str:
        return "填“是”或“否”（也认 √/×、Y/N、1/0）"


@dataclass
class Choice(ColumnType):
    """One of a fixed list. ``choices`` are (value, label) pairs (a Django ``TextChoices.choices``);
    a cell may hold the label (书记), the stored value (secretary) or one of ``synonyms``."""

    cacheable: ClassVar[bool] = True
    choices: Iterable[tuple[Any, Any]] = ()
    synonyms: dict[str, Any] = field(default_factory=dict)
    label: ClassVar[str] = "选项"

    def __post_init__(self) -> None:
        self.choices = [(value, str(label)) for value, label in self.choices]
        lookup: dict[str, Any] = {}
        for value, label in self.choices:
            lookup[_choice_key(label)] = value
            lookup[_choice_key(str(value))] = value
        for word, value in self.synonyms.items():
            lookup[_choice_key(word)] = value
        self._lookup = lookup
        self._labels = {value: label for value, label in self.choices}

    def parse(self, value: Any) -> Any:
        key = _choice_key(cell_text(value))
        try:
            return self._lookup[key]
        except KeyError:
            allowed = "、".join(label for _v, label in self.choices)
            raise CellError(f"“{shown(value)}”不是可选值（可选：{allowed}）") from None

    def to_cell(self, value: Any) -> str:
        if value in (None, ""):
            return ""
        return self._labels.get(value, str(value))

    def dropdown(self) -> list[str]:
        return [label for _v, label in self.choices]

    def describe(self) -> str:
        return "从下拉列表选择：" + "、".join(self.dropdown())


def _choice_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_BLANKS).replace("·", "").replace("•", "").lower()


@dataclass
class Phone(ColumnType):
    """An 11-digit mainland mobile number (the same rule as ``core.normalise.normalise_phone``),
    also when Excel stored it as 13912345678.0 or the CSV as 1.3912345678E+10."""

    label: ClassVar[str] = "手机号"

    def parse(self, value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        else:
            text = cell_text(value)
            if _SCIENTIFIC.match(text):
                raise CellError(f"“{text}”被 Excel 变成了科学计数法，请把该列设为文本格式后重新填写")
            text = _PHONE_NOISE.sub("", text)
            if text.endswith(".0"):
                text = text[:-2]
            if text.startswith("+86"):
                text = text[3:]
            elif text.startswith("86") and len(text) == 13:
                text = text[2:]
        if not MOBILE.match(text):
            raise CellError(f"“{shown(value)}”不是11位手机号码")
        return text

    def fast_column(self, cells: list[Any]) -> list[Any] | None:
        if type(self).parse is not Phone.parse:
            return None
        mobile = _FAST_MOBILE.fullmatch
        return [v if v.__class__ is str and mobile(v) else (EMPTY if v == "" else MISS) for v in cells]

    def describe(self) -> str:
        return "11位手机号码（请设为文本格式）"


@dataclass
class OrgRef(ColumnType):
    """An org named as a path of names ("怀宁县/石牌镇/新河村", short names allowed, levels may be
    skipped) or as a division code. The pipeline resolves it to an ``OrgNode`` in batches, in memory."""

    label: ClassVar[str] = "组织"
    cacheable: ClassVar[bool] = True  # a few thousand distinct orgs in 100 k rows
    active_only: bool = True

    def parse(self, value: Any) -> str:
        text = cell_text(value)
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        return text.replace("\\", "/").replace("／", "/")

    def to_cell(self, value: Any) -> str:
        if value is None:
            return ""
        return getattr(value, "display_path", None) or str(value)

    def describe(self) -> str:
        return "组织路径，如“怀宁县/石牌镇/新河村”（可用简称，可省略中间层级），或行政区划代码"


@dataclass
class CadreRef(ColumnType):
    """A cadre named by name and mobile phone ("张三 13912345678"); the phone decides, the name must
    agree. A name alone is accepted when exactly one cadre in the importer's scope has it."""

    label: ClassVar[str] = "团干部"

    def parse(self, value: Any) -> tuple[str, str | None]:
        text = cell_text(value)
        digits = re.sub(r"\D", "", text)
        phone: str | None = None
        name = text
        match = re.search(r"1[3-9]\d{9}", text.replace(" ", "").replace("-", ""))
        if match:
            phone = match.group(0)
            name = re.sub(r"[\d\s\-()（）,，/:：+]+", " ", text).strip()
        elif len(digits) >= 7:
            raise CellError(f"“{shown(value)}”中的手机号不是11位手机号码")
        return (name, phone)

    def to_cell(self, value: Any) -> str:
        if value is None:
            return ""
        return f"{value.name} {value.phone or ''}".strip()

    def describe(self) -> str:
        return "团干部“姓名 手机号”，如“张三 13912345678”"


@dataclass
class Column:
    """One column of a sheet definition.

    ``name`` is the key of the value in ``row.values`` (usually the model field name); ``header`` is
    the Chinese header written in templates and exports; ``aliases`` are other headers offices use
    for the same column (compared after removing spaces, line breaks, ``*`` and bracketed notes, and
    after full-width → half-width). ``required`` means the cell may not be empty; ``default`` is used
    for an empty cell (or a missing optional column). ``personal`` ("phone" / "text") masks the value
    in exports for roles that may not see personal data. ``example`` fills the template's example row.
    """

    name: str
    header: str
    type: ColumnType = field(default_factory=Text)
    required: bool = False
    aliases: tuple[str, ...] = ()
    default: Any = None
    help: str = ""
    example: Any = ""
    personal: str | None = None
    export: bool = True
    import_: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.aliases, str):
            raise TypeError(f"Column {self.name}: aliases must be a tuple of strings, not one string")
        self.aliases = tuple(self.aliases)

    def header_keys(self) -> list[str]:
        return [normalise_header(h) for h in (self.header, *self.aliases)]


_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|<[^>]*>")


def normalise_header(text: Any) -> str:
    """ "手机号\n（必填）*" → "手机号": the key headers are compared by."""
    raw = cell_text(text)
    if not raw:
        return ""
    raw = unicodedata.normalize("NFKC", raw)
    raw = _BRACKETS.sub("", raw)
    raw = raw.translate(_BLANKS)
    return raw.strip("*※:：.、").lower()


__all__ = [
    "EMPTY",
    "MISS",
    "Bool",
    "CadreRef",
    "CellError",
    "Choice",
    "Code",
    "Column",
    "ColumnType",
    "Date",
    "Integer",
    "OrgRef",
    "Phone",
    "Text",
    "Year",
    "cell_text",
    "is_blank",
    "normalise_header",
    "parse_date",
]

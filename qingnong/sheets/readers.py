"""Opening the files offices actually send: .xlsx, .xls, .ods (python-calamine) and .csv (UTF-8 with or
without BOM, GBK/GB18030, detected).

Before a single cell is parsed the file is checked as a whole, and refused with a Chinese message
(``FileRejected``) when it is too large, when its extension lies about its content, when it is
encrypted, when it is a zip bomb (declared or actual uncompressed size absurd), or when it cannot be
read at all. Rows come out lazily as ``(excel_row_number, cells)`` with the row numbers the user sees
in Excel, so that every error can name its row.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000
# A real 200 k-row ledger unpacks to a few hundred MB at most; more than this is a zip bomb.
DEFAULT_MAX_UNPACKED = 1024 * 1024 * 1024
# Office files compress text around 5–20×; hundreds of times is how zip bombs look.
MAX_RATIO = 200

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SUPPORTED = {
    "xlsx": "Excel 工作簿",
    "xlsm": "Excel 工作簿",
    "xls": "Excel 97-2003 工作簿",
    "ods": "ODS 表格",
    "csv": "CSV",
}
FORMAT_NAMES = {
    "xlsx": ".xlsx（Excel 工作簿）",
    "xls": ".xls（Excel 97-2003 工作簿）",
    "ods": ".ods（ODS 表格）",
    "csv": ".csv（文本）",
    "html": "网页（HTML）表格",
    "text": "纯文本",
    "encrypted": "加密的 Office 文件",
}
NOTES_SHEET_NAMES = {"说明", "填表说明", "填写说明", "notes"}


class FileRejected(Exception):
    """The file as a whole cannot be imported; ``message`` says why in Chinese."""

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def max_bytes() -> int:
    return int(getattr(settings, "SHEETS_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "SHEETS_MAX_ROWS", DEFAULT_MAX_ROWS))


def max_unpacked() -> int:
    return int(getattr(settings, "SHEETS_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED))


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


@dataclass
class SheetSource:
    """One worksheet of an opened file.

    ``rows()`` yields ``(row_number, cells)`` from the top of the sheet (title rows included) with
    Excel's 1-based row numbers; cells are ``""`` when empty. ``formula_cells`` holds the
    ``(row_number, column_index)`` of cells that contain a formula (xlsx and ods).
    """

    path: Path
    format: str
    filename: str
    sheet_name: str = ""
    estimated_rows: int = 0
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    encoding: str = ""
    _sheet: Any = None

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        if self.format == "csv":
            yield from self._csv_rows()
            return
        sheet = self._sheet
        start = sheet.start
        if start is None:
            return
        first_row, first_col = start
        pad = [""] * first_col
        for offset, cells in enumerate(sheet.iter_rows()):
            yield first_row + offset + 1, (pad + cells if first_col else cells)

    def _csv_rows(self) -> Iterator[tuple[int, list[Any]]]:
        with open(self.path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="", errors="strict")
            sample = text.read(64 * 1024)
            text.seek(0)
            dialect: Any = csv.excel
            with contextlib.suppress(csv.Error):
                dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
            reader = csv.reader(text, dialect)
            try:
                yield from enumerate(reader, start=1)
            except UnicodeDecodeError:
                raise FileRejected(
                    f"文件按 {self.encoding} 编码读到中途出现无法识别的字符，"
                    "请用 Excel/WPS 另存为 UTF-8 CSV 或 .xlsx",
                    code="encoding",
                ) from None
            except csv.Error as exc:
                raise FileRejected(f"CSV 格式有误：{exc}", code="unreadable") from None


def extension_of(filename: str) -> str:
    return Path(filename).suffix.lower().lstrip(".")


def sniff(path: Path) -> str:
    """What the content is, whatever the name says: xlsx, ods, xls, encrypted, html, csv or text."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if "mimetype" in names:
                    mimetype = zf.read("mimetype")[:100]
                    if b"opendocument.spreadsheet" in mimetype:
                        return "ods"
                if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
                    return "xlsx"
        except zipfile.BadZipFile:
            return "broken"
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "encrypted" if _ole_is_encrypted(path) else "xls"
    lowered = head.lower().lstrip()
    if lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")) or b"<html" in lowered[:512]:
        return "html"
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binary"
    return "csv"


def _ole_is_encrypted(path: Path) -> bool:
    """An OOXML file with an open password is an OLE container holding these two streams."""
    with open(path, "rb") as fh:
        data = fh.read(8 * 1024 * 1024)
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def open_sheet(path: str | os.PathLike[str], *, filename: str | None = None) -> SheetSource:
    """Check the file and open its data sheet; raise ``FileRejected`` with the reason otherwise."""
    path = Path(path)
    filename = filename or path.name
    size = path.stat().st_size
    limit = max_bytes()
    if size > limit:
        raise FileRejected(f"文件大小 {_mb(size)}，超过上限 {_mb(limit)}，请拆分后分批导入", code="too_large")
    if size == 0:
        raise FileRejected("文件是空的（0 字节）", code="empty")
    ext = extension_of(filename)
    if ext not in SUPPORTED:
        raise FileRejected(
            f"不支持的文件类型“.{ext or '无扩展名'}”，请上传 .xlsx、.xls、.ods 或 .csv 文件",
            code="wrong_type",
        )
    actual = sniff(path)
    if actual == "encrypted":
        raise FileRejected(
            "文件设置了打开密码（已加密），无法读取。"
            "请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后再导入",
            code="encrypted",
        )
    wanted = "xlsx" if ext == "xlsm" else ext
    if actual in {"broken", "zip", "binary"}:
        raise FileRejected(f"文件已损坏或不是表格文件，无法读取（扩展名为 .{ext}）", code="unreadable")
    if actual != wanted:
        raise FileRejected(
            f"文件扩展名是 .{ext}，但内容是{FORMAT_NAMES.get(actual, actual)}。"
            f"请用 Excel/WPS 打开后“另存为”.xlsx 再导入",
            code="wrong_extension",
        )
    source = SheetSource(path=path, format=actual, filename=filename)
    if actual == "csv":
        source.encoding = detect_encoding(path)
        source.estimated_rows = _count_lines(path)
    else:
        with_formulas = _check_zip(path) if actual in {"xlsx", "ods"} else set()
        _open_workbook(source, with_formulas)
    if source.estimated_rows > max_rows() + 100:
        raise FileRejected(
            f"表格约有 {source.estimated_rows} 行，超过单次导入上限 {max_rows()} 行，请拆分后分批导入",
            code="too_many_rows",
        )
    return source


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            count += chunk.count(b"\n")
    return count


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when it decodes as such, else what charset-normalizer finds among the
    Chinese encodings (GBK is read as its superset GB18030)."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 256 * 1024], cp_isolation=["gb18030", "gbk", "gb2312", "big5", "utf_16"]).best()
    candidates = []
    if best is not None:
        name = best.encoding.lower().replace("-", "_")
        candidates.append("gb18030" if name in {"gbk", "gb2312", "hz", "gb18030", "cp936"} else name)
    candidates.append("gb18030")
    for encoding in candidates:
        try:
            data.decode(encoding)
            return encoding
        except (UnicodeDecodeError, LookupError):
            continue
    raise FileRejected(
        "无法识别文件的文字编码，请用 Excel/WPS 另存为“CSV UTF-8”或 .xlsx 后再导入", code="encoding"
    )


# The members zipfile can inflate; any other method, or a member encrypted with a zip password (flag bit 0),
# is refused up front with its own message.
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_ENCRYPTED = 0x1

_BOMB = "文件解压后体积异常（{what}），疑似“压缩炸弹”，已拒绝"


def _check_zip(path: Path) -> set[str]:
    """Refuse absurd uncompressed sizes: first the sizes the zip declares, then (streaming, bounded)
    the bytes the members really inflate to, since a hostile file can declare small sizes.

    Returns the members that contain formulas (seen on the same pass, so the sheet is inflated once).
    """
    with_formulas: set[str] = set()
    limit = max_unpacked()
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            declared = sum(i.file_size for i in infos)
            if declared > limit:
                raise FileRejected(
                    _BOMB.format(what=f"声明解压后 {_mb(declared)}，上限 {_mb(limit)}"), code="zip_bomb"
                )
            for info in infos:
                if info.flag_bits & _ZIP_ENCRYPTED:
                    raise FileRejected(
                        "文件中的内容已加密（压缩包密码），请解除密码后再导入", code="encrypted"
                    )
                if info.compress_type not in _ZIP_METHODS:
                    raise FileRejected(
                        f"文件使用了无法识别的压缩方式（{info.compress_type}），"
                        "请用 Excel/WPS 重新保存为 .xlsx 后再导入",
                        code="unreadable",
                    )
                if info.file_size > 10 * 1024 * 1024 and info.file_size > MAX_RATIO * max(
                    info.compress_size, 1
                ):
                    raise FileRejected(
                        _BOMB.format(
                            what=f"“{info.filename}”压缩比 {info.file_size // max(info.compress_size, 1)}:1"
                        ),
                        code="zip_bomb",
                    )
            total = 0
            for info in infos:
                # zipfile never inflates past the declared size (and checks the CRC at the end).
                look = info.filename.startswith("xl/worksheets/") or info.filename == "content.xml"
                tail = b""
                with zf.open(info) as member:
                    while chunk := member.read(4 * 1024 * 1024):
                        total += len(chunk)
                        if total > limit:
                            raise FileRejected(_BOMB.format(what=f"解压超过 {_mb(limit)}"), code="zip_bomb")
                        if look and info.filename not in with_formulas:
                            window = tail + chunk
                            if b"<f>" in window or b"<f " in window or b"table:formula" in window:
                                with_formulas.add(info.filename)
                            tail = chunk[-16:]
    except zipfile.BadZipFile as exc:
        raise FileRejected(f"文件已损坏，无法解压（{exc}）", code="unreadable") from None
    except zipfile.LargeZipFile as exc:
        raise FileRejected(f"文件无法读取（{exc}）", code="unreadable") from None
    return with_formulas


def _open_workbook(source: SheetSource, with_formulas: set[str]) -> None:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_path(str(source.path))
        names = [
            m.name
            for m in workbook.sheets_metadata
            if str(m.visible).endswith("Visible") and str(m.typ).endswith("WorkSheet")
        ] or list(workbook.sheet_names)
        chosen = None
        for name in names:
            if name.strip().lower() in NOTES_SHEET_NAMES:
                continue
            sheet = workbook.get_sheet_by_name(name)
            if sheet.start is not None and sheet.height > 0:
                chosen = sheet
                break
        if chosen is None:
            raise FileRejected("工作表是空的：没有任何数据", code="empty")
    except PasswordError:
        raise FileRejected(
            "文件设置了密码保护，无法读取。请在 Excel/WPS 中取消密码后再导入", code="encrypted"
        ) from None
    except FileRejected:
        raise
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRejected(
            f"文件已损坏或格式不正确，无法读取（{type(exc).__name__}）", code="unreadable"
        ) from None
    source._sheet = chosen
    source.sheet_name = chosen.name
    source.estimated_rows = chosen.height
    if source.format == "xlsx" and with_formulas:
        source.formula_cells = _xlsx_formula_cells(source.path, chosen.name, with_formulas)
    elif source.format == "ods" and with_formulas:
        source.formula_cells = _ods_formula_cells(source.path, chosen.name)


_CELL_REF = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]+)(\d+)\"[^>]*?(?<!/)>(.*?)</c>", re.S)


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _xlsx_sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    from defusedxml import ElementTree

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rel_id = None
    for sheet in workbook.iter(f"{ns_main}sheet"):
        if sheet.get("name") == sheet_name:
            rel_id = sheet.get(f"{ns_rel}id")
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def _xlsx_formula_cells(path: Path, sheet_name: str, with_formulas: set[str]) -> set[tuple[int, int]]:
    """The cells of the chosen sheet holding a formula (scanned only when the sheet has any)."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = _xlsx_sheet_part(zf, sheet_name)
            if part is None or part not in with_formulas:
                return set()
            data = zf.read(part)
    except (zipfile.BadZipFile, KeyError, SyntaxError, ValueError):
        return set()
    cells = set()
    for match in _CELL_REF.finditer(data):
        if b"<f" in match.group(3):
            cells.add((int(match.group(2)), _column_index(match.group(1))))
    return cells


def _ods_formula_cells(path: Path, sheet_name: str) -> set[tuple[int, int]]:
    from defusedxml import ElementTree

    table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    t = f"{{{table_ns}}}"
    cells: set[tuple[int, int]] = set()
    try:
        with zipfile.ZipFile(path) as zf:
            root = ElementTree.fromstring(zf.read("content.xml"))
    except (zipfile.BadZipFile, KeyError, SyntaxError, ValueError):
        return cells
    for table in root.iter(f"{t}table"):
        if table.get(f"{t}name") != sheet_name:
            continue
        row_number = 0
        for row in table.iter(f"{t}table-row"):
            repeat_rows = int(row.get(f"{t}number-rows-repeated", "1"))
            col = 0
            for cell in row:
                if cell.tag not in (f"{t}table-cell", f"{t}covered-table-cell"):
                    continue
                repeat_cols = int(cell.get(f"{t}number-columns-repeated", "1"))
                if cell.get(f"{t}formula"):
                    for r in range(min(repeat_rows, 1000)):
                        for c in range(min(repeat_cols, 1000)):
                            cells.add((row_number + r + 1, col + c))
                col += repeat_cols
            row_number += repeat_rows
    return cells


__all__ = ["FileRejected", "SheetSource", "detect_encoding", "open_sheet", "sniff"]

"""Keyword matching of automatic replies, with regular expressions that cannot run away.

Python's ``re`` has no time-out, so a pattern is admitted only if its worst case is small on the short
texts it is matched against (at most ``MAX_TEXT`` characters):

- no back-references and no look-arounds containing repetition;
- no repetition inside a repetition (``(a+)+``, ``(.*a){10}``) and no repeated alternation containing a
  repetition or overlapping branches (``(a|aa)*``) — the shapes of catastrophic backtracking;
- at most ``MAX_UNBOUNDED`` unbounded repetitions in the whole pattern, which bounds the work at
  about ``MAX_TEXT ** (MAX_UNBOUNDED + 1)`` steps — a few milliseconds at worst.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

try:  # Python 3.11+: the parser is private but stable
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

from django.core.exceptions import ValidationError

MAX_PATTERN = 200
MAX_TEXT = 200
MAX_UNBOUNDED = 2
# A counted repetition above this many is treated like an unbounded one.
BIG_REPEAT = 20

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
_POSSESSIVE = getattr(sre_constants, "POSSESSIVE_REPEAT", None)
if _POSSESSIVE is not None:
    _REPEATS.add(_POSSESSIVE)


def normalise_text(text: str) -> str:
    """What a youth typed, as we compare it: half-width, trimmed, spaces collapsed, case folded."""
    text = unicodedata.normalize("NFKC", text or "").replace("\u3000", " ")
    return " ".join(text.split()).casefold()


def _items(subpattern: Any) -> Iterable[tuple[Any, Any]]:
    return list(subpattern)


def _contains_repeat(subpattern: Any) -> bool:
    for op, av in _items(subpattern):
        if op in _REPEATS:
            return True
        if _children_have(op, av, _contains_repeat):
            return True
    return False


def _children_have(op: Any, av: Any, test: Any) -> bool:
    if op == sre_constants.SUBPATTERN:
        return bool(test(av[-1]))
    if op == sre_constants.BRANCH:
        return any(test(branch) for branch in av[1])
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return bool(test(av[1]))
    if op == sre_constants.GROUPREF_EXISTS:
        return any(test(x) for x in av[1:] if x is not None)
    if op == getattr(sre_constants, "ATOMIC_GROUP", object()):
        return bool(test(av))
    return False


def _has_branch(subpattern: Any) -> bool:
    for op, av in _items(subpattern):
        if op == sre_constants.BRANCH:
            return True
        if op in _REPEATS and _has_branch(av[2]):
            return True
        if _children_have(op, av, _has_branch):
            return True
    return False


def _check(subpattern: Any, counter: list[int]) -> str | None:
    """Return the reason a (sub)pattern is unsafe, or None."""
    for op, av in _items(subpattern):
        if op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
            return "不支持反向引用"
        if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT) and _contains_repeat(av[1]):
            return "环视中不能含重复"
        if op in _REPEATS:
            _low, high, body = av
            unbounded = high == sre_constants.MAXREPEAT or high > BIG_REPEAT
            if unbounded:
                counter[0] += 1
            if (unbounded or high > 1) and _contains_repeat(body):
                return "不能在重复中嵌套重复，如 (a+)+"
            if (unbounded or high > 1) and _has_branch(body):
                return "不能重复含“|”的分组，如 (a|aa)*"
            reason = _check(body, counter)
            if reason:
                return reason
            continue
        if op == sre_constants.SUBPATTERN:
            reason = _check(av[-1], counter)
        elif op == sre_constants.BRANCH:
            reason = next((r for r in (_check(b, counter) for b in av[1]) if r), None)
        else:
            reason = None
        if reason:
            return reason
    return None


def validate_regex(pattern: str, *, field_name: str = "keywords") -> re.Pattern[str]:
    """Compile ``pattern`` if it is safe to run on users' messages, else a Chinese ValidationError."""
    pattern = pattern.strip()
    if not pattern:
        raise ValidationError({field_name: "正则表达式不能为空"}, code="regex_empty")
    if len(pattern) > MAX_PATTERN:
        raise ValidationError(
            {field_name: f"正则表达式过长（最多 {MAX_PATTERN} 个字符）"}, code="regex_too_long"
        )
    try:
        parsed = sre_parse.parse(pattern)
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValidationError({field_name: f"正则表达式有误：{exc}"}, code="regex_invalid") from None
    counter = [0]
    reason = _check(parsed, counter)
    if reason is None and counter[0] > MAX_UNBOUNDED:
        reason = f"无上限的重复（* + {{n,}}）最多 {MAX_UNBOUNDED} 处"
    if reason:
        raise ValidationError(
            {field_name: f"正则表达式可能导致回复超时，已拒绝：{reason}"}, code="regex_unsafe"
        )
    return compiled


@dataclass(frozen=True)
class CompiledRule:
    """A keyword rule ready for matching in the callback (no database access)."""

    rule_id: int
    priority: int
    match_type: str
    keywords: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    reply: dict[str, Any] = field(default_factory=dict)

    def matches(self, text: str) -> bool:
        if self.match_type == "exact":
            return text in self.keywords
        if self.match_type == "contains":
            return any(k in text for k in self.keywords)
        assert self.pattern is not None
        return self.pattern.search(text[:MAX_TEXT]) is not None


def first_match(rules: Iterable[CompiledRule], text: str) -> CompiledRule | None:
    """The highest-priority rule that matches (rules come sorted by priority, then age)."""
    norm = normalise_text(text)
    for rule in rules:
        if rule.matches(norm):
            return rule
    return None

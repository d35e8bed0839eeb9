"""Keep access tokens out of the logs: WeChat's API takes the token in the query string, and urllib3
logs each request line at DEBUG level."""

from __future__ import annotations

import logging
import re

TOKEN_IN_URL = re.compile(r"(access_token=)[^&\s\"']+")


def redact(text: str) -> str:
    return TOKEN_IN_URL.sub(r"\1***", text)


class RedactAccessTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "access_token=" in record.msg:
            record.msg = redact(record.msg)
        if record.args:
            if isinstance(record.args, tuple):
                record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
            elif isinstance(record.args, dict):
                record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    for name in ("urllib3.connectionpool", "requests", "wechatpy", "wechatpy.client.base"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactAccessTokens) for f in logger.filters):
            logger.addFilter(RedactAccessTokens())

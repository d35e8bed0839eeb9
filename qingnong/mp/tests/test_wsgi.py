"""The middleware-free entry point answers the callback exactly like the site and passes the rest on."""

from __future__ import annotations

import io
import time
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
import xmltodict

from qingnong.mp import wxsim
from qingnong.mp.wsgi import application

from .conftest import AES_KEY, APP_ID, ORIGINAL_ID, TOKEN

pytestmark = pytest.mark.django_db(transaction=True)


def call(path, query="", body=b"", method="POST"):
    environ = {}
    setup_testing_defaults(environ)
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": "text/xml",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "HTTP_HOST": "127.0.0.1",
        }
    )
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    content = b"".join(application(environ, start_response))
    return seen["status"], seen["headers"], content


def test_fast_entry_answers_the_callback(account):
    from qingnong.core.system import SYSTEM
    from qingnong.mp.services import rule_create

    rule_create(
        actor=SYSTEM, account=account, name="问候", keywords="你好", reply_type="text", reply_text="你好！"
    )
    xml = wxsim.text_xml(to=ORIGINAL_ID, sender="oFast", content="你好", msg_id=time.time_ns())
    query, body = wxsim.signed(token=TOKEN, xml=xml, aes_key=AES_KEY, app_id=APP_ID, to=ORIGINAL_ID)
    status, headers, content = call(account.callback_path(), urlencode(query), body)
    assert status == "200 OK" and headers["Content-Length"] == str(len(content))
    plain = wxsim.decrypt_reply(token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, body=content)
    assert xmltodict.parse(plain)["xml"]["Content"] == "你好！"
    # The same refusals as through the site.
    bad = dict(query, signature="0" * 40)
    assert call(account.callback_path(), urlencode(bad), body)[0].startswith("403")
    assert call("/wx/nosuch/", urlencode(query), body)[0].startswith("404")


def test_other_paths_go_through_django(account):
    status, headers, _ = call("/mp/", method="GET")
    assert status.startswith("302") and "/login/" in headers["Location"]

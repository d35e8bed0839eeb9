"""A village cadre records an activity on a phone: a bad participant count is refused in Chinese, the
corrected form saves it with its group and a photo, and it shows in the month calendar."""

from __future__ import annotations

import pytest

from qingnong.activities.models import Activity
from qingnong.content.tests.factories import jpeg_bytes, make_cadre_user, make_group

pytestmark = pytest.mark.django_db(transaction=True)


def test_village_cadre_records_an_activity_on_a_phone(live_server, phone, login, scope_world):
    w = scope_world
    cadre, w.users["cun"] = make_cadre_user(w.village_in, "cun")
    group = make_group(w.village_in, name="新河村青年群", owner=cadre)
    page = login(phone, "cun")
    page.goto(f"{live_server.url}/activities/add/")
    page.fill("input[name=title]", "返乡青年创业沙龙")
    page.check("input[name=activity_type][value=offline]")
    page.select_option("select[name=theme]", "entrepreneurship")
    page.fill("input[name=place]", "新河村村部")
    page.fill("input[name=participants]", "100001")
    page.check(f"input[name=groups][value='{group.pk}']")
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "沙龙.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(exif=True)}],
    )
    page.click("form.qn-form button[type=submit]")
    page.wait_for_selector("text=参加人数须在 0 到 100000 之间，填写的是 100001")
    assert Activity.objects.count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.fill("input[name=participants]", "36")
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "沙龙.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(exif=True)}],
    )
    page.click("form.qn-form button[type=submit]")
    page.wait_for_selector("h1:has-text('返乡青年创业沙龙')")
    activity = Activity.objects.get()
    assert activity.participants == 36 and list(activity.groups.all()) == [group]
    assert page.locator(".qn-photos img").count() == 1
    # The photo is served by another request: wait until the browser has decoded it.
    page.wait_for_function(
        "(() => { const i = document.querySelector('.qn-photos img'); return i.complete; })()"
    )
    assert page.evaluate("document.querySelector('.qn-photos img').naturalWidth") == 64

    page.goto(f"{live_server.url}/activities/calendar/")
    page.click(".qn-cal a.ev:has-text('返乡青年创业沙龙')")
    page.wait_for_selector("text=新河村村部")

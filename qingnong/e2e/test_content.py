"""Content supply as a new user meets it: a county pushes a content item to its townships, a village
cadre copies the text and confirms it for two groups on a phone, the county sees the completion %."""

from __future__ import annotations

import re

import pytest

from qingnong.content.models import ForwardTask, GroupPost
from qingnong.content.tests.factories import jpeg_bytes, make_cadre_user, make_group

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(scope_world):
    w = scope_world
    w.cadre, w.users["cun"] = make_cadre_user(w.village_in, "cun", name="新河村书记")
    w.g1 = make_group(w.village_in, name="新河村青年群", owner=w.cadre)
    w.g2 = make_group(w.village_in, name="新河村在外青年群", owner=w.cadre)
    w.g_town = make_group(w.town_in, name="石牌镇青年群")
    w.g_out = make_group(w.village_out, name="桥东村青年群")
    return w


def test_county_pushes_village_confirms_on_phone_county_sees_completion(
    live_server, desktop, phone, login, world
):
    # 1. The county publishes a content item (desktop).
    page = login(desktop, "admin_in")
    page.goto(f"{live_server.url}/content/add/")
    page.fill("input[name=title]", "返乡创业贴息贷款政策解读")
    page.select_option("select[name=category]", "policy")
    page.fill("textarea[name=body]", "各位青年朋友：县里的返乡创业贴息贷款开始申请了，欢迎转告。")
    page.fill("input[name=link]", "https://mp.weixin.qq.com/s/huaining-policy")
    page.click("form.qn-form button[type=submit]")
    page.wait_for_selector("h1:has-text('返乡创业贴息贷款政策解读')")

    # 2. … and pushes it to its townships (picked: 石牌镇), 团青 and 专属 groups, due in a week.
    page.click("a.qn-btn:has-text('发起转发任务')")
    page.check("input[name=scope][value=picked]")
    page.check(f"input[name=target_orgs][value='{world.town_in.pk}']")
    page.fill("input[name=note]", "请本周内转发到各村团青群")
    page.click("form.qn-form button[type=submit]")
    page.wait_for_selector("#completion-pct")
    assert page.inner_text("#completion-pct") == "0%"
    task = ForwardTask.objects.get()
    assert task.group_count == 3  # two village groups and the township's; not the other county's

    # 3. The village cadre, on a phone: 待转发 lists both groups; one tap copies the text.
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    cadre = login(phone, "cun")
    cadre.goto(f"{live_server.url}/content/todo/")
    assert cadre.viewport_size["width"] == 375
    cadre.wait_for_selector("text=返乡创业贴息贷款政策解读")
    assert cadre.locator("form.qn-confirm").count() == 2
    assert cadre.evaluate("document.documentElement.scrollWidth") <= 375
    cadre.click("button:has-text('复制文字')")
    cadre.wait_for_selector("text=已复制，去微信群粘贴")
    copied = cadre.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("各位青年朋友") and copied.endswith("https://mp.weixin.qq.com/s/huaining-policy")

    # 4. Confirms 已转发 for the first group, then the second with a screenshot.
    cadre.click("form.qn-confirm[data-group='新河村青年群'] button[type=submit]")
    cadre.wait_for_selector("text=“新河村青年群”已确认转发")
    assert cadre.locator("form.qn-confirm").count() == 1
    shot = "form.qn-confirm[data-group='新河村在外青年群'] input[type=file]"
    cadre.set_input_files(
        shot, files=[{"name": "截图.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    cadre.wait_for_selector("text=截图：截图.jpg")
    cadre.click("form.qn-confirm[data-group='新河村在外青年群'] button[type=submit]")
    cadre.wait_for_selector("text=没有待转发的内容")
    assert GroupPost.objects.filter(task=task).count() == 2
    assert GroupPost.objects.get(group=world.g2).screenshot.name.startswith("private/")

    # 5. The county sees the completion %: 2 of 3 groups, 石牌镇 drilled down to 新河村 at 100 %.
    page.goto(f"{live_server.url}/content/tasks/{task.pk}/")
    assert page.inner_text("#completion-pct") == "67%"
    row = page.locator("#completion-table tr[data-org='石牌镇']")
    assert re.search(r"3\s+2\s+67%", row.inner_text())
    row.locator("a").click()
    page.wait_for_selector("#completion-table tr[data-org='新河村']")
    assert "100%" in page.locator("#completion-table tr[data-org='新河村']").inner_text()
    assert "石牌镇青年群" in page.inner_text("body")  # the one group not done yet


def test_withdrawn_task_cannot_be_confirmed_on_the_phone(live_server, phone, login, world):
    from django.utils import timezone

    from qingnong.content import services

    item = services.content_create(
        actor=world.users["admin_in"],
        org=world.county_in,
        title="将被撤回的通知",
        category="notice",
        body="通知",
    )
    task = services.task_create(actor=world.users["admin_in"], content=item, due_on=timezone.localdate())
    cadre = login(phone, "cun")
    cadre.goto(f"{live_server.url}/content/todo/")
    cadre.wait_for_selector("text=将被撤回的通知")
    services.task_withdraw(actor=world.users["admin_in"], task=task)  # withdrawn while the page is open
    cadre.click("form.qn-confirm[data-group='新河村青年群'] button[type=submit]")
    cadre.wait_for_selector("text=撤回，无需再确认转发")
    assert GroupPost.objects.count() == 0

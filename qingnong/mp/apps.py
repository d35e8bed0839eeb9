from django.apps import AppConfig


def _can_publish_somewhere(user: object) -> bool:
    from qingnong.core.permissions import Action
    from qingnong.core.scoping import grant_paths

    paths = grant_paths(user, Action.PUBLISH)
    return paths is None or bool(paths)


def _is_cadre(user: object) -> bool:
    return bool(getattr(user, "cadre_id", None))


class MpConfig(AppConfig):
    name = "qingnong.mp"
    label = "mp"
    verbose_name = "公众号"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from qingnong.core.navigation import MenuItem, register_menu

        from .logfilter import install

        install()
        register_menu(MenuItem("mp:account_list", "公众号", order=50))
        register_menu(MenuItem("mp:post_list", "推文", order=51, visible=_can_publish_somewhere))
        register_menu(MenuItem("mp:my_follows", "我的关注", order=52, visible=_is_cadre))
        from qingnong.core.notifications import NOTIFICATION_CHANNELS
        from qingnong.orgs import views as org_views

        from .notify import wechat_channel

        if wechat_channel not in NOTIFICATION_CHANNELS:
            NOTIFICATION_CHANNELS.append(wechat_channel)

        from .views import cadre_follow_panel, org_accounts_panel

        if cadre_follow_panel not in org_views.CADRE_PANELS:
            org_views.CADRE_PANELS.append(cadre_follow_panel)
        if org_accounts_panel not in org_views.ORG_PANELS:
            org_views.ORG_PANELS.append(org_accounts_panel)

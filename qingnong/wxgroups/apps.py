from django.apps import AppConfig


def _has_cadre(user: object) -> bool:
    return bool(getattr(user, "cadre_id", None))


class WxgroupsConfig(AppConfig):
    name = "qingnong.wxgroups"
    label = "wxgroups"
    verbose_name = "三群台账"

    def ready(self) -> None:
        from qingnong.core.audit_actions import declare_actions

        from .audit_actions import ACTIONS

        declare_actions(self.label, ACTIONS)

        from qingnong.sheets.registry import register_sheets

        from .sheets import SHEETS

        register_sheets(self.label, SHEETS)

        from qingnong.core.navigation import MenuItem, register_menu
        from qingnong.orgs import views as org_views

        from .panels import cadre_reach_panel, org_groups_panel

        register_menu(MenuItem("wxgroups:my_groups", "我的群", order=10, visible=_has_cadre))
        register_menu(MenuItem("wxgroups:group_list", "微信群台账", order=40))
        if cadre_reach_panel not in org_views.CADRE_PANELS:
            org_views.CADRE_PANELS.append(cadre_reach_panel)
        if org_groups_panel not in org_views.ORG_PANELS:
            org_views.ORG_PANELS.append(org_groups_panel)

"""The inspection rubric's dimensions.

Notice 三.3: 建群情况、联系团员青年数量、发送内容及频次、线上线下活动情况.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    GROUPS = "groups", _("建群情况")
    REACH = "reach", _("联系青年数量")
    CONTENT = "content", _("内容及频次")
    ACTIVITIES = "activities", _("线上线下活动")

"""On a case page (petition, dispute): the orders supervising the matter and, for a leader
or the office, the way to issue one (领导批示 → 督办)."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def case_supervision(context, case) -> dict:
    from huiyin.assessment.services import supervision

    request = context.get("request")
    user = getattr(request, "user", None)
    if case is None or user is None or not user.is_authenticated:
        return {}
    orders = [
        order
        for order in case.supervision_orders.select_related("community", "unit").order_by(
            "-issued_on", "-id"
        )
        if supervision.may_see(user, order)
    ]
    can_issue = not case.withdrawn and supervision.may_issue(user)
    return {
        "orders": orders,
        "can_issue": can_issue,
        "new_url": f"{reverse('assessment:order_new')}?case={case.pk}" if can_issue else "",
    }

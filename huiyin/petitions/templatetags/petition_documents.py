"""``{% case_documents case as docs %}``: the documents of the case the person may download now
(those that fit its stage; those naming the petitioner only for identity viewers), each as
{"name", "label", "url"}. Read on the case page, so the page's view needs no change."""

from __future__ import annotations

from django import template
from django.urls import reverse

from huiyin.cases.kinds import Kind
from huiyin.cases.services import holds
from huiyin.org.roles import Perm
from huiyin.reports import documents

register = template.Library()


@register.simple_tag(takes_context=True)
def case_documents(context, case) -> list[dict]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or case is None or case.kind != Kind.PETITION:
        return []
    fitting = documents.available(case)
    if not fitting:
        return []
    identity = None
    out = []
    for spec in fitting:
        if spec.names_person:
            if identity is None:
                identity = holds(user, case, Perm.IDENTITY_VIEW)
            if not identity:
                continue
        out.append(
            {
                "name": spec.name,
                "label": spec.label,
                "slug": spec.slug,
                "url": reverse("petitions:document", args=[case.pk, spec.slug]),
            }
        )
    return out

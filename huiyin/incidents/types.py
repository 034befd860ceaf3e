"""The default incident type tree: the four classes of 突发事件应对法 art. 2 and the types below
them, categories of kind "incident", editable by an administrator.

Migration 0002 seeds it (with its own frozen copy of the list); the tests and the crawl call
:func:`ensure_default_types`, since a database emptied by a flush keeps the tables but not the
rows a migration wrote. 刑事案件 and 治安案件 are those the police report to the street.
"""

from __future__ import annotations

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category

DEFAULT_TYPES: list[tuple[str, list[str]]] = [
    ("自然灾害", ["自然灾害"]),
    ("事故灾难", ["火警", "生产安全事故", "道路交通事故"]),
    ("公共卫生事件", ["公共卫生事件"]),
    (
        "社会安全事件",
        [
            "非正常死亡",
            "群体性事件",
            "非法聚集",
            "刑事案件",
            "治安案件",
            "重大政治事件",
            "暴力恐怖事件",
            "其他",
        ],
    ),
]


def ensure_default_types() -> int:
    """Create whichever default types are missing; returns how many were created."""
    created = 0
    for order, (name, children) in enumerate(DEFAULT_TYPES, start=1):
        parent, new = Category.objects.get_or_create(
            kind=Kind.INCIDENT, parent=None, name=name, defaults={"order": order * 10}
        )
        created += new
        for child_order, child in enumerate(children, start=1):
            _child, new = Category.objects.get_or_create(
                kind=Kind.INCIDENT, parent=parent, name=child, defaults={"order": child_order * 10}
            )
            created += new
    return created


def type_named(name: str) -> Category:
    """The type of this name (a leaf before a class of the same name)."""
    ensure_default_types()
    named = Category.objects.filter(kind=Kind.INCIDENT, name=name)
    found = named.filter(parent__isnull=False).order_by("pk").first() or named.first()
    if found is None:
        raise Category.DoesNotExist(name)
    return found

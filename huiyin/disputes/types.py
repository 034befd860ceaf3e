"""The default dispute type tree (纠纷类型): categories of kind "dispute".

Migration 0002 seeds it in a new installation (with its own frozen copy of the list); the demo
calls :func:`ensure_default_types`, since a database emptied by a flush (the browser tests' live
server) keeps the tables but not the rows a migration wrote.
"""

from __future__ import annotations

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category

DEFAULT_TYPES: list[tuple[str, list[str]]] = [
    ("婚姻家庭", []),
    ("邻里", []),
    ("房屋宅基地", []),
    ("土地承包", []),
    ("损害赔偿", []),
    ("劳动争议", ["欠薪"]),
    ("物业", []),
    ("合同", []),
    ("消费", []),
    ("其他", []),
]


def ensure_default_types() -> int:
    """Create whichever default types are missing; returns how many were created."""
    created = 0
    for order, (name, children) in enumerate(DEFAULT_TYPES, start=1):
        parent, new = Category.objects.get_or_create(
            kind=Kind.DISPUTE, parent=None, name=name, defaults={"order": order * 10}
        )
        created += new
        for child_order, child in enumerate(children, start=1):
            _child, new = Category.objects.get_or_create(
                kind=Kind.DISPUTE, parent=parent, name=child, defaults={"order": child_order * 10}
            )
            created += new
    return created

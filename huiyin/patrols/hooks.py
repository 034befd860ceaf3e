"""The hook by which the incidents kind lets a patrol finding become an incident in one step.

The incidents kind (huiyin.incidents) registers, in its ``ready()``, a maker::

    from huiyin.patrols.hooks import register_incident_maker

    register_incident_maker(make)   # make(actor, *, title, description, community, grid,
                                    #      happened_at, source="patrol", request=None) -> Case

which registers the incident (its own checks, numbering, timeline and audit) and returns its
case. Until one is registered, a finding is linked to an incident already registered, by its
number (:func:`huiyin.patrols.services.findings.link_case`).
"""

from __future__ import annotations

from collections.abc import Callable

_makers: list[Callable] = []


def register_incident_maker(make: Callable) -> None:
    if make not in _makers:
        _makers.append(make)


def incident_maker() -> Callable | None:
    return _makers[-1] if _makers else None

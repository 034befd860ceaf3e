"""What a person has to do today: each app adds its items here as it is built."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from huiyin.org.access import Reach


@dataclass(frozen=True)
class TodoItem:
    label: str | Promise
    url: str
    count: int
    urgent: bool = False


def todo_for(user, reach: Reach) -> list[TodoItem]:
    items: list[TodoItem] = []
    for provider in _providers:
        items.extend(provider(user, reach))
    return items


_providers: list = []


def register(provider) -> None:
    """Register `provider(user, reach) -> list[TodoItem]`; apps call this in `ready()`."""
    if provider not in _providers:
        _providers.append(provider)

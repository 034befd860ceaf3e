"""`huiyin stats --from YYYY-MM-DD --to YYYY-MM-DD [--street NAME] [--community NAME] [--json]`.

Prints the statistics of huiyin.reports.stats for a period (both ends inclusive): as JSON with
the stable keys documented in the README (--json), or as a readable table. Bad input gets one
line in Chinese on stderr and exit status 2.

The table: the petitions' figures (with the receptions and the goals) in their own layout,
then every other section the statistics engine composes (disputes, the weekly screening …),
in the JSON's order, each figure on a line under the names its kind registered
(``stats.register(..., labels=)``); a kind added later appears without a change here (a
figure it gives no name shows its JSON key).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.org import streets
from huiyin.org.models import Community
from huiyin.org.streets import add_street_argument, street_for_command
from huiyin.reports import stats


class _Refused(Exception):
    pass


def _parse_day(text: str | None, option: str) -> date:
    if not text:
        raise _Refused(_("Give %(option)s as YYYY-MM-DD.") % {"option": option})
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _Refused(
            _("“%(value)s” is not a date: give %(option)s as YYYY-MM-DD.")
            % {"value": text, "option": option}
        ) from None


def _community(name: str, street=None) -> Community:
    communities = Community.objects.all() if street is None else street.communities.all()
    matches = list(communities.filter(name=name.strip())[:2])
    if len(matches) != 1:
        known = "、".join(communities.order_by("order", "id").values_list("name", flat=True))
        raise _Refused(
            _("Unknown community “%(name)s”. Known communities: %(known)s.")
            % {"name": name, "known": known or "—"}
        )
    return matches[0]


#: The figure sets printed in their own layout (:meth:`Command.table`), not generically.
OWN_LAYOUT = ("petitions",)
#: A fraction between 0 and 1 is printed as a percentage: its key ends so.
_RATE_SUFFIXES = ("rate", "share")


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


class Command(BaseCommand):
    help = "Print the statistics of a period (both ends inclusive), as a table or as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        parser.add_argument("--community", metavar="NAME", help="one community only")
        add_street_argument(parser)
        parser.add_argument("--json", action="store_true", help="JSON with the stable keys")

    def handle(self, *args, date_from, date_to, community, json: bool, street=None, **options):
        try:
            start = _parse_day(date_from, "--from")
            end = _parse_day(date_to, "--to")
            if end < start:
                raise _Refused(_("--to cannot be earlier than --from."))
            try:
                # With several streets, one must be named (with one, the filter is a no-op).
                chosen = street_for_command(street, required=False)
            except CommandError as error:
                raise _Refused(str(error)) from None
            several = streets.several()
            # Several streets: the named one's figures, read as a whole-street reader of it.
            reader = streets.street_reader(chosen) if several and chosen is not None else None
            scope = None
            if community:
                found = _community(community, chosen if several else None)
                scope = stats.Scope(community_id=found.pk)
            elif reader is not None:
                scope = stats.Scope(street_id=chosen.pk)
        except _Refused as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from None
        # Every section, those computed only on request (the assessment's ranking) too.
        every = [section for entry in stats.registered() for section in entry.sections]
        result = stats.compute(stats.Period(start, end), user=reader, scope=scope, include=every)
        if json:
            self.stdout.write(_dumps(result))
        else:
            self.stdout.write(self.table(result, community))

    def table(self, s: dict, community: str | None) -> str:
        p = s["petitions"]
        labels = _level_labels()
        lines = [
            _("Statistics %(start)s to %(end)s (both days included)")
            % {"start": s["period"]["start"], "end": s["period"]["end"]},
        ]
        if community:
            lines.append(_("Community: %(name)s") % {"name": community})
        lines.append("")

        def pair(label: str, item: dict) -> None:
            lines.append(
                _("%(label)s: %(batches)d batches, %(headcount)d person-times")
                % {"label": label, "batches": item["batches"], "headcount": item["headcount"]}
            )

        pair(_("Petitions"), p)
        for channel, label in _channel_labels().items():
            pair("  " + label, p["by_channel"][channel])
        pair(_("Over-level petitions"), p["over_level"])
        for level in reversed(stats.LEVELS):
            pair("  " + labels[level], p["by_level"][level])
        pair(_("Visits"), p["by_channel"]["visit"])
        for level in reversed(stats.LEVELS):
            pair("  " + labels[level], p["visits_by_level"][level])
        pair(_("Collective visits"), p["collective"])
        lines.append(
            _("First petitions: %(first)d; repeat petitions: %(repeat)d")
            % {"first": p["first"], "repeat": p["repeat"]}
        )
        lines.append(
            _("Accepted: %(accepted)d; declined: %(declined)d; concluded: %(concluded)d")
            % {"accepted": p["accepted"], "declined": p["declined"], "concluded": p["concluded"]}
        )
        lines.append(_("Open and overdue: %(count)d") % {"count": p["overdue_open"]})
        lines.append(_("Replied on time: %(rate)s") % {"rate": _percent(p["on_time_rate"])})
        lines.append(_("Satisfaction: %(rate)s") % {"rate": _percent(p["satisfaction_rate"])})
        lines.append("")
        lines.append(
            _("Leaders' receptions: %(headcount)d person-times")
            % {"headcount": s["receptions"]["headcount"]}
        )
        for leader in s["receptions"]["by_leader"]:
            lines.append(
                "  "
                + _("%(name)s: %(headcount)d person-times")
                % {"name": leader["name"], "headcount": leader["headcount"]}
            )
        lines.append("")
        goals = s["goals"]
        for goal, label in _goal_labels().items():
            if goals[goal] is None:
                state = _("not yet recorded")
            elif goals[goal]:
                state = _("held")
            else:
                numbers = "、".join(b["number"] for b in goals["breaches"][goal])
                state = _("broken by %(numbers)s") % {"numbers": numbers}
            lines.append(f"{label}: {state}")
        for entry in stats.registered():
            if entry.key in OWN_LAYOUT:
                continue
            names = dict(entry.labels()) if entry.labels else {}
            for section in entry.sections:
                lines.append("")
                lines.extend(section_lines(section, s[section], names))
        return "\n".join(lines)


def section_lines(section: str, figures: Mapping[str, Any], names: Mapping[str, str]) -> list:
    """A section of the statistics as lines: its title, then each figure under its name
    (`names`: dotted key → name; the key itself where none is given), nested figures indented
    under theirs."""
    lines = [f"{names.get(section) or section}"]

    def walk(path: str, key: str, value: Any, depth: int) -> None:
        name = names.get(path) or key
        indent = "  " * depth
        if isinstance(value, Mapping):
            lines.append(f"{indent}{name}:")
            for child, item in value.items():
                walk(f"{path}.{child}", str(child), item, depth + 1)
        else:
            lines.append(f"{indent}{name}: {_shown(key, value)}")

    for key, value in figures.items():
        walk(f"{section}.{key}", str(key), value, 1)
    return lines


def _shown(key: str, value: Any) -> str:
    """One figure as text: a rate as a percentage, nothing as "—", a list joined."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float) and key.endswith(_RATE_SUFFIXES):
        return _percent(value)
    if isinstance(value, list | tuple):
        items = [
            "，".join(f"{k}: {v}" for k, v in item.items())
            if isinstance(item, Mapping)
            else str(item)
            for item in value
        ]
        return "、".join(items) or "—"
    return str(value)


def _dumps(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)


def _channel_labels() -> dict[str, str]:
    return {
        "letter": _("Letters"),
        "visit": _("Visits"),
        "phone": _("Calls"),
        "online": _("Online"),
        "assigned": _("Assigned from above"),
    }


def _level_labels() -> dict[str, str]:
    return {
        "national": _("to Beijing"),
        "province": _("to the province"),
        "city": _("to the city"),
        "district": _("to the district"),
        "street": _("to the street"),
    }


def _goal_labels() -> dict[str, str]:
    return {
        "zero_national": _("Zero petitions to Beijing"),
        "zero_province": _("Zero petitions to the province"),
        "zero_city": _("Zero petitions to the city"),
        "no_major_political_incident": _("No major political incident"),
        "no_illegal_gathering": _("No illegal gathering"),
        "no_large_mass_incident": _("No large mass incident"),
        "no_violent_terror_incident": _("No violent or terrorist incident"),
    }

"""`huiyin assess [--scheme NAME] --from YYYY-MM-DD --to YYYY-MM-DD [--json]`.

Scores every community and unit under a published scheme for a period (both ends inclusive)
and prints the two rankings — communities, then units — with each point's explanation and the
matters behind a lost point. Without ``--scheme``, the built-in scheme (handling quality only:
:mod:`huiyin.assessment.defaults`). The version used is the published one that applies to the
whole period. ``--json`` prints ``{"scheme", "period", "ranking": [{"unit", "kind", "score",
"max", "vetoed", "rank", "points": [...]}]}``. Bad input gets one line in Chinese on stderr and
exit status 2. Nothing is stored: a round (on the pages) keeps its results.
"""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.assessment import defaults
from huiyin.assessment.bodies import COMMUNITY, all_bodies
from huiyin.assessment.rules import explain
from huiyin.assessment.scoring import score
from huiyin.assessment.services.common import AssessmentInvalid
from huiyin.assessment.services.schemes import scheme_for
from huiyin.cases import bounds
from huiyin.org.streets import add_street_argument, street_for_command
from huiyin.reports.stats import Period

#: The longest period scored at once (ten years).
MAX_DAYS = 3660


class _Refused(Exception):
    pass


def _day(text: str | None, option: str) -> date:
    if not text:
        raise _Refused(_("Give %(option)s as YYYY-MM-DD.") % {"option": option})
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise _Refused(
            _("“%(value)s” is not a date: give %(option)s as YYYY-MM-DD.")
            % {"value": text[:40], "option": option}
        ) from None
    problem = bounds.date_error(day, future_ok=True)
    if problem is not None:
        raise _Refused(f"{option}: {problem.messages[0]}")
    return day


def _number(value) -> float | None:
    return None if value is None else float(value)


def ranking(results) -> list[dict]:
    """The JSON rows of the ranking, points explained."""
    out = []
    for r in results:
        out.append(
            {
                "unit": r.body.name,
                "kind": r.body.kind,
                "score": float(r.total),
                "max": float(r.max_total),
                "vetoed": r.vetoed,
                "rank": r.rank,
                "points": [
                    {
                        "item": p.item.title,
                        "key": p.item.stat_key,
                        "method": p.item.method,
                        "points": _number(p.computed.points),
                        "max": float(p.computed.max_points),
                        "available": p.computed.available,
                        "value": p.computed.detail.get("value"),
                        "explanation": explain(p.computed.detail),
                        "matters": [m["number"] for m in p.matters],
                    }
                    for p in r.points
                ],
            }
        )
    return out


class Command(BaseCommand):
    help = "Score every community and unit under a published scheme and print the rankings."

    def add_arguments(self, parser):
        parser.add_argument("--scheme", metavar="NAME", help="the scheme (default: the built-in)")
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="the ranking as JSON")
        add_street_argument(parser)

    def handle(self, *args, scheme, date_from, date_to, json: bool, street=None, **options):
        try:
            try:  # one street's communities and units, where there are several
                street_row = street_for_command(street, required=False)
            except CommandError as error:
                raise _Refused(str(error)) from None
            start, end = _day(date_from, "--from"), _day(date_to, "--to")
            if end < start:
                raise _Refused(_("--to cannot be earlier than --from."))
            if (end - start).days + 1 > MAX_DAYS:
                raise _Refused(_("Choose a period of at most ten years."))
            defaults.ensure_default_scheme()
            chosen = scheme_for(scheme or defaults.NAME, start, end)
        except _Refused as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from None
        except AssessmentInvalid as exc:
            self.stderr.write(" ".join(exc.messages))
            raise SystemExit(2) from None
        bodies = all_bodies(street_id=street_row.pk) if street_row is not None else None
        results = score(chosen, Period(start, end), bodies=bodies)
        if json:
            self.stdout.write(_dumps(chosen, start, end, results))
            return
        self.stdout.write(self.table(chosen, start, end, results))

    def table(self, chosen, start: date, end: date, results) -> str:
        lines = [
            _("%(scheme)s (version %(version)s), %(start)s to %(end)s (both days included)")
            % {
                "scheme": chosen.name,
                "version": chosen.version,
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
        ]
        for kind, heading in ((COMMUNITY, _("Communities")), ("unit", _("Units"))):
            group = [r for r in results if r.body.kind == kind]
            lines += ["", heading]
            if not group:
                lines.append("  —")
            for r in group:
                mark = "  " + _("(vetoed by the district)") if r.vetoed else ""
                lines.append(f"{r.rank:>3}. {r.body.name}  {r.total}/{r.max_total}{mark}")
                for p in r.points:
                    shown = "—" if p.computed.points is None else str(p.computed.points)
                    lines.append(f"       {p.item.title}: {shown}/{p.computed.max_points}")
                    lines.append(f"         {explain(p.computed.detail)}")
                    if p.matters:
                        numbers = "、".join(m["number"] for m in p.matters)
                        lines.append("         " + _("Matters: %(numbers)s") % {"numbers": numbers})
        return "\n".join(lines)


def _dumps(chosen, start: date, end: date, results) -> str:
    data = {
        "scheme": {"name": chosen.name, "version": chosen.version},
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "ranking": ranking(results),
    }
    return json.dumps(data, ensure_ascii=False, indent=2)

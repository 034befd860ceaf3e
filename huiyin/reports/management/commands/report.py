"""`huiyin report campaign --from YYYY-MM-DD --to YYYY-MM-DD --out FILE.docx
[--template T.docx] [--street NAME] [--community NAME] [--campaign NAME]`.

Writes the campaign report (情况通报) of huiyin.reports.word: the built-in one in the official
document layout, or the office's own docxtpl template filled in (placeholders in
huiyin/reports/TEMPLATES.md). Every figure comes from huiyin.reports.stats, for the whole
street (the command line sees everything; where one database serves several streets, the
street named with --street, read as a whole-street reader of it). Progress goes to stderr; bad input gets one line in
Chinese on stderr and exit status 2.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.org import streets
from huiyin.org.models import Community
from huiyin.org.streets import add_street_argument, street_for_command
from huiyin.reports import stats, word
from huiyin.reports.jobs import StderrProgress


class Refused(Exception):
    """Bad input on the command line: the message is for the operator."""


def parse_day(text: str | None, option: str) -> date:
    if not text:
        raise Refused(_("Give %(option)s as YYYY-MM-DD.") % {"option": option})
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused(
            _("“%(value)s” is not a date: give %(option)s as YYYY-MM-DD.")
            % {"value": text, "option": option}
        ) from None


def find_community(name: str, street=None) -> Community:
    communities = Community.objects.all() if street is None else street.communities.all()
    matches = list(communities.filter(name=name.strip())[:2])
    if len(matches) != 1:
        known = "、".join(communities.order_by("order", "id").values_list("name", flat=True))
        raise Refused(
            _("Unknown community “%(name)s”. Known communities: %(known)s.")
            % {"name": name, "known": known or "—"}
        )
    return matches[0]


def find_campaign(name: str):
    from huiyin.reports.models import Campaign

    matches = list(Campaign.objects.filter(name=name.strip()).order_by("-start")[:2])
    if len(matches) != 1:
        known = "、".join(Campaign.objects.order_by("-start").values_list("name", flat=True))
        raise Refused(
            _("Unknown campaign “%(name)s”. Known campaigns: %(known)s.")
            % {"name": name, "known": known or "—"}
        )
    return matches[0]


class Command(BaseCommand):
    help = "Write the campaign report (情况通报) of a period as a Word document."

    def add_arguments(self, parser):
        parser.add_argument("report", choices=["campaign"], help="the report to write")
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        parser.add_argument("--campaign", metavar="NAME", help="the period of this campaign")
        parser.add_argument("--out", required=True, metavar="FILE.docx")
        parser.add_argument("--template", metavar="T.docx", help="the office's own template")
        parser.add_argument("--community", metavar="NAME", help="one community only")
        add_street_argument(parser)
        parser.add_argument(
            "--style",
            choices=["report", "speech"],
            default="report",
            help="the built-in document: the 情况通报 (report) or the 总结会 speech draft (speech)",
        )

    def handle(
        self,
        *args,
        date_from,
        date_to,
        campaign,
        out,
        template,
        community,
        style,
        street=None,
        **options,
    ):
        reader = None
        try:
            try:
                chosen = street_for_command(street, required=False)
            except CommandError as error:
                raise Refused(str(error)) from None
            if chosen is not None and streets.several():
                reader = streets.street_reader(chosen)
            else:
                chosen = None
            found_campaign = find_campaign(campaign) if campaign else None
            if found_campaign is not None and not (date_from or date_to):
                period = stats.Period.of_campaign(found_campaign)
            else:
                start = parse_day(date_from, "--from")
                end = parse_day(date_to, "--to")
                if end < start:
                    raise Refused(_("--to cannot be earlier than --from."))
                period = stats.Period(start, end)
            found_community = find_community(community, chosen) if community else None
            if template and not Path(template).is_file():
                raise Refused(_("The template %(path)s does not exist.") % {"path": template})
        except Refused as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from None
        progress = StderrProgress(self.stderr._out)
        try:
            if template:
                # Refused before any counting: broken, too large, or reaching beyond the data.
                # The command line has no account: the sandbox is the same as on the page.
                word.check_template(template)
            word.campaign_report(
                out,
                period=period,
                user=reader,
                community=found_community,
                campaign=found_campaign,
                template=template,
                progress=progress,
                style=style,
            )
        except word.ReportTemplateError as exc:
            progress.close()
            self.stderr.write(str(exc.message))
            raise SystemExit(2) from None
        progress.close()
        self.stdout.write(_("Report written to %(path)s.") % {"path": out})

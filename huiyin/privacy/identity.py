"""Opening a petitioner's full identity: only with IDENTITY_VIEW, and always on the record.

    from huiyin.privacy.identity import reveal

    shown = reveal(request, target=petition,
                   fields={"id_number": petitioner.id_number, "phone": petitioner.phone})

The caller has already checked that the user may see `target` at all (its `visible_to`);
`reveal` adds the identity permission and the audit entry. Call it outside a transaction
that the refusal would roll back (a plain GET view), so the "access.denied" entry stays.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.privacy import audit


def reveal(request, *, target, fields: dict[str, str]) -> dict[str, str]:
    """The fields, unmasked, after recording who saw which of them; PermissionDenied otherwise.

    The audit entry names the fields, never their values.
    """
    names = list(fields)
    if not reach_of(request.user).can(Perm.IDENTITY_VIEW):
        audit.record(
            "access.denied",
            request=request,
            target=target,
            diff={"permission": Perm.IDENTITY_VIEW, "fields": names},
        )
        raise PermissionDenied
    audit.record("identity.view", request=request, target=target, diff={"fields": names})
    return dict(fields)

"""Documents that go out, in the GB/T 9704 layout: one engine, each kind's documents its own.

    from huiyin.reports import documents

    spec = documents.by_name("受理告知书")
    documents.render(spec, case)             # the .docx as bytes; DocumentRefused if it does not fit
    documents.available(case)                # the documents that fit the case now

``layout`` adds the GB/T 9704 elements of letters and notices to ``huiyin.reports.docx_layout``;
``render`` keeps the registry, the stage check and the file's properties; ``petitions`` lists a
petition's documents, ``disputes`` a dispute's (人民调解), ``incidents`` an incident's reports
upward (初报, 续报, 终报), ``patrols`` an inspection's 检查记录 and 整改通知书 (its subject an
inspection, found by its number through ``render.register_subject``). A new kind of case adds
its module
here and to the imports below. Each spec declares its kind: a case is offered only its own.
"""

from huiyin.reports.documents import (
    disputes,  # noqa: F401 - registers its documents
    incidents,  # noqa: F401 - registers its documents
    patrols,  # noqa: F401 - registers its documents
    petitions,  # noqa: F401 - registers its documents
    supervision,  # noqa: F401 - registers the 督办单 (its subject a supervision order)
)
from huiyin.reports.documents.render import (
    DOCX_CONTENT_TYPE,
    DocumentRefused,
    DocumentSpec,
    all_documents,
    available,
    by_name,
    by_slug,
    filename,
    refusal,
    refused,
    render,
)

__all__ = [
    "DOCX_CONTENT_TYPE",
    "DocumentRefused",
    "DocumentSpec",
    "all_documents",
    "available",
    "by_name",
    "by_slug",
    "filename",
    "refusal",
    "refused",
    "render",
]

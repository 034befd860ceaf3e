"""Reference data: the street's communities, grids and units, the category trees of every kind
(petition categories, dispute types, incident types), the mediation committees and each
kind's workflow — what the ids and names in intake and actions refer to."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from huiyin.api.problems import Problem
from huiyin.api.schemas import (
    ERRORS,
    CategoryOut,
    CommitteeOut,
    CommunityOut,
    GridOut,
    KindName,
    UnitOut,
    WorkflowOut,
)
from huiyin.cases.models import Category
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid, Unit

router = Router(tags=["reference 基础数据"])


@router.get(
    "/reference/communities",
    response={200: list[CommunityOut], **ERRORS},
    url_name="communities",
    operation_id="listCommunities",
    summary="社区与网格 Communities and their grids",
)
def communities(request: HttpRequest):
    streets = _streets(request)
    grids: dict[int, list[dict]] = {}
    for grid in (
        Grid.objects.filter(community__street_id__in=streets)
        .order_by("order", "id")
        .values("id", "name", "community_id")
    ):
        grids.setdefault(grid["community_id"], []).append({"id": grid["id"], "name": grid["name"]})
    return [
        {"id": c["id"], "name": c["name"], "grids": grids.get(c["id"], [])}
        for c in Community.objects.filter(street_id__in=streets)
        .order_by("order", "id")
        .values("id", "name")
    ]


def _streets(request: HttpRequest) -> frozenset[int]:
    """The streets the caller holds a grant in: their places only, never another street's."""
    return reach_of(request.user).street_ids


@router.get(
    "/reference/grids",
    response={200: list[GridOut], **ERRORS},
    url_name="grids",
    operation_id="listGrids",
    summary="网格 Grids",
)
def grids(request: HttpRequest):
    return list(
        Grid.objects.filter(community__street_id__in=_streets(request))
        .order_by("community__order", "order", "id")
        .values("id", "name", "community_id")
    )


@router.get(
    "/reference/units",
    response={200: list[UnitOut], **ERRORS},
    url_name="units",
    operation_id="listUnits",
    summary="单位 Units (departments, police stations, schools …)",
)
def units(request: HttpRequest):
    return list(
        Unit.objects.filter(street_id__in=_streets(request))
        .order_by("kind", "name", "id")
        .values("id", "name", "kind", "community_id")
    )


class CategoryQuery(Schema):
    kind: KindName | None = Field(None, description="one kind's tree only")  # type: ignore[valid-type]


@router.get(
    "/reference/categories",
    response={200: list[CategoryOut], **ERRORS},
    url_name="categories",
    operation_id="listCategories",
    summary="分类 Categories and types",
    description="Petition categories, dispute types and incident types: trees by parent_id.",
)
def categories(request: HttpRequest, query: Query[CategoryQuery]):
    rows = Category.objects.order_by("kind", "order", "id")
    if query.kind:
        rows = rows.filter(kind=query.kind)
    return list(rows.values("id", "name", "kind", "parent_id", "active"))


@router.get(
    "/reference/committees",
    response={200: list[CommitteeOut], **ERRORS},
    url_name="committees",
    operation_id="listCommittees",
    summary="调解组织 Mediation committees",
)
def committees(request: HttpRequest):
    from huiyin.disputes.models import Committee

    return list(Committee.objects.order_by("order", "id").values("id", "name", "tier", "active"))


@router.get(
    "/reference/workflows/{kind}",
    response={200: WorkflowOut, **ERRORS},
    url_name="workflow",
    operation_id="getWorkflow",
    summary="办理流程 A kind's states and actions",
    description="Every action with its source states and the fields it requires or takes.",
)
def workflow(request: HttpRequest, kind: str):
    from huiyin.cases.workflow import workflow_for

    try:
        flow = workflow_for(kind[:20])
    except LookupError:
        raise Problem("not-found") from None
    return {
        "kind": flow.kind,
        "states": [
            {"value": value, "label": str(label), "final": value in flow.final}
            for value, label in flow.states.choices
        ],
        "transitions": [
            {
                "name": t.name,
                "label": str(t.label),
                "sources": list(t.sources),
                "target": t.target,
                "requires": list(t.requires),
                "optional": list(t.optional),
            }
            for t in flow.transitions
        ],
    }

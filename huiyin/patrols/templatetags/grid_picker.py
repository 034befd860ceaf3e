"""{% grid_picker field %}: a tap-to-choose map of the grids under a grid <select>.

The grids drawn are exactly the field's options (its queryset, already limited to what the
person may choose), read in one query; grids without a boundary are left out, and with no
boundary at all nothing is rendered. The map is drawn offline (vendored ECharts) by
static/patrols/grid-picker.js; no location is ever asked of the device.
"""

from __future__ import annotations

from django import template
from django.forms import BoundField

register = template.Library()


def grid_features(queryset) -> list[dict]:
    """GeoJSON features of the grids in the queryset that have a boundary."""
    rows = (
        queryset.exclude(geometry=None)
        .order_by()
        .values("pk", "name", "community__name", "geometry")
    )
    features = []
    for row in rows:
        geometry = row["geometry"]
        if not isinstance(geometry, dict) or geometry.get("type") not in (
            "Polygon",
            "MultiPolygon",
        ):
            continue  # a stray value is not drawn rather than breaking the map
        features.append(
            {
                "type": "Feature",
                # The select's option value: the map names each region by it.
                "properties": {
                    "name": str(row["pk"]),
                    "grid": row["name"],
                    "community": row["community__name"],
                },
                "geometry": geometry,
            }
        )
    return features


@register.inclusion_tag("patrols/_grid_picker.html")
def grid_picker(field: BoundField) -> dict:
    queryset = getattr(field.field, "queryset", None)
    features = grid_features(queryset) if queryset is not None else []
    return {
        "field": field,
        "select_id": field.id_for_label,
        "data_id": f"{field.id_for_label}-map-data",
        "geojson": {"type": "FeatureCollection", "features": features} if features else None,
    }

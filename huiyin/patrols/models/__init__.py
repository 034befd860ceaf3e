"""Patrols, key places and their inspections, rectifications, campaigns, sensitive periods."""

"""Incident and risk-note pages; each views module owns its url patterns."""

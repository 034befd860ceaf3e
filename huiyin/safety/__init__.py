"""Safe communities and units."""

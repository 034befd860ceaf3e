"""Weekly dispute screening reports (一周一排查、一周一上报)."""

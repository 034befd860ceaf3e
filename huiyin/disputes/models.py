"""Disputes: the second kind of case (people's mediation)."""

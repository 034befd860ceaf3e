"""Meetings and their tasks."""

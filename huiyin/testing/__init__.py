"""Test support: environment, factories and personas (imported by tests only)."""

"""Helpers shared by the tests (fixtures themselves live in conftest.py)."""

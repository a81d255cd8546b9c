"""Helpers shared by test modules (imported from here, never from a conftest or a test module)."""

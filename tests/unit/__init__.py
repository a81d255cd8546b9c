"""Unit tests of the pure core: replay, retry, converter, failures (no AWS, no threads)."""

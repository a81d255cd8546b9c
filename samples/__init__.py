"""Samples: code to copy into an application, each tested under tests/samples."""

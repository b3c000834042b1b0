"""Benchmarks (`make bench`); see bench/__main__.py for what runs and how to add a row."""

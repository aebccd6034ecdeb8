"""Evaluation against labelled corpora (shared/eval/SCHEMA.md) and benchmarks."""

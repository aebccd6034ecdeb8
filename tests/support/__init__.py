"""Plain helpers the test tiers share (fixtures live in the conftest.py files): what a test
stores, signs in with, uploads or starts. Tests import these, never another test module."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository's root."""

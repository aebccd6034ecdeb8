"""Scorecard item types: one module each, implementing `base.ItemBase`, listed in `registry.py`."""

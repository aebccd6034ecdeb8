"""Persistence: tables, migrations, the content-addressed audio store and the call repository.

Everything that touches the database or the audio files goes through here; the other layers
see plain records.
"""

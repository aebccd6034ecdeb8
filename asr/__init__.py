"""Audio in, `Transcript` out: decoding, channel roles, faster-whisper.

A pure library: no database, no queue. Everything it needs arrives as arguments.
"""

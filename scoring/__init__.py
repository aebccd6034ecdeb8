"""`Transcript` in, findings and a `Score` out: detectors and scorecards.

A pure library: it reads the transcript contract (`asr.transcript`) and the scorecard, and
touches no database or queue, so a stored call can be re-scored against any card at any time.
"""

"""The learned parts of callqa: sentiment, embeddings for semantic matching, the risk model and
calibration from inspector corrections (they arrive with the analytics and review issues).

A pure library: data in, data out, no database and no queue. `scoring` may import it; it
imports nothing of callqa's.
"""

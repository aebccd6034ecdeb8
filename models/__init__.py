"""The learned parts of callqa: sentence encoders (`embeddings`), the sentiment head and its
training script (`sentiment`, `train_sentiment`); the risk model and calibration from inspector
corrections arrive with the review issue.

A pure library: data in, data out, no database and no queue. `scoring` may import it; it
imports nothing of callqa's.
"""

"""What supervisors, trainers and operations read, pure: report aggregates, alert rules.

Data in (`CallFacts`, one per scored call), data out (`Report`, `Alert`); no database, no queue.
"""

"""The human loop's rules, pure: data in, data out (no database, no queue).

What an inspector's decisions make of a machine score; later also sampling quotas, queue
ordering, agreement statistics and pass-rate estimates.
"""

"""The web workspace (/ui): server-rendered pages for reviewers, supervisors, trainers and agents.

Jinja2 templates in `templates/`, one hand-written stylesheet in `static/`; nothing is fetched
from another site, so the pages work on a network without the internet.
"""

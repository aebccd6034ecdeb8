"""The `callqa` command line: one `register(app)` per topic module, in the order `callqa --help`
lists them (typer lists plain commands first, then the groups, each in registration order).

Every command lives in an `api/cli_*.py` module of its topic, which adds its commands and groups
to the app in its `register` and nowhere else, so this list is the whole command line.
"""

from __future__ import annotations

import typer

from api import (
    cli_access,
    cli_calibrate,
    cli_calibration_sessions,
    cli_calls,
    cli_eval,
    cli_import,
    cli_insights,
    cli_library,
    cli_lifecycle,
    cli_sampling,
    cli_scorecards,
    cli_search,
    cli_serve,
    cli_status,
    cli_topics,
)

app = typer.Typer(
    help="callqa: automated QA for call-centre recordings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

cli_eval.register(app)  # eval
cli_calls.register(app)  # process, show, retry
cli_serve.register(app)  # serve
cli_access.register(app)  # the token and user groups
cli_scorecards.register(app)  # rescore, agreement; the scorecard group
cli_search.register(app)  # the search group
cli_calibration_sessions.register(app)  # the calibration-session group
cli_lifecycle.register(app)  # retention, erase, backup, restore
cli_status.register(app)  # status
cli_import.register(app)  # import
cli_sampling.register(app)  # pass-rates; the roster and sample groups
cli_calibrate.register(app)  # calibrate
cli_insights.register(app)  # report; the alerts group
cli_topics.register(app)  # topics
cli_library.register(app)  # the library group


def main() -> None:
    app()


if __name__ == "__main__":
    main()

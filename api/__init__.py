"""Every way into callqa: the `callqa` command line and the HTTP API."""

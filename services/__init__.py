"""The application layer: one module per use case, shared by the API, the CLI, the pages and the tasks.

A service takes typed data and `runtime.services.Services`, and returns typed views; it never
imports `workers` or a queue library. Where it must send work to the queue it is handed a
`services.dispatch.Dispatch` by its caller (docs/architecture.md).
"""

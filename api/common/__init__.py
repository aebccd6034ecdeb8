"""What the JSON routes (`api/http`) and the pages (`api/web`) share: the request's principal and
services, the one error body, the gate every request passes, and the parameter types.

Neither side imports the other; what both need lives here or, when it is an operation, in
`services`.
"""

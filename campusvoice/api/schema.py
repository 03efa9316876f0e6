"""OpenAPI post-processing: every operation documents the errors it can answer with.

drf-spectacular describes the successes it sees in `@extend_schema`; the errors come from one
exception handler (exception_handlers.py) for the whole API, so they are added here once, in the
same shape, instead of on each view. The fuzz test (tests/test_fuzz.py) holds the schema to it.
"""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "One sentence, as Action Network's API gives."},
        "errors": {"type": "object", "description": "Field errors keyed as in the request body."},
    },
    "required": ["error"],
}

ERRORS = {
    "400": "Invalid request: the body or a parameter does not fit; `errors` names the field.",
    "401": "No token, or an invalid or revoked one (`OSDI-API-Token` header).",
    "403": "The token's member may not do this.",
    "404": "No such object, or not one this member may see.",
    "413": "The request body is too large.",
    "415": "The body is not JSON.",
    "429": "Too many requests for this member; `Retry-After` says when to try again.",
}
READS_ONLY = {"401", "403", "404", "429", "400"}


def error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = ERRORS.keys() if method in {"post", "put", "patch"} else READS_ONLY
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": ERRORS[code],
                        "content": {
                            media_type: {"schema": {"$ref": "#/components/schemas/Error"}}
                            for media_type in ("application/hal+json", "application/json")
                        },
                    },
                )
    return result

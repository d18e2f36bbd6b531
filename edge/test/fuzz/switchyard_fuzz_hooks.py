"""Schemathesis hooks for the live-edge fuzz run (edge/test/fuzz/openapi-fuzz.test.ts).

Generation length is what the real backends spend their time on, not what the edge's contract
is about. The fuzz backends run with a small `--max-tokens-cap` (so a body without a token count
stops early), and a generated token count inside the documented range 1..MAX is lowered to that
cap: still inside the range, so a valid body stays valid and an invalid one stays invalid for its
own reason. Values outside the range are left alone, for the negative checks. MAX comes from the
generated docs/openapi.json (SWITCHYARD_FUZZ_MAX_TOKENS), CAP from the backends' cap
(SWITCHYARD_FUZZ_TOKEN_CAP); both are set by the test. The range's upper bound itself is checked
against the backends' default cap by openapi-contract.test.ts.
"""

import os

import schemathesis

TOKEN_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
MAX = int(os.environ["SWITCHYARD_FUZZ_MAX_TOKENS"])
CAP = int(os.environ["SWITCHYARD_FUZZ_TOKEN_CAP"])


@schemathesis.hook
def map_case(context, case):
    body = case.body
    if isinstance(body, dict):
        # Random model ids are all 404s; half the bodies name "auto" instead, so requests reach
        # routing and the backends. Still valid or invalid as generated: any non-empty id is a
        # valid `model`, except beside a `models` list: bodies with that field are left alone.
        # (Not for operations whose document refuses "auto": embeddings need an explicit model.)
        model = body.get("model")
        path = getattr(getattr(context, "operation", None), "path", "")
        allows_auto = not path.endswith("/embeddings")
        if allows_auto and isinstance(model, str) and model and "models" not in body and len(model) % 2 == 0:
            body["model"] = "auto"
        for field in TOKEN_FIELDS:
            value = body.get(field)
            # JSON Schema's integer includes 465.0, which generators produce too.
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value == int(value):
                if CAP < value <= MAX:
                    body[field] = CAP
    return case


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure except two refusals that depend on the model, which no schema can state.

    - 400 `context_length_exceeded`: no JSON Schema counts tokens, so a valid body (say 2000
      messages, the documented maximum) can still be longer than the model's context.
    - 400 `unsupported_parameter` for a capability the named model lacks: tools on a model without
      a chat template (the fuzz backends serve llama-2-tiny-random: fast, no template), or
      embeddings from a model that does not serve them. Capabilities belong to the roster.
    And one gap of the document, stated here rather than hidden: it does not describe the subset
    of JSON Schema that the backends can enforce inside a request (response_format, tool
    parameters; docs/api.md lists it), so a generated schema with another keyword is refused with
    400 `unsupported_parameter` naming that nested schema.
    All are listed among the 400s of the document. Only these exact refusals are forgiven, and only
    for the "valid data rejected" check.
    """
    if getattr(failure, "code", None) != "ST202":
        return True
    try:
        error = response.json()["error"]
        code, message = error["code"], error["message"]
    except (ValueError, KeyError, TypeError):
        return True
    if response.status_code != 400:
        return True
    if code == "context_length_exceeded":
        return False
    if code != "unsupported_parameter":
        return True
    nested_schema = "JSON Schema keyword" in message or "a schema must be" in message
    # Capabilities are per model and per deployment (the roster), not in the document.
    capability = "no chat template" in message or "does not serve embeddings" in message
    return not (capability or nested_schema)

"""Property-based testing of the whole API against its own OpenAPI document
(schemathesis, in process over ASGI, with a real token): every operation, with
data that fits the schema and data that does not. No response may be a 5xx, and
every response must match what the document says (status, content type,
headers, body schema).

Checks excluded, and why:

* ``positive_data_acceptance`` — "schema-valid input must get a 2xx". The
  schema cannot know which unit codes exist, which trigger a case's state
  allows, or that a random tracking code names no case; such inputs are rightly
  refused with 404/409/422.
* ``use_after_free`` / ``ensure_resource_availability`` — stateful checks that
  need links between operations (none are declared; cases are never deleted).

Everything else runs, including ``negative_data_rejection`` (schema-invalid input
must get a 4xx), ``ignored_auth`` (a request without the token must be refused)
and ``unsupported_method``.

Bounded: ``NGHEDAN_FUZZ_EXAMPLES`` examples per operation (default 25) and
deterministic generation, so CI is repeatable; raise it locally to dig deeper.
"""

from __future__ import annotations

import os
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    ensure_resource_availability, positive_data_acceptance, use_after_free,
)

from engine.actors import SYSTEM
from engine.services.cases import NewCase
from web.api.ratelimit import RateLimiter

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import bearer

EXAMPLES = int(os.environ.get("NGHEDAN_FUZZ_EXAMPLES", "25"))
EXCLUDED = [positive_data_acceptance, use_after_free, ensure_resource_availability]


@pytest.fixture
def real_code(api_container, world) -> str:  # type: ignore[no-untyped-def]
    """A case the token's owner may see, so valid requests reach past "not found"."""
    snap = api_container.cases.create(SYSTEM, NewCase(workflow="nghe-dan-noi", unit="A1", topic="dien_nuoc",
                                                      kind="kien_nghi", content="Nước sinh hoạt bị đục"))
    return snap.code


def _fuzz_operation(operation, mode, tokens, real_code) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):  # type: ignore[no-untyped-def]
        if mode is GenerationMode.POSITIVE:
            # Point a share of the valid requests at data that exists, so they get
            # past "no such case" / "invalid api_key" into the engine.
            body = case.body if isinstance(case.body, (dict, list, str, int, float)) else None
            coin = zlib.crc32(repr((case.path_parameters, case.query, body)).encode())
            if case.path_parameters and "code" in case.path_parameters and coin % 2 == 0:
                case.path_parameters["code"] = real_code
            if case.path_parameters and "trigger" in case.path_parameters and coin % 3 == 0:
                trigger = ("escalate", "answer_on_site", "withdraw", "merge")[coin % 4]
                case.path_parameters["trigger"] = trigger
                given = case.body.get("data") if isinstance(case.body, dict) else None
                text = next((v for v in (given or {}).values() if isinstance(v, str) and v.strip()), "Nội dung")
                data = {"escalate": {"target_unit": "A-KT", "reason": text}, "answer_on_site": {"answer": text},
                        "withdraw": {"reason": text}, "merge": {"duplicate_of": real_code}}[trigger]
                case.body = {"data": data}
            if isinstance(case.body, dict) and coin % 2 == 0:
                for name, value in (("unit", "A" if "meeting" in operation.path else "A1"),
                                    ("attribute[unit]", "A1"), ("service_code", "dien_nuoc"),
                                    ("held_on", "2026-11-02"), ("programme", "nghe-dan-noi"),
                                    ("handling_unit", None), ("meeting_id", None)):
                    if name in case.body:
                        case.body[name] = value
            if isinstance(case.body, dict) and "api_key" in case.body:
                case.body["api_key"] = tokens["off_a"]
            if case.query and "api_key" in case.query:
                case.query["api_key"] = tokens["off_a"]
        # The token goes in every request, except those whose invalid part is
        # precisely a missing or mangled Authorization header.
        headers_negated = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
        case.call_and_validate(headers=None if headers_negated else bearer(tokens["off_a"]),
                               excluded_checks=EXCLUDED)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_no_5xx_and_every_response_matches_the_schema(api_app, api_container, tokens, real_code, mode):  # type: ignore[no-untyped-def]
    # One token makes every request here: throttling would answer most of them 429
    # (a documented answer, but one that hides everything behind it).
    api_container.api_limiter = RateLimiter(rate_per_minute=10**9, burst=10**9)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    # A body over the API's size limit is refused with 413 before it is read (a meeting
    # of 200 opinions of 4,000 letters may be valid and still too big): a rejection too.
    rejection = schema.config.checks.negative_data_rejection
    schema.config.checks.negative_data_rejection = type(rejection)(
        expected_statuses=[*rejection.expected_statuses, "413"])
    assert "413" in schema.config.checks_config_for().negative_data_rejection.expected_statuses
    failures: dict[str, str] = {}
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        count += 1
        try:
            _fuzz_operation(operation, mode, tokens, real_code)
        except Unsatisfiable:
            # An operation without parameters or body has no invalid input to make.
            assert mode is GenerationMode.NEGATIVE, operation.label
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  (one report for all operations)
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:3000]}"
    assert count >= 24  # every operation of /api/v1 and /open311/v2 was exercised
    assert failures == {}, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())

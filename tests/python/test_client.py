"""A client that we did not write: the sismatch.v1 gRPC contract used from Python.

The stubs are generated from proto/ alone by tests/python/run.sh (grpc_tools.protoc), never
written by hand; the health client is the standard grpcio-health-checking package. Against a
running `sismatch demo` (conftest.py: three national nodes and the matching core, open mode) the test checks
health, a federated fuzzy search through a misspelt identifier, the dealer check and the
refusal of a bad request, then that SIGTERM stops the demo cleanly.

Run it with `bash tests/python/run.sh` (or `make test-python`); $SISMATCH_BIN names the binary.
"""

import secrets
import signal
import string
import subprocess

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

try:
    from sismatch.v1 import core_pb2, core_pb2_grpc, match_pb2, node_pb2, node_pb2_grpc, types_pb2
except ImportError as error:  # pragma: no cover - only without run.sh
    raise ImportError(
        f"{error}: the stubs are generated from proto/ by tests/python/run.sh; run the test "
        "through it (or put its --python_out folder on PYTHONPATH)"
    ) from error

# Deadline of every RPC, in seconds.
RPC_DEADLINE = 10.0
# How long the demo may take to stop after SIGTERM.
STOP_TIMEOUT = 30.0


def channel_to(address):
    channel = grpc.insecure_channel(address)
    try:
        grpc.channel_ready_future(channel).result(timeout=RPC_DEADLINE)
    except grpc.FutureTimeoutError:
        pytest.fail(f"cannot connect to {address} within {RPC_DEADLINE} s")
    return channel


def describe(message):
    """A one-message text form for assertion messages."""
    return f"{type(message).__name__} {{{message}}}"


@pytest.fixture(scope="module")
def core(demo):
    channel = channel_to(demo.core)
    yield core_pb2_grpc.MatchingCoreStub(channel)
    channel.close()


@pytest.fixture(scope="module")
def stored(demo):
    """An alert of the sample and one identifier of it, read from its issuing node.

    The ids come from the demo's example searches; the alert itself, and so the identifier, is
    read with NationalNode.GetAlert on the node of the id's country prefix.
    """
    ids = demo.example_alert_ids()
    assert ids, f"the demo's examples named no alert found first\n{demo.diagnostics()}"
    tried = []
    for alert_id in ids:
        country = alert_id.split("-", 1)[0]
        address = demo.nodes.get(country)
        assert address, f"no node printed for the country of {alert_id}\n{demo.diagnostics()}"
        channel = channel_to(address)
        try:
            answer = node_pb2_grpc.NationalNodeStub(channel).GetAlert(
                node_pb2.GetAlertRequest(id=alert_id), timeout=RPC_DEADLINE
            )
        finally:
            channel.close()
        alert = answer.alert
        assert alert.id == alert_id and alert.country == country, describe(alert)
        candidates = [
            i for i in alert.identifiers
            if i.kind != types_pb2.IDENTIFIER_KIND_FIREARM_SERIAL
            and len(i.normalized) >= 8
            and sum(c.isalnum() for c in i.value) >= 8
        ]
        if candidates:
            identifier = max(candidates, key=lambda i: len(i.normalized))
            print(f"using {alert.id} ({alert.country}): {identifier.value!r} "
                  f"({types_pb2.IdentifierKind.Name(identifier.kind)})")
            return alert, identifier
        tried.append(describe(alert))
    pytest.fail("no example alert has an identifier of 8 characters or more:\n" + "\n".join(tried))


def misspell(value):
    """`value` with one character of its second half replaced by an unrelated one (not a
    look-alike such as O/0 or S/5, which would cost less than a misreading)."""
    positions = [i for i, c in enumerate(value) if c.isalnum()]
    position = positions[len(positions) * 2 // 3]
    old = value[position]
    if old.isdigit():
        new = "7" if old != "7" else "3"
    else:
        new = "X" if old.upper() != "X" else "K"
    return value[:position] + new + value[position + 1:]


def random_identifier():
    """A 14-character value that no sample alert comes near."""
    alphabet = "".join(c for c in string.ascii_uppercase + string.digits if c not in "IOQ01")
    return "ZZ" + "".join(secrets.choice(alphabet) for _ in range(12))


def assert_invalid_argument(call, field, what):
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error = raised.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (
        f"{what}: expected INVALID_ARGUMENT, got {error.code()}: {error.details()}"
    )
    assert field in error.details(), (
        f"{what}: the message should name the field `{field}`: {error.details()!r}"
    )


# --- (1) health ------------------------------------------------------------------------------


def check_health(address, service):
    channel = channel_to(address)
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=RPC_DEADLINE)
    finally:
        channel.close()


def test_core_and_node_report_serving_over_standard_health(demo):
    for address, service in [
        (demo.core, ""),
        (demo.core, "sismatch.v1.MatchingCore"),
        (demo.nodes["NL"], ""),
        (demo.nodes["NL"], "sismatch.v1.NationalNode"),
    ]:
        answer = check_health(address, service)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING, (
            f"health of {service or 'the server'} at {address}: {describe(answer)}"
        )
    with pytest.raises(grpc.RpcError) as raised:
        check_health(demo.core, "no.such.Service")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND, raised.value.details()


# --- (2) federated fuzzy search ----------------------------------------------------------------


def test_core_search_finds_the_alert_through_a_misspelt_identifier(core, stored):
    alert, identifier = stored
    misspelt = misspell(identifier.value)
    assert misspelt != identifier.value
    answer = core.Search(
        core_pb2.MatchingCoreSearchRequest(
            queries=[match_pb2.IdentifierQuery(value=misspelt, kind=identifier.kind)],
            top_k=20,
        ),
        timeout=RPC_DEADLINE,
    )
    print(f"searched {misspelt!r} for {identifier.value!r}: "
          + "; ".join(f"{m.alert.id} {m.score:.4f} {m.explanation}" for m in answer.matches[:5]))
    context = (
        f"searched {misspelt!r} for {identifier.value!r} "
        f"({types_pb2.IdentifierKind.Name(identifier.kind)}) of {alert.id}\n{describe(answer)}"
    )
    assert sorted(n.node for n in answer.nodes) == ["BE", "FR", "NL"], context
    assert all(n.outcome == core_pb2.NODE_OUTCOME_OK for n in answer.nodes), context
    assert not answer.partial, context
    assert answer.reference, context

    found = [m for m in answer.matches if m.alert.id == alert.id]
    assert found, f"{alert.id} is not among the matches: {context}"
    match = found[0]
    assert match.country == alert.country and match.alert.country == alert.country, context
    assert match.node == alert.country, context
    assert 0 < match.score < 1, context
    assert match.explanation, context
    best = match.identifier_matches[0]
    assert best.query_value == misspelt, context
    assert best.matched_identifier.normalized == identifier.normalized, context
    assert any(e.kind == match_pb2.EDIT_KIND_SUBSTITUTION for e in best.edits), context
    # Open mode: the restricted part (owner, victim) is never sent.
    assert not match.alert.HasField("restricted"), context


# --- (3) dealer check ---------------------------------------------------------------------------


def test_dealer_check_reports_a_hit_and_nothing_else(core, stored):
    alert, identifier = stored
    answer = core.Check(
        core_pb2.CheckRequest(identifiers=[match_pb2.IdentifierQuery(value=identifier.value)]),
        timeout=RPC_DEADLINE,
    )
    context = f"checked {identifier.value!r} of {alert.id}: {describe(answer)}"
    print(context)
    assert answer.outcome == core_pb2.CHECK_OUTCOME_HIT, context
    assert answer.reference, context
    assert answer.HasField("checked_at") and answer.checked_at.seconds > 0, context

    # The contract's dealer answer has room for nothing but the outcome, a reference and the
    # countries that answered, which are every country asked, whichever holds the alert...
    fields = {f.name for f in core_pb2.CheckResponse.DESCRIPTOR.fields}
    assert fields == {"outcome", "reference", "checked_at", "countries_checked"}, fields
    assert list(answer.countries_checked) == ["BE", "FR", "NL"], context
    # ...and the server sends nothing beyond it: no unknown fields, no alert data in the bytes.
    from google.protobuf.unknown_fields import UnknownFieldSet

    assert len(UnknownFieldSet(answer)) == 0, context
    wire = answer.SerializeToString()
    leaked = [
        text for text in [alert.id, identifier.value, identifier.normalized, alert.brand,
                          alert.model, alert.description, alert.case_reference]
        if text and text.encode() in wire
    ]
    assert not leaked, f"the dealer answer carries alert data {leaked}: {context}"


def test_dealer_check_of_an_unknown_identifier_is_no_hit(core):
    value = random_identifier()
    answer = core.Check(
        core_pb2.CheckRequest(identifiers=[match_pb2.IdentifierQuery(value=value)]),
        timeout=RPC_DEADLINE,
    )
    assert answer.outcome == core_pb2.CHECK_OUTCOME_NO_HIT, f"checked {value!r}: {describe(answer)}"
    assert answer.reference, describe(answer)


# --- (4) bad requests --------------------------------------------------------------------------


def test_bad_requests_get_invalid_argument_naming_the_field(core):
    assert_invalid_argument(
        lambda: core.Search(core_pb2.MatchingCoreSearchRequest(), timeout=RPC_DEADLINE),
        "queries", "a search with no query",
    )
    assert_invalid_argument(
        lambda: core.Search(
            core_pb2.MatchingCoreSearchRequest(queries=[match_pb2.IdentifierQuery(value="  ")]),
            timeout=RPC_DEADLINE,
        ),
        "queries[0].value", "a search for an empty value",
    )
    assert_invalid_argument(
        lambda: core.Check(core_pb2.CheckRequest(), timeout=RPC_DEADLINE),
        "identifiers", "a dealer check with no identifier",
    )


# --- and a clean stop ----------------------------------------------------------------------------


def test_sigterm_stops_the_demo_cleanly(demo):
    assert demo.process.poll() is None, f"the demo stopped early\n{demo.diagnostics()}"
    demo.process.send_signal(signal.SIGTERM)
    try:
        status = demo.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the demo did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM\n"
                    f"{demo.diagnostics()}")
    assert status == 0, f"the demo exited with {status} after SIGTERM\n{demo.diagnostics()}"

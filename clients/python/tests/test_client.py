"""The client against a live optd: every call, both wire formats, errors, retries. Needs numpy only."""
import os
import uuid

import numpy as np
import pytest

from optd_client import (Client, InvalidRequest, OptdConnectionError, OptdError, PreconditionFailed,
                         ServerUnavailable, SessionExists, SessionNotFound)

INITIAL = np.array([0.5, -1.25, 3.0, 0.0], dtype=np.float32)
GRAD = np.array([0.1, 0.2, -0.3, 1.5], dtype=np.float32)
LR = np.float32(0.1)


def sgd(params, grad):
    """torch.optim.SGD without momentum (pytorch convention): p - lr * g in float32."""
    return (params - LR * grad).astype(np.float32)


@pytest.fixture(params=["raw", "json"])
def client(request, optd):
    with Client(optd.url, wire=request.param) as c:
        yield c


def test_create_step_and_read_back(client):
    session = client.create_session(id="run-1", optimizer="sgd", convention="pytorch", params=INITIAL,
                                    learning_rate=0.1)
    assert session.id == "run-1"
    assert session.step_count == 0
    after = session.step(GRAD)
    assert after.dtype == np.float32
    np.testing.assert_allclose(after, sgd(INITIAL, GRAD), rtol=1e-6)
    assert session.step_count == 1
    np.testing.assert_array_equal(session.params(), after)
    info = session.info()
    assert info["step"] == 1 and info["size"] == 4 and info["convention"] == "pytorch"
    assert info["optimizer"]["name"] == "sgd"
    assert [s["id"] for s in client.sessions()] == ["run-1"]


def test_raw_and_json_wire_give_identical_bits(optd):
    with Client(optd.url, wire="raw") as raw, Client(optd.url, wire="json") as js:
        a = raw.create_session(id="a", optimizer="adam", convention="pytorch", params=INITIAL)
        b = js.create_session(id="b", optimizer="adam", convention="pytorch", params=INITIAL)
        rng = np.random.default_rng(1)
        for _ in range(5):
            g = rng.standard_normal(4).astype(np.float32)
            np.testing.assert_array_equal(a.step(g), b.step(g))


def test_server_named_session_and_size(client):
    session = client.create_session(optimizer="adam", size=3)
    assert session.id
    np.testing.assert_array_equal(session.params(), np.zeros(3, np.float32))


def test_minimal_step_returns_none_and_moves_step(client):
    session = client.create_session(id="m", optimizer="sgd", convention="pytorch", params=INITIAL, learning_rate=0.1)
    assert session.step(GRAD, minimal=True) is None
    assert session.step_count == 1
    np.testing.assert_allclose(session.params(), sgd(INITIAL, GRAD), rtol=1e-6)


def test_put_params_keeps_step_and_patch_changes_learning_rate(client):
    session = client.create_session(id="p", optimizer="sgd", convention="pytorch", params=INITIAL, learning_rate=0.1)
    session.step(GRAD)
    replaced = np.array([1, 2, 3, 4], np.float32)
    np.testing.assert_array_equal(session.put_params(replaced), replaced)
    assert session.step_count == 1
    info = session.patch(learning_rate=0.5)
    assert info["optimizer"]["learning_rate"] == 0.5
    after = session.step(GRAD)
    np.testing.assert_allclose(after, replaced - np.float32(0.5) * GRAD, rtol=1e-6)
    assert session.step_count == 2


def test_conditional_step(client):
    session = client.create_session(id="c", optimizer="sgd", params=INITIAL)
    session.step(GRAD, if_match=0)
    with pytest.raises(PreconditionFailed) as caught:
        session.step(GRAD, if_match=0)
    assert caught.value.status == 412 and caught.value.code == "precondition_failed"
    assert session.info()["step"] == 1


def test_idempotency_key_applies_once(client):
    session = client.create_session(id="i", optimizer="sgd", convention="pytorch", params=INITIAL, learning_rate=0.1)
    key = uuid.uuid4().hex
    first = session.step(GRAD, idempotency_key=key)
    again = session.step(GRAD, idempotency_key=key)
    np.testing.assert_array_equal(first, again)
    assert session.info()["step"] == 1


def test_errors_carry_problem_fields(client):
    with pytest.raises(SessionNotFound) as caught:
        client.session("nope").params()
    assert (caught.value.status, caught.value.code) == (404, "session_not_found")
    assert "nope" in str(caught.value)

    session = client.create_session(id="e", optimizer="adam", params=INITIAL)
    with pytest.raises(SessionExists) as caught:
        client.create_session(id="e", optimizer="adam", params=INITIAL)
    assert (caught.value.status, caught.value.code) == (409, "session_exists")

    with pytest.raises(InvalidRequest) as caught:
        session.step(np.ones(3, np.float32))
    assert (caught.value.status, caught.value.code) == (422, "length_mismatch")

    with pytest.raises(InvalidRequest) as caught:
        session.step(np.array([0, np.nan, 0, 0], np.float32))
    assert (caught.value.status, caught.value.code) == (422, "non_finite")

    with pytest.raises(InvalidRequest) as caught:
        client.create_session(id="bad", optimizer="adam", params=INITIAL, beta_1=2.0)
    assert (caught.value.status, caught.value.code) == (400, "invalid_hyperparameter")
    assert "beta_1" in caught.value.detail

    # nothing of the refused requests was applied
    assert session.info()["step"] == 0
    np.testing.assert_array_equal(session.params(), INITIAL)
    assert isinstance(caught.value, OptdError)


def test_snapshot_checkpoint_roundtrip_continues_bit_for_bit(client, optd):
    rng = np.random.default_rng(7)
    grads = rng.standard_normal((6, 4)).astype(np.float32)
    straight = client.create_session(id="straight", optimizer="adam", convention="pytorch", params=INITIAL)
    moved = client.create_session(id="moved", optimizer="adam", convention="pytorch", params=INITIAL)
    for g in grads[:3]:
        straight.step(g)
        moved.step(g)

    written = moved.snapshot()
    assert written["step"] == 3
    assert os.path.getsize(os.path.join(optd.data_dir, "sessions", "moved.safetensors")) == written["bytes"]

    data = moved.checkpoint()
    moved.delete()
    with pytest.raises(SessionNotFound):
        moved.info()
    restored = client.upload_checkpoint("moved", data)
    assert restored.info()["step"] == 3
    for g in grads[3:]:
        a, b = straight.step(g), restored.step(g)
        np.testing.assert_array_equal(a, b)

    # a checkpoint upload fenced on the wrong step changes nothing
    with pytest.raises(PreconditionFailed):
        restored.restore(data, if_match=3)
    assert restored.info()["step"] == 6


def test_step_retried_after_lost_answer_is_applied_once(optd, faulty_proxy):
    with Client(optd.url) as direct:
        session = direct.create_session(id="r", optimizer="sgd", convention="pytorch", params=INITIAL,
                                        learning_rate=0.1)
    proxy = faulty_proxy(optd.url, "drop_answer")
    with Client(proxy.url, backoff=0.01) as flaky:
        after = flaky.session("r").step(GRAD)
    np.testing.assert_allclose(after, sgd(INITIAL, GRAD), rtol=1e-6)
    assert proxy.connections == 2
    assert optd.log_count("POST /v1/sessions/r/step 200", 2) == 2  # the step went out twice...
    with Client(optd.url) as direct:
        assert direct.session("r").info()["step"] == 1  # ...and was applied once


def test_create_is_not_repeated_after_lost_answer(optd, faulty_proxy):
    proxy = faulty_proxy(optd.url, "drop_answer")
    with Client(proxy.url, backoff=0.01) as flaky:
        with pytest.raises(OptdConnectionError):
            flaky.create_session(id="once", optimizer="adam", params=INITIAL)
    assert proxy.connections == 1
    with Client(optd.url) as direct:
        assert direct.session("once").info()["step"] == 0  # the server did create it


def test_5xx_is_retried_and_reported_when_it_persists(optd, faulty_proxy):
    with Client(optd.url) as direct:
        direct.create_session(id="b", optimizer="adam", params=INITIAL)
    proxy = faulty_proxy(optd.url, "answer_503", spoil=2)
    with Client(proxy.url, backoff=0.01) as flaky:
        np.testing.assert_array_equal(flaky.session("b").params(), INITIAL)
    assert proxy.connections == 3

    stubborn = faulty_proxy(optd.url, "answer_503", spoil=100)
    with Client(stubborn.url, backoff=0.001, retries=2) as flaky:
        with pytest.raises(ServerUnavailable) as caught:
            flaky.session("b").params()
    assert caught.value.status == 503 and caught.value.code == "proxy_busy"
    assert stubborn.connections == 3


def test_keep_alive_reuses_one_connection(optd, faulty_proxy):
    proxy = faulty_proxy(optd.url, "drop_answer", spoil=0)
    with Client(proxy.url) as c:
        session = c.create_session(id="k", optimizer="adam", params=INITIAL)
        for _ in range(20):
            session.step(GRAD)
        session.params()
    assert proxy.connections == 1


def test_connection_refused_is_reported():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, never listening: connecting is refused
        with Client(f"http://127.0.0.1:{s.getsockname()[1]}", retries=1, backoff=0.001) as c:
            with pytest.raises(OptdConnectionError):
                c.health()


def test_bearer_token():
    from conftest import start_optd, stop_optd
    proc, server, work = start_optd("--auth-token", "s3cret")
    try:
        with Client(server.url) as anonymous:
            with pytest.raises(OptdError) as caught:
                anonymous.sessions()
            assert (caught.value.status, caught.value.code) == (401, "unauthorized")
        with Client(server.url, token="s3cret") as c:
            c.create_session(id="t", optimizer="adam", size=2)
            assert [s["id"] for s in c.sessions()] == ["t"]
    finally:
        stop_optd(proc, work)

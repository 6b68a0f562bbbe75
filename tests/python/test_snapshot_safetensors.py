"""A snapshot opened with the Python `safetensors` library holds `params` and every state tensor
as the API reports them, and the metadata of SPEC §5."""
import json
import os
import urllib.request

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load, load_file

EXTRAS = {
    "sgd": {"momentum": 0.9},
    "adagrad": {"initial_accumulator_value": 0.2},
    "rmsprop": {"momentum": 0.5, "centered": True},
    "adam": {"amsgrad": True},
    "adamw": {"amsgrad": True},
}
CASES = [(name, convention) for name in EXTRAS for convention in ("keras", "pytorch")]


def call(url, method="GET", body=None, content_type=None, accept=None):
    request = urllib.request.Request(url, data=body, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    if accept:
        request.add_header("Accept", accept)
    with urllib.request.urlopen(request) as response:
        return response.status, response.read(), dict(response.headers)


@pytest.mark.parametrize("name,convention", CASES)
def test_snapshot_opens_with_safetensors_and_matches_the_api(optd, name, convention):
    base, data = optd
    sid = f"{name}-{convention}"
    optimizer = {"name": name, "learning_rate": 0.01, **EXTRAS[name]}
    if convention == "keras":
        optimizer.update({"use_ema": True, "gradient_accumulation_steps": 2})
    create = {"id": sid, "convention": convention, "optimizer": optimizer, "params": [0.5, -1.5, 2.0, 0.25, 3.0]}
    status, _, _ = call(f"{base}/v1/sessions", "POST", json.dumps(create).encode(), "application/json")
    assert status == 201
    rng = np.random.default_rng(7)
    for _ in range(5):
        gradient = rng.standard_normal(5).astype("<f4")
        status, _, _ = call(f"{base}/v1/sessions/{sid}/step", "POST", gradient.tobytes(), "application/octet-stream")
        assert status == 200

    status, body, _ = call(f"{base}/v1/sessions/{sid}/snapshot", "POST")
    snapshot = json.loads(body)
    path = os.path.join(data, "sessions", f"{sid}.safetensors")
    assert snapshot["bytes"] == os.path.getsize(path)
    assert snapshot["step"] == 5

    tensors = load_file(path)
    _, raw_params, _ = call(f"{base}/v1/sessions/{sid}/params", accept="application/octet-stream")
    assert np.array_equal(tensors["params"].view("<u4"), np.frombuffer(raw_params, "<u4"))
    _, checkpoint, _ = call(f"{base}/v1/sessions/{sid}/checkpoint")
    reported = load(checkpoint)
    assert set(reported) == set(tensors) and len(tensors) > 1
    for key, value in tensors.items():
        assert value.dtype == np.float32 and value.shape == (5,)
        assert np.array_equal(value.view("<u4"), reported[key].view("<u4")), key
    if convention == "keras":
        _, raw_ema, _ = call(f"{base}/v1/sessions/{sid}/params?ema=true", accept="application/octet-stream")
        assert np.array_equal(tensors["ema_average"].view("<u4"), np.frombuffer(raw_ema, "<u4"))

    with safe_open(path, "np") as f:
        metadata = f.metadata()
    _, body, _ = call(f"{base}/v1/sessions/{sid}")
    session = json.loads(body)
    assert metadata["format"] == "optd-session/1"
    assert metadata["id"] == sid
    assert json.loads(metadata["optimizer"]) == session["optimizer"]
    assert metadata["convention"] == convention
    assert metadata["step"] == str(session["step"])
    assert metadata["created"] == session["created"]
    assert metadata["updated"] == session["updated"]

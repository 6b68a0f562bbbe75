"""RemoteOptimizer against the live optd and against torch.optim itself. Skipped without torch."""
import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from optd_client import Client, SessionExists  # noqa: E402
from optd_client.torch import RemoteOptimizer  # noqa: E402

# (optd name, optd hyperparameters, torch.optim class, the same hyperparameters under torch's names)
CASES = [
    ("adam", {"learning_rate": 0.01}, torch.optim.Adam, {"lr": 0.01}),
    ("adam", {"learning_rate": 0.005, "beta_1": 0.8, "amsgrad": True, "weight_decay": 0.01},
     torch.optim.Adam, {"lr": 0.005, "betas": (0.8, 0.999), "amsgrad": True, "weight_decay": 0.01}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
     torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("rmsprop", {"learning_rate": 0.01, "rho": 0.9, "centered": True},
     torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.9, "centered": True}),
    ("adagrad", {"learning_rate": 0.05, "lr_decay": 0.01}, torch.optim.Adagrad, {"lr": 0.05, "lr_decay": 0.01}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1}, torch.optim.AdamW, {"lr": 0.01, "weight_decay": 0.1}),
]


def make_model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))


def batches(steps, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(16, 5, generator=g), torch.randint(0, 3, (16,), generator=g)) for _ in range(steps)]


def train_step(model, opt, x, y):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def assert_within_spec(remote_model, local_model):
    """SPEC §2: |optd − framework| ≤ 1e-5 · max(1, |framework|) for every parameter."""
    for r, l in zip(remote_model.parameters(), local_model.parameters()):
        r, l = r.detach().numpy(), l.detach().numpy()
        bound = 1e-5 * np.maximum(1.0, np.abs(l))
        assert np.all(np.abs(r - l) <= bound), f"max excess {np.max(np.abs(r - l) - bound)}"


@pytest.mark.parametrize("name, hyper, torch_cls, torch_hyper", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_remote_run_matches_torch_optim_at_every_step(optd, name, hyper, torch_cls, torch_hyper):
    remote_model = make_model()
    local_model = copy.deepcopy(remote_model)
    remote = RemoteOptimizer(remote_model.parameters(), url=optd.url, session="twin", optimizer=name,
                             convention="pytorch", **hyper)
    local = torch_cls(local_model.parameters(), **torch_hyper)
    before = [p.detach().clone() for p in local_model.parameters()]
    for x, y in batches(30):
        # each model computes its own gradient from its own parameters, as two real runs would
        train_step(remote_model, remote, x, y)
        train_step(local_model, local, x, y)
        assert_within_spec(remote_model, local_model)
    moved = any(not torch.equal(a, b) for a, b in zip(before, local_model.parameters()))
    assert moved
    assert remote.session.info()["step"] == 30
    remote.close()


def test_lr_scheduler_changes_reach_the_session(optd):
    remote_model = make_model()
    local_model = copy.deepcopy(remote_model)
    remote = RemoteOptimizer(remote_model.parameters(), url=optd.url, session="sched", optimizer="sgd",
                             learning_rate=0.1, momentum=0.5)
    local = torch.optim.SGD(local_model.parameters(), lr=0.1, momentum=0.5)
    remote_sched = torch.optim.lr_scheduler.StepLR(remote, step_size=5, gamma=0.5)
    local_sched = torch.optim.lr_scheduler.StepLR(local, step_size=5, gamma=0.5)
    for x, y in batches(12):
        train_step(remote_model, remote, x, y)
        train_step(local_model, local, x, y)
        remote_sched.step()
        local_sched.step()
        assert_within_spec(remote_model, local_model)
    assert remote.session.info()["optimizer"]["learning_rate"] == pytest.approx(0.025)


def test_session_is_created_from_the_model_and_resumed_by_a_new_trainer(optd):
    model = make_model()
    opt = RemoteOptimizer(model.parameters(), url=optd.url, session="resume", optimizer="adam", learning_rate=0.01)
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy()
    np.testing.assert_array_equal(opt.session.params(), flat)
    for x, y in batches(3):
        train_step(model, opt, x, y)

    # a restarted trainer with a freshly initialised model picks the run up where it was
    fresh = make_model(seed=5)
    again = RemoteOptimizer(fresh.parameters(), url=optd.url, session="resume", optimizer="adam", learning_rate=0.01)
    for a, b in zip(model.parameters(), fresh.parameters()):
        assert torch.equal(a, b)
    assert again.session.info()["step"] == 3

    with pytest.raises(ValueError, match="learning_rate"):
        RemoteOptimizer(make_model().parameters(), url=optd.url, session="resume", optimizer="adam", learning_rate=0.1)
    with pytest.raises(ValueError, match="optimizer"):
        RemoteOptimizer(make_model().parameters(), url=optd.url, session="resume", optimizer="sgd")
    with pytest.raises(SessionExists):
        RemoteOptimizer(make_model().parameters(), url=optd.url, session="resume", if_exists="error")

    replaced = RemoteOptimizer(fresh.parameters(), url=optd.url, session="resume", optimizer="sgd",
                               if_exists="replace")
    assert replaced.session.info()["step"] == 0
    assert replaced.session.info()["optimizer"]["name"] == "sgd"


def test_state_dict_round_trip_restores_the_run(optd, tmp_path):
    model = make_model()
    opt = RemoteOptimizer(model.parameters(), url=optd.url, session="sd", optimizer="adam", learning_rate=0.01)
    data = batches(6)
    for x, y in data[:3]:
        train_step(model, opt, x, y)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "ckpt.pt")
    for x, y in data[3:]:
        train_step(model, opt, x, y)
    expected = [p.detach().clone() for p in model.parameters()]

    saved = torch.load(tmp_path / "ckpt.pt", weights_only=False)
    model.load_state_dict(saved["model"])
    opt.load_state_dict(saved["opt"])
    assert opt.session.info()["step"] == 3
    for x, y in data[3:]:
        train_step(model, opt, x, y)
    for a, b in zip(model.parameters(), expected):
        assert torch.equal(a, b)

    # the same state dict moves the run to a new session (another server works the same way)
    other = make_model(seed=9)
    moved = RemoteOptimizer(other.parameters(), url=optd.url, session="sd-copy", optimizer="adam",
                            learning_rate=0.01)
    moved.load_state_dict(saved["opt"])
    assert moved.session.info()["step"] == 3
    for a, b in zip(other.parameters(), saved["model"].values()):
        assert torch.equal(a, b)

    with pytest.raises(ValueError, match="not a RemoteOptimizer state dict"):
        opt.load_state_dict(torch.optim.Adam(make_model().parameters()).state_dict())


def test_zero_grad_and_parameters_without_gradient(optd):
    model = make_model()
    opt = RemoteOptimizer(model.parameters(), url=optd.url, session="z", optimizer="sgd", learning_rate=0.1)
    before = [p.detach().clone() for p in model.parameters()]
    assert opt.step() is None  # no gradient anywhere: nothing is sent, as torch.optim does nothing
    assert opt.session.info()["step"] == 0
    x, y = batches(1)[0]
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    # closure form: the closure's loss is returned
    def closure():
        opt.zero_grad()
        out = torch.nn.functional.cross_entropy(model(x), y)
        out.backward()
        return out
    assert opt.step(closure).item() == pytest.approx(loss.item())
    assert opt.session.info()["step"] == 1
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_step_survives_a_lost_answer_without_applying_twice(optd, faulty_proxy):
    model = make_model()
    local_model = copy.deepcopy(model)
    with Client(optd.url) as direct:
        opt_direct = RemoteOptimizer(model.parameters(), client=direct, session="flaky", optimizer="adam",
                                     learning_rate=0.01)
        proxy = faulty_proxy(optd.url, "drop_answer", spoil=0)
        flaky = RemoteOptimizer(model.parameters(), client=Client(proxy.url, backoff=0.01), session="flaky",
                                optimizer="adam", learning_rate=0.01)
        proxy.drop_next_answer()  # the answer to the first step is lost on the way back
        local = torch.optim.Adam(local_model.parameters(), lr=0.01)
        for x, y in batches(3):
            train_step(model, flaky, x, y)
            train_step(local_model, local, x, y)
        assert proxy.connections == 2  # the first connection was cut
        assert optd.log_count("POST /v1/sessions/flaky/step 200", 4) == 4  # one step went out twice
        assert opt_direct.session.info()["step"] == 3
        assert_within_spec(model, local_model)
        flaky.close()


def test_per_group_options_are_refused(optd):
    model = make_model()
    with pytest.raises(ValueError, match="per-group"):
        RemoteOptimizer([{"params": model[0].parameters(), "lr": 0.1}, {"params": model[2].parameters()}],
                        url=optd.url, session="g")

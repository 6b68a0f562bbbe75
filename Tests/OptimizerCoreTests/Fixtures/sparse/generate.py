#!/usr/bin/env python3
"""Reference trajectories of SPARSE steps, made with the real torch.optim.

What it makes
    One JSON file per case in this folder, plus index.json listing them. Each file: name,
    optimizer (optd name), hyperparameters (SPEC §2 names, pytorch convention), framework_call,
    framework, size, steps, initial_params, and per step: indices, values (the sparse gradient
    exactly as a client sends it to optd: indices may repeat, in any order), params (after the
    step) and state (every torch state tensor after the step, by torch's name, which is also
    optd's slot name).

    Each step's gradient is torch.sparse_coo_tensor(indices, values, (size,)) left uncoalesced,
    set as p.grad of one flat float32 torch.nn.Parameter, then opt.step():
      adam    -> torch.optim.SparseAdam(lr, betas, eps, maximize)
      adagrad -> torch.optim.Adagrad(lr, lr_decay, initial_accumulator_value, eps, maximize)
                 (its sparse branch)
      sgd     -> torch.optim.SGD(lr, maximize) (momentum 0, weight_decay 0: torch's sparse path)
    Coordinates that no step touches are part of every recorded vector, so a test can check that
    they and their state never move.

How to run (from the repository root)
    /work/venv-torch/bin/python Tests/OptimizerCoreTests/Fixtures/sparse/generate.py
    (any venv with torch and numpy: pip install torch numpy)

Data
    seed = 20261204 + crc32(case name) mod 2^31; rng = numpy.random.default_rng(seed);
    size 24; initial params ~ N(0,1); each step picks 1-8 indices from the first 20 coordinates
    (coordinates 20-23 are never touched), with a repeated index in about half the steps;
    values ~ N(0,1) * grad_scale. One step in each case has no indices at all (torch counts
    the step and changes nothing else). Numbers are written with '%.9g' (exact float32).
"""

import json
import os
import platform
import zlib

import numpy as np
import torch

OUT = os.path.dirname(os.path.abspath(__file__))
SIZE = 24
TOUCHABLE = 20
STEPS = 30
BASE_SEED = 20261204

CASES = [
    dict(name="adam-defaults", optimizer="adam", hyperparameters={}),
    dict(name="adam-lr-betas-eps", optimizer="adam",
         hyperparameters={"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-6}),
    dict(name="adam-maximize-small-grads", optimizer="adam",
         hyperparameters={"learning_rate": 0.01, "maximize": True}, grad_scale=1e-4),
    # Gradients near eps: SparseAdam's epsilon (before bias correction) differs from dense Adam's.
    dict(name="adam-tiny-grads-eps", optimizer="adam",
         hyperparameters={"learning_rate": 0.1, "epsilon": 1e-6}, grad_scale=1e-6),
    dict(name="adagrad-defaults", optimizer="adagrad", hyperparameters={}),
    dict(name="adagrad-lr_decay-init-eps", optimizer="adagrad",
         hyperparameters={"learning_rate": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1,
                          "epsilon": 1e-6}),
    dict(name="adagrad-maximize-small-grads", optimizer="adagrad",
         hyperparameters={"learning_rate": 0.05, "maximize": True}, grad_scale=1e-4),
    dict(name="sgd-lr", optimizer="sgd", hyperparameters={"learning_rate": 0.1}),
    dict(name="sgd-maximize", optimizer="sgd", hyperparameters={"learning_rate": 0.01, "maximize": True}),
]


def make_optimizer(case, param):
    h = case["hyperparameters"]
    maximize = h.get("maximize", False)
    if case["optimizer"] == "adam":
        args = dict(lr=h.get("learning_rate", 0.001), betas=(h.get("beta_1", 0.9), h.get("beta_2", 0.999)),
                    eps=h.get("epsilon", 1e-8), maximize=maximize)
        return torch.optim.SparseAdam([param], **args), f"torch.optim.SparseAdam({args})"
    if case["optimizer"] == "adagrad":
        args = dict(lr=h.get("learning_rate", 0.01), lr_decay=h.get("lr_decay", 0.0),
                    initial_accumulator_value=h.get("initial_accumulator_value", 0.0),
                    eps=h.get("epsilon", 1e-10), maximize=maximize)
        return torch.optim.Adagrad([param], **args), f"torch.optim.Adagrad({args})"
    args = dict(lr=h.get("learning_rate", 0.001), maximize=maximize)
    return torch.optim.SGD([param], **args), f"torch.optim.SGD({args})"


def floats(array):
    return [float("%.9g" % x) for x in np.asarray(array, dtype=np.float32).tolist()]


def run(case):
    seed = (BASE_SEED + zlib.crc32(case["name"].encode())) % (2**31)
    rng = np.random.default_rng(seed)
    scale = case.get("grad_scale", 1.0)
    initial = rng.standard_normal(SIZE).astype(np.float32)
    param = torch.nn.Parameter(torch.from_numpy(initial.copy()))
    opt, call = make_optimizer(case, param)
    empty_step = int(rng.integers(1, STEPS))
    steps = []
    for step in range(STEPS):
        if step == empty_step:
            indices = np.zeros(0, dtype=np.int64)
        else:
            count = int(rng.integers(1, 9))
            indices = rng.integers(0, TOUCHABLE, size=count)
            if rng.random() < 0.5:
                indices = np.append(indices, indices[0])  # a repeated coordinate
        values = (rng.standard_normal(len(indices)) * scale).astype(np.float32)
        grad = torch.sparse_coo_tensor(torch.from_numpy(indices.reshape(1, -1).astype(np.int64)),
                                       torch.from_numpy(values), (SIZE,))
        param.grad = grad
        opt.step()
        state = opt.state[param]
        steps.append({
            "indices": [int(i) for i in indices],
            "values": floats(values),
            "params": floats(param.detach().numpy()),
            "state": {name: floats(t.numpy()) for name, t in sorted(state.items())
                      if torch.is_tensor(t) and t.numel() == SIZE},
        })
    return {
        "name": case["name"], "optimizer": case["optimizer"], "convention": "pytorch",
        "hyperparameters": case["hyperparameters"], "framework_call": call,
        "framework": f"torch {torch.__version__}, numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}",
        "seed": seed, "size": SIZE, "steps": STEPS, "untouched": list(range(TOUCHABLE, SIZE)),
        "initial_params": floats(initial), "trajectory": steps,
    }


def main():
    torch.set_num_threads(1)
    index = []
    for case in CASES:
        document = run(case)
        file = f"sparse-{case['name']}.json"
        with open(os.path.join(OUT, file), "w") as f:
            json.dump(document, f, indent=1)
            f.write("\n")
        index.append({"name": case["name"], "file": file})
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print(f"wrote {len(index)} cases to {OUT}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Trains a small MLP on scikit-learn's digits twice from the same seed: once with torch.optim.Adam,
once with optd_client.torch.RemoteOptimizer (Adam, pytorch convention) against a live optd, and
checks that both reach the same final loss (within 1e-4 relative).

    pip install ./clients/python torch scikit-learn matplotlib
    swift build -c release
    python examples/digits_mlp.py                 # starts .build/release/optd on a free port itself
    python examples/digits_mlp.py --url http://127.0.0.1:8080   # or uses a running server

Writes examples/digits_mlp_loss.png and examples/digits_mlp_loss.txt; exits 1 if the runs disagree.
"""
import argparse
import copy
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from optd_client.torch import RemoteOptimizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOLERANCE = 1e-4


def start_optd(binary):
    """The release binary on a free loopback port with a throwaway data dir; returns (process, url, dir)."""
    work = tempfile.mkdtemp(prefix="optd-example-")
    log_path = os.path.join(work, "optd.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", "0", "--data-dir",
                                 os.path.join(work, "data")], stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        with open(log_path, errors="replace") as f:
            match = re.search(r"^optd listening on .*:(\d+)$", f.read(), re.MULTILINE)
        if match:
            return proc, f"http://127.0.0.1:{match.group(1)}", work
        time.sleep(0.02)
    proc.kill()
    sys.exit("optd did not start:\n" + open(log_path).read())


def data():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.2, random_state=0,
                                                        stratify=digits.target)
    return (torch.from_numpy(x_train), torch.from_numpy(y_train).long(),
            torch.from_numpy(x_test), torch.from_numpy(y_test).long())


def train(model, opt, x_train, y_train, x_test, y_test, orders, batch_size):
    """One row per epoch: (mean training loss, test loss, test accuracy)."""
    rows = []
    for order in orders:
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        with torch.no_grad():
            logits = model(x_test)
            test_loss = torch.nn.functional.cross_entropy(logits, y_test).item()
            accuracy = (logits.argmax(1) == y_test).float().mean().item()
        rows.append((total / len(order), test_loss, accuracy))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running optd (default: start --optd on a free port)")
    parser.add_argument("--optd", default=os.path.join(ROOT, ".build", "release", "optd"))
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "digits_mlp_loss"))
    args = parser.parse_args()

    torch.set_num_threads(1)  # one reduction order for every matmul: the two runs differ only by optimizer
    x_train, y_train, x_test, y_test = data()
    torch.manual_seed(args.seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    twin = copy.deepcopy(model)
    shuffle = torch.Generator().manual_seed(args.seed)
    orders = [torch.randperm(len(x_train), generator=shuffle) for _ in range(args.epochs)]
    batches = args.epochs * -(-len(x_train) // args.batch_size)

    local_rows = train(twin, torch.optim.Adam(twin.parameters(), lr=args.lr),
                       x_train, y_train, x_test, y_test, orders, args.batch_size)

    proc = None
    url = args.url
    if url is None:
        proc, url, work = start_optd(args.optd)
    try:
        opt = RemoteOptimizer(model.parameters(), url=url, session=f"digits-mlp-{os.getpid()}", optimizer="adam",
                              convention="pytorch", if_exists="replace", learning_rate=args.lr)
        remote_rows = train(model, opt, x_train, y_train, x_test, y_test, orders, args.batch_size)
        steps = opt.session.info()["step"]
        opt.session.delete()
        opt.close()
    finally:
        if proc is not None:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
            shutil.rmtree(work, ignore_errors=True)

    parameters = sum(p.numel() for p in model.parameters())
    max_param_diff = max((a - b).abs().max().item() for a, b in zip(model.parameters(), twin.parameters()))
    final_local, final_remote = local_rows[-1][0], remote_rows[-1][0]
    relative = abs(final_remote - final_local) / abs(final_local)
    ok = relative <= TOLERANCE and steps == batches

    lines = [
        "# MLP 64-64-10 on scikit-learn digits (1437 train / 360 test), Adam lr "
        f"{args.lr:g}, batch {args.batch_size}, seed {args.seed}, {args.epochs} epochs, {batches} steps, "
        f"{parameters} parameters",
        f"# local: torch.optim.Adam (torch {torch.__version__}); remote: RemoteOptimizer "
        f"(adam, pytorch convention) against optd, {steps} steps acknowledged",
        f"{'epoch':>5}  {'train loss local':>16}  {'train loss optd':>16}  {'rel. diff':>9}  "
        f"{'test loss local':>15}  {'test loss optd':>15}  {'acc local':>9}  {'acc optd':>8}",
    ]
    for epoch, (l, r) in enumerate(zip(local_rows, remote_rows), start=1):
        lines.append(f"{epoch:>5}  {l[0]:>16.8f}  {r[0]:>16.8f}  {abs(r[0] - l[0]) / abs(l[0]):>9.2e}  "
                     f"{l[1]:>15.8f}  {r[1]:>15.8f}  {l[2]:>9.4f}  {r[2]:>8.4f}")
    lines.append(f"# final training loss: local {final_local:.8f}, optd {final_remote:.8f}, relative difference "
                 f"{relative:.2e} (tolerance {TOLERANCE:g}): {'PASS' if ok else 'FAIL'}")
    lines.append(f"# largest parameter difference after {batches} steps: {max_param_diff:.2e}")
    table = "\n".join(lines) + "\n"
    with open(args.out + ".txt", "w") as f:
        f.write(table)
    print(table, end="")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    epochs = np.arange(1, args.epochs + 1)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot(epochs, [r[0] for r in local_rows], "-", lw=3, alpha=0.5, label="train loss, torch.optim.Adam (local)")
    top.plot(epochs, [r[0] for r in remote_rows], "k--", lw=1, label="train loss, RemoteOptimizer via optd")
    top.plot(epochs, [r[1] for r in local_rows], "-", lw=3, alpha=0.5, label="test loss, local")
    top.plot(epochs, [r[1] for r in remote_rows], "r:", lw=1, label="test loss, optd")
    top.set_yscale("log")
    top.set_ylabel("cross-entropy (log scale)")
    top.set_title("MLP on sklearn digits: local Adam vs optd (same seed)")
    top.legend()
    diffs = [max(abs(r[0] - l[0]) / abs(l[0]), 1e-12) for l, r in zip(local_rows, remote_rows)]
    bottom.semilogy(epochs, diffs, "o-", ms=3)
    bottom.axhline(TOLERANCE, color="r", lw=1, ls="--", label=f"tolerance {TOLERANCE:g}")
    bottom.set_ylabel("rel. diff, train")
    bottom.set_xlabel("epoch")
    bottom.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(args.out + ".png", dpi=110)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

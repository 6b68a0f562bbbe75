"""Reference point for optd-bench: torch.optim.Adam on one thread, fused (the fastest CPU path)
and the default single-tensor loop, over one flat float32 parameter. Not run in CI (torch is
large); benchmarks/kernels/run runs it when `python3 -c 'import torch'` works.
Prints elements/s, median of RUNS after a warm-up."""
import statistics
import sys
import time

import torch

n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
torch.set_num_threads(1)
i = torch.arange(n)
steps = max(1, 200_000_000 // n)
for label, options in (("fused", {"fused": True}), ("default", {"foreach": False})):
    p = torch.nn.Parameter(((i % 1000) * 1e-3 - 0.5).to(torch.float32))
    p.grad = (((i * 7919) % 2001) * 1e-3 - 1.0).to(torch.float32)
    optimizer = torch.optim.Adam([p], lr=1e-3, **options)
    rates = []
    with torch.no_grad():
        for run in range(runs + 1):
            start = time.perf_counter()
            for _ in range(steps):
                optimizer.step()
            rate = n * steps / (time.perf_counter() - start)
            if run > 0:
                rates.append(rate)
    print(f"torch-adam {label:8} {torch.__version__:10} n={n:<9d} threads=1 median {statistics.median(rates)/1e9:7.3f} G elem/s  "
          f"(min {min(rates)/1e9:.3f}, max {max(rates)/1e9:.3f})  checksum {p[n // 2].item():g}")

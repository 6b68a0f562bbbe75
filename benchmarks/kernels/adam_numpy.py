"""Reference point for optd-bench: the Keras-form Adam step with in-place numpy float32 ops
(what a FastAPI+numpy server would run). Prints elements/s, median of RUNS after a warm-up."""
import statistics
import sys
import time

import numpy as np

n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
i = np.arange(n)
p = ((i % 1000) * 1e-3 - 0.5).astype(np.float32)
g = (((i * 7919) % 2001) * 1e-3 - 1.0).astype(np.float32)
m = np.zeros(n, np.float32)
v = np.zeros(n, np.float32)
tmp = np.empty(n, np.float32)
steps = max(1, 200_000_000 // n)
rates = []
for run in range(runs + 1):
    start = time.perf_counter()
    for s in range(steps):
        t = np.float32(s + 1)
        alpha = np.float32(0.001) * np.sqrt(np.float32(1) - np.float32(0.999) ** t) / (np.float32(1) - np.float32(0.9) ** t)
        np.subtract(g, m, out=tmp); tmp *= np.float32(0.1); m += tmp
        np.multiply(g, g, out=tmp); tmp -= v; tmp *= np.float32(0.001); v += tmp
        np.sqrt(v, out=tmp); tmp += np.float32(1e-7); np.divide(m, tmp, out=tmp); tmp *= alpha; p -= tmp
    rate = n * steps / (time.perf_counter() - start)
    if run > 0:
        rates.append(rate)
print(f"numpy-adam {np.__version__:8} n={n:<9d} median {statistics.median(rates)/1e9:7.3f} G elem/s  "
      f"(min {min(rates)/1e9:.3f}, max {max(rates)/1e9:.3f})  checksum {p[n // 2]:g}")

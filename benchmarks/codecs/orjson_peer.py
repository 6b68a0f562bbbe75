"""Peer for `optd-bench codecs`: orjson parsing the same JSON float array into a float32 numpy
array, and printing a float32 array (OPT_SERIALIZE_NUMPY), in MB/s of JSON text, median of RUNS
after a warm-up. Usage: python3 orjson_peer.py [n=1e6] [runs=7]"""
import statistics
import sys
import time

import numpy as np
import orjson

n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
# The same values optd-bench uses: a 64-bit LCG, top 24 bits, scaled to [-2, 2).
state, values = 12345, np.empty(n, np.float32)
mask = (1 << 64) - 1
for i in range(n):
    state = (state * 6364136223846793005 + 1442695040888963407) & mask
    values[i] = np.float32((np.float32(state >> 40) / np.float32(1 << 24) - np.float32(0.5)) * np.float32(4))
text = orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY)
parse, dump = [], []
for run in range(runs + 1):
    t0 = time.perf_counter()
    parsed = np.array(orjson.loads(text), dtype=np.float32)
    t1 = time.perf_counter()
    out = orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY)
    t2 = time.perf_counter()
    if run > 0:
        parse.append(len(text) / (t1 - t0))
        dump.append(len(out) / (t2 - t1))
assert np.array_equal(parsed, values)
print(f"orjson {orjson.__version__} parse n={n} {statistics.median(parse)/1e6:8.1f} MB/s (into float32)   "
      f"print {statistics.median(dump)/1e6:8.1f} MB/s   ({len(text)} bytes of JSON)")

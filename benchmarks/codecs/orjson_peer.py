"""Peer for `optd-bench codecs`: orjson over the same float32 values, in MB/s of JSON text, median
of RUNS timed runs after a warm-up, by wall clock and by this thread's CPU time (the latter leaves
out time the machine gave to other processes). A run repeats the operation for about 20 ms, so a
1k-float vector is not measured by the clock's overhead.

  parse:  orjson.loads of the step body {"gradient":[...]} (Python floats), and the same followed
          by np.array(..., dtype=np.float32), which is what "into a float32 array" costs in Python.
  print:  orjson.dumps of the answer's float32 values as a list of Python floats (each then
          printed as the shortest decimal of the float64 it became: longer text, e.g.
          0.10000000149011612), and of the float32 numpy array with OPT_SERIALIZE_NUMPY (shortest
          float32 decimals).

Usage: python3 orjson_peer.py GRADIENT_JSON ANSWER_JSON [runs=7]
(GRADIENT_JSON from benchmarks/codecs/run, ANSWER_JSON from optd-bench codecs --write-json)"""
import statistics
import sys
import time

import numpy as np
import orjson

gradient_path, answer_path = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
with open(gradient_path, "rb") as f:
    body = f.read()
with open(answer_path, "rb") as f:
    answer = f.read()
values = np.array(orjson.loads(answer), dtype=np.float32)
as_list = values.tolist()  # Python floats, each exactly a float32 value


def measure(label, work, size):
    repeats = max(1, 20_000_000 // size(work()))
    wall, cpu = [], []
    for run in range(runs + 1):
        w0, c0 = time.perf_counter(), time.thread_time()
        for _ in range(repeats):
            result = work()
        w1, c1 = time.perf_counter(), time.thread_time()
        if run > 0:  # run 0 is the warm-up
            wall.append(size(result) * repeats / (w1 - w0))
            cpu.append(size(result) * repeats / (c1 - c0))
    print(f"{label:<46} n={len(values):<9d} {statistics.median(wall)/1e6:8.1f} MB/s wall "
          f"{statistics.median(cpu)/1e6:8.1f} MB/s cpu  ({min(wall)/1e6:.1f}-{max(wall)/1e6:.1f})  {size(result)} bytes of JSON")
    return result


print(f"# orjson {orjson.__version__}, numpy {np.__version__}: MB/s of JSON text (median of {runs} runs after a warm-up)")
measure("orjson-loads", lambda: orjson.loads(body), lambda _: len(body))
parsed = measure("orjson-loads+np.array(float32)", lambda: np.array(orjson.loads(body)["gradient"], dtype=np.float32),
                 lambda _: len(body))
assert len(parsed) == len(values)
measure("orjson-dumps(list of floats)", lambda: orjson.dumps(as_list), len)
out = measure("orjson-dumps(float32 ndarray, OPT_SERIALIZE_NUMPY)",
              lambda: orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY), len)
assert np.array_equal(np.array(orjson.loads(out), dtype=np.float32), values)

"""The side-by-side tables of benchmarks/codecs/run, one per size, from the two tools' output
lines (label n=N WALL MB/s wall CPU MB/s cpu ...)."""
import re
import sys

figures = {}  # (label, n) -> (wall, cpu)
for path in sys.argv[1:]:
    for line in open(path):
        m = re.match(r"(\S.*?)\s+n=(\d+)\s+([\d.]+) MB/s wall\s+([\d.]+) MB/s cpu", line)
        if m:
            figures[(m.group(1), int(m.group(2)))] = (float(m.group(3)), float(m.group(4)))

for n in sorted({n for _, n in figures}):
    def cell(label):
        wall, cpu = figures[(label, n)]
        return f"{wall:.0f} / {cpu:.0f}"

    def ratio(a, b, column):
        return f"{figures[(a, n)][column] / figures[(b, n)][column]:.2f}x"

    print()
    print(f"n = {n}: MB/s of JSON text, median, wall clock / thread CPU time")
    print()
    print("| | optd | orjson | optd / orjson (wall, cpu) |")
    print("| --- | --- | --- | --- |")
    parse = "optd-parse (into float32 memory)"
    for peer, what in [("orjson-loads", "orjson.loads"),
                       ("orjson-loads+np.array(float32)", "orjson.loads + np.array(float32)")]:
        print(f"| parse, {what} | {cell(parse)} | {cell(peer)} | {ratio(parse, peer, 0)}, {ratio(parse, peer, 1)} |")
    dumps = "optd-parse json.dumps (into float32)"
    if (dumps, n) in figures:
        for peer, what in [("orjson-loads json.dumps", "orjson.loads"),
                           ("orjson-loads+np.array json.dumps", "orjson.loads + np.array(float32)")]:
            print(f"| parse json.dumps text, {what} | {cell(dumps)} | {cell(peer)} | "
                  f"{ratio(dumps, peer, 0)}, {ratio(dumps, peer, 1)} |")
    out = "optd-print (Float32Printer)"
    for peer, what in [("orjson-dumps(list of floats)", "orjson.dumps(list of float)"),
                       ("orjson-dumps(float32 ndarray, OPT_SERIALIZE_NUMPY)", "orjson.dumps(float32 ndarray)")]:
        print(f"| print, {what} | {cell(out)} | {cell(peer)} | {ratio(out, peer, 0)}, {ratio(out, peer, 1)} |")
    old = "optd-print (Float.description, before)"
    print(f"| print, optd before (Float.description) | {cell(old)} | | |")

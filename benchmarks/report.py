"""Reads the wrk outputs benchmarks/run left in WORK and prints the table and the target ratios."""
import re, statistics, sys
from pathlib import Path

work, runs = Path(sys.argv[1]), int(sys.argv[2])


def ms(text):
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    raise ValueError(text)


def load(case, server, conns):
    rps, p50, p99, cpu, errors = [], [], [], [], 0
    body = 0
    for i in range(1, runs + 1):
        f = work / f"result-{case}-{server}-c{conns}-{i}.txt"
        if not f.exists():
            return None
        text = f.read_text()
        rps.append(float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)))
        p50.append(ms(re.search(r"\s50%\s+(\S+)", text).group(1)))
        p99.append(ms(re.search(r"\s99%\s+(\S+)", text).group(1)))
        requests = int(re.search(r"(\d+) requests in", text).group(1))
        ticks, hz = map(int, re.search(r"cpu_ticks (\d+) (\d+)", text).groups())
        cpu.append(ticks / hz * 1e6 / max(requests, 1))
        body = int(re.search(r"body_bytes (\d+)", text).group(1))
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        errors += int(m.group(1)) if m else 0
        m = re.search(r"Socket errors: (.*)", text)
        if m:
            errors += sum(int(x) for x in re.findall(r"\d+", m.group(1)))
    r = statistics.median(rps)
    return dict(rps=r, mbs=r * body / 1e6, p50=statistics.median(p50), p99=statistics.median(p99),
                cpu=statistics.median(cpu), all=rps, errors=errors)


cases = [("get4k", "nginx", "GET 4 KB"), ("post4k", "nginx", "POST 4 KB echo"), ("post4m", "nginx", "POST 4 MB echo"),
         ("echo1k-json", "http1", "POST 1k JSON echo"),
         ("step1k-raw", "optd", "step 1k raw"), ("step1k-raw", "fastapi", "step 1k raw"),
         ("step1k-json", "optd", "step 1k JSON"), ("step1k-json", "fastapi", "step 1k JSON"),
         ("step1m-raw", "optd", "step 1M raw"), ("step1m-raw", "fastapi", "step 1M raw"),
         ("step1m-json", "optd", "step 1M JSON"), ("step1m-json", "fastapi", "step 1M JSON")]
results = {}
print("| connections | case | server | req/s | MB/s | p50 ms | p99 ms | CPU us/req | runs (req/s) | errors |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
for conns in (16, 1):
    for case, server, label in cases:
        r = load(case, server, conns)
        if r is None:
            continue
        results[case, server, conns] = r
        print(f"| {conns} | {label} | {server} | {r['rps']:,.0f} | {r['mbs']:,.1f} | {r['p50']:.3f} | {r['p99']:.3f} | "
              f"{r['cpu']:,.0f} | {', '.join(f'{x:,.0f}' for x in r['all'])} | {r['errors']} |")

# "by CPU": the same ratio from each server's own CPU time per request (from /proc/PID/stat),
# which moves much less than req/s when other work shares the machine.
print()
print("| target (issue 6) | connections | ratio | by CPU | goal | met |")
print("| --- | --- | ---: | ---: | ---: | --- |")
targets = [("1k raw step req/s / nginx POST 4 KB req/s", ("step1k-raw", "optd"), ("post4k", "nginx"), "rps", 0.5),
           ("1k JSON step req/s / FastAPI 1k JSON step req/s", ("step1k-json", "optd"), ("step1k-json", "fastapi"), "rps", 4.0),
           ("1M raw step MB/s / nginx POST 4 MB MB/s", ("step1m-raw", "optd"), ("post4m", "nginx"), "mbs", 0.8)]
for label, ours, theirs, key, goal in targets:
    for conns in (16, 1):
        a, b = results.get((*ours, conns)), results.get((*theirs, conns))
        if a and b:
            ratio = a[key] / b[key]
            # Bytes per request are the same on both sides except for MB/s targets, where they
            # are 4,000,000 each, so the CPU-time ratio is theirs over ours in both cases.
            by_cpu = b["cpu"] / a["cpu"]
            print(f"| {label} | {conns} | {ratio:.2f}x | {by_cpu:.2f}x | {goal}x | {'yes' if ratio >= goal else 'NO'} |")

# The floor of a 1k JSON step: optd's HTTP layer echoing the same bodies (no parse, step or
# print), beside what 4x FastAPI would need.
for conns in (16, 1):
    echo, peer, ours = (results.get(("echo1k-json", "http1", conns)), results.get(("step1k-json", "fastapi", conns)),
                        results.get(("step1k-json", "optd", conns)))
    if echo and peer and ours:
        need = 4 * peer["rps"]
        print(f"1k JSON, {conns} connection{'s' if conns > 1 else ''}: 4x FastAPI is {need:,.0f} req/s ({1e6 / need:.0f} us a request); "
              f"HTTP1 echoing the same bodies {echo['rps']:,.0f} ({1e6 / echo['rps']:.0f} us); optd's step {ours['rps']:,.0f} "
              f"({1e6 / ours['rps']:.0f} us): parse, step and print may take {1e6 / need - 1e6 / echo['rps']:.0f} us, they take "
              f"{1e6 / ours['rps'] - 1e6 / echo['rps']:.0f}")

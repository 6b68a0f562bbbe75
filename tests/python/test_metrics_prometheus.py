"""/metrics from a live optd, read by the Prometheus client library's own text parser."""
import http.client
import json

from prometheus_client.parser import text_string_to_metric_families


class Client:
    """One keep-alive connection for every request and scrape: a request is counted once its
    answer is sent, and a scrape on the same connection is served only after that."""

    def __init__(self, base):
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=10)

    def request(self, path, method="GET", body=None, headers=None):
        self.connection.request(method, path, body=body, headers=headers or {})
        answer = self.connection.getresponse()
        return answer.status, answer.headers, answer.read()

    def scrape(self):
        status, headers, body = self.request("/metrics")
        assert status == 200
        assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        return {f.name: f for f in text_string_to_metric_families(body.decode("utf-8"))}


def value(families, family, sample, **labels):
    """The sample's value; 0 when the labelled series does not exist yet."""
    for s in families[family].samples:
        if s.name == sample and s.labels == labels:
            return s.value
    return 0.0


def test_metrics_parse_and_counters_move(optd):
    base, _ = optd
    client = Client(base)
    before = client.scrape()
    json_headers = {"Content-Type": "application/json"}
    create = json.dumps({"id": "py", "optimizer": "adam", "size": 3}).encode()
    assert client.request("/v1/sessions", "POST", create, json_headers)[0] == 201
    for _ in range(4):
        assert client.request("/v1/sessions/py/step", "POST", b"[0.5, 1, -2]", json_headers)[0] == 200
    assert client.request("/v1/sessions/py/snapshot", "POST")[0] == 200
    assert client.request("/v1/sessions/does-not-exist-31337")[0] == 404
    after = client.scrape()

    # Every family the README documents, with the right type (the parser drops `_total` from
    # counter family names).
    expected = {
        "optd_http_requests": "counter",
        "optd_http_request_duration_seconds": "histogram",
        "optd_http_request_body_bytes": "counter",
        "optd_http_response_body_bytes": "counter",
        "optd_sessions": "gauge",
        "optd_sessions_created": "counter",
        "optd_steps": "counter",
        "optd_step_duration_seconds": "histogram",
        "optd_snapshot_duration_seconds": "histogram",
        "optd_snapshot_failures": "counter",
        "optd_quarantined_files": "counter",
        "process_resident_memory_bytes": "gauge",
        "process_open_fds": "gauge",
    }
    for name, kind in expected.items():
        assert name in after, name
        assert after[name].type == kind, (name, after[name].type)

    def delta(family, sample, **labels):
        return value(after, family, sample, **labels) - value(before, family, sample, **labels)

    step = {"method": "POST", "route": "/v1/sessions/{id}/step"}
    assert delta("optd_http_requests", "optd_http_requests_total", status="200", **step) == 4
    assert delta("optd_http_requests", "optd_http_requests_total",
                 method="GET", route="/v1/sessions/{id}", status="404") == 1
    assert delta("optd_steps", "optd_steps_total") == 4
    assert delta("optd_step_duration_seconds", "optd_step_duration_seconds_count") == 4
    assert delta("optd_snapshot_duration_seconds", "optd_snapshot_duration_seconds_count") == 1
    assert delta("optd_http_request_body_bytes", "optd_http_request_body_bytes_total") == len(create) + 4 * len(b"[0.5, 1, -2]")
    assert value(after, "optd_sessions", "optd_sessions") == 1
    assert value(after, "process_resident_memory_bytes", "process_resident_memory_bytes") > 1e6
    assert value(after, "process_open_fds", "process_open_fds") >= 3

    # Histograms: cumulative buckets ending at +Inf == _count.
    for family in after.values():
        if family.type != "histogram":
            continue
        series = {}
        for s in family.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": [], "count": None})
            if s.name.endswith("_bucket"):
                series[key]["buckets"].append((float(s.labels["le"]), s.value))
            elif s.name.endswith("_count"):
                series[key]["count"] = s.value
        for key, data in series.items():
            bounds = [b for b, _ in data["buckets"]]
            counts = [c for _, c in data["buckets"]]
            assert bounds == sorted(bounds) and bounds[-1] == float("inf"), (family.name, key)
            assert counts == sorted(counts), (family.name, key)
            assert counts[-1] == data["count"], (family.name, key)

    # No raw path or session id in any label.
    for family in after.values():
        for s in family.samples:
            assert not any("31337" in v or "/py/" in v for v in s.labels.values()), s

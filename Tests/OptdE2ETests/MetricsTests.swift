import Foundation
import Testing

/// `/metrics` as Prometheus scrapes it: the exposition format, and counters that move by exactly
/// what the requests between two scrapes did. Labels name route patterns, never raw paths.
///
/// A request is counted once its answer has been sent, so a scrape on another connection may
/// come a moment too early; on the same connection it is served after the previous request was
/// counted. Every test scrapes on the connection its requests used.
@Suite(.serialized) struct MetricsTests {
    static func scrape(_ c: HTTPTestClient) throws -> Exposition {
        let r = try c.request("GET", "/metrics")
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        return try Exposition(r.text)
    }

    @Test func countersMoveWithRequests() throws {
        let optd = try OptdProcess(arguments: ["--snapshot-interval", "0"])
        defer { #expect(optd.stop() == 0) }
        let c = try optd.client()
        let before = try Self.scrape(c)
        #expect(before.histogramProblems().isEmpty, "\(before.histogramProblems())")

        var bodyBytes = 0
        func json(_ method: String, _ path: String, _ body: String, headers: [(String, String)] = []) throws -> Int {
            bodyBytes += body.utf8.count
            return try c.json(method, path, body, headers: headers).status
        }
        #expect(try json("POST", "/v1/sessions", #"{"id":"m","optimizer":"adam","size":4}"#) == 201)
        for _ in 0..<5 { #expect(try json("POST", "/v1/sessions/m/step", "[1,2,3,4]") == 200) }
        for _ in 0..<2 { #expect(try json("POST", "/v1/sessions/m/step", "[1,1,1,1]", headers: [("Idempotency-Key", "k1")]) == 200) }
        #expect(try json("POST", "/v1/sessions/m/step", "[1,2]") == 422)
        #expect(try c.request("GET", "/v1/sessions/no-such-session-4711").status == 404)
        #expect(try c.request("GET", "/nowhere-4712").status == 404)
        #expect(try c.request("POST", "/v1/sessions/m/snapshot").status == 200)
        let after = try Self.scrape(c)

        func delta(_ name: String, _ labels: [String: String] = [:]) -> Double { after.value(name, labels) - before.value(name, labels) }
        let step = ["method": "POST", "route": "/v1/sessions/{id}/step"]
        #expect(delta("optd_http_requests_total", step.merging(["status": "200"]) { $1 }) == 7)
        #expect(delta("optd_http_requests_total", step.merging(["status": "422"]) { $1 }) == 1)
        #expect(delta("optd_http_request_duration_seconds_count", step) == 8)
        #expect(delta("optd_http_request_duration_seconds_sum", step) > 0)
        #expect(delta("optd_http_requests_total", ["method": "GET", "route": "/v1/sessions/{id}", "status": "404"]) == 1)
        #expect(delta("optd_http_requests_total", ["method": "GET", "route": "unmatched", "status": "404"]) == 1)
        #expect(delta("optd_http_requests_total", ["method": "GET", "route": "/metrics", "status": "200"]) == 1, "the first scrape")
        #expect(delta("optd_steps_total") == 6, "5 steps and one idempotent step; its replay applied nothing")
        #expect(delta("optd_step_duration_seconds_count") == 6)
        #expect(delta("optd_step_duration_seconds_sum") > 0)
        #expect(delta("optd_sessions_created_total") == 1)
        #expect(after.value("optd_sessions") == 1)
        #expect(delta("optd_snapshot_duration_seconds_count") == 1)
        #expect(delta("optd_snapshot_failures_total") == 0)
        #expect(delta("optd_http_request_body_bytes_total") == Double(bodyBytes), "every body byte read, no more")
        #expect(delta("optd_http_response_body_bytes_total") > 0)
        #expect(after.histogramProblems().isEmpty, "\(after.histogramProblems())")

        // Bounded labels: no raw path, session id or unknown method becomes a label value.
        let values = after.samples.flatMap(\.labels.values)
        #expect(!values.contains { $0.contains("4711") || $0.contains("4712") || $0.contains("/m/") })
        #expect(Set(after.samples.compactMap { $0.labels["route"] }).isSubset(of: Set(try RouteTable.load().map(\.template) + ["unmatched"])))

        #expect(after.types["optd_http_requests_total"] == "counter")
        #expect(after.types["optd_http_request_duration_seconds"] == "histogram")
        #expect(after.types["optd_sessions"] == "gauge")
        #expect(after.value("process_resident_memory_bytes") > 1_000_000)
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(optd.process.processIdentifier)/fd").count
        #expect(abs(after.value("process_open_fds") - Double(fds)) <= 4, "/proc says \(fds)")
        #expect(after.value("process_max_fds") >= after.value("process_open_fds"))
        #expect(after.value("process_start_time_seconds") > Date().timeIntervalSince1970 - 600)
    }

    @Test func unknownMethodsShareOneLabel() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let c = try optd.client()
        #expect(try c.request("BREW", "/v1/sessions").status == 405)
        #expect(try c.request("FROB", "/v1/sessions").status == 405)
        let page = try Self.scrape(c)
        #expect(page.value("optd_http_requests_total", ["method": "other", "route": "/v1/sessions", "status": "405"]) == 2)
        #expect(!page.samples.contains { $0.labels["method"] == "BREW" })
    }

    @Test func failedSnapshotsAreCounted() throws {
        let optd = try OptdProcess(arguments: ["--snapshot-interval", "0"])
        defer { optd.stop() }
        let c = try optd.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"f","optimizer":"sgd","size":2}"#).status == 201)
        // A file where the sessions directory was: even root cannot write a snapshot into it.
        let sessions = optd.dataDirectory.appendingPathComponent("sessions")
        try FileManager.default.removeItem(at: sessions)
        try Data("not a directory".utf8).write(to: sessions)
        let r = try c.request("POST", "/v1/sessions/f/snapshot")
        #expect(r.status == 507 && r.code == "storage_failed", "\(r.text)")
        let page = try Self.scrape(c)
        #expect(page.value("optd_snapshot_failures_total") == 1)
        #expect(page.value("optd_snapshot_duration_seconds_count") == 0, "only written snapshots are timed")
    }
}

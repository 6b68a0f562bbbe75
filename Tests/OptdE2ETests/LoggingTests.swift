import Foundation
import Testing

/// One log line per request on stderr, as text or JSON (SPEC §6); secrets never logged.
@Suite(.serialized) struct LoggingTests {
    @Test func textModeLogsOneLinePerRequest() throws {
        let optd = try OptdProcess()
        let c = try optd.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"l","optimizer":"sgd","size":2}"#).status == 201)
        #expect(try c.json("POST", "/v1/sessions/l/step", "[1,1]", headers: [("X-Request-Id", "trace-42")]).status == 200)
        #expect(try c.request("GET", "/v1/sessions/nope").status == 404)
        #expect(optd.stop() == 0)
        let lines = optd.stderr.split(separator: "\n").filter { $0.contains(" in=") }
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.contains { $0.contains("POST /v1/sessions 201") })
        #expect(lines.contains { $0.contains("POST /v1/sessions/l/step 200") && $0.contains("id=trace-42") })
        #expect(lines.contains { $0.contains("GET /v1/sessions/nope 404") })
    }

    @Test func jsonModeWritesOneObjectPerLineAndNoSecrets() throws {
        let token = "s3cret-token-value"
        let optd = try OptdProcess(arguments: ["--log-format", "json", "--auth-token", token])
        let c = try optd.client()
        let auth = [("Authorization", "Bearer \(token)")]
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"j","optimizer":"sgd","params":[123456.75,2]}"#, headers: auth).status == 201)
        #expect(try c.json("POST", "/v1/sessions/j/step", "[1,1]").status == 401, "no token")
        #expect(try c.request("GET", "/healthz").status == 200, "healthz is open")
        #expect(optd.stop() == 0)
        var requests = 0
        for line in optd.stderr.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            #expect(object["msg"] != nil && object["level"] != nil)
            if object["msg"] as? String == "request" {
                requests += 1
                for key in ["method", "path", "status", "bytes_in", "bytes_out", "duration_ms", "request_id"] {
                    #expect(object[key] != nil, "\(key) in \(line)")
                }
            }
            if object["msg"] as? String == "listening" { #expect(object["port"] as? Int == optd.port) }
        }
        #expect(requests == 3)
        #expect(!optd.stderr.contains(token), "the token is never logged")
        #expect(!optd.stderr.contains("123456.75"), "bodies are never logged")
    }

    /// Access lines are written in batches, but reach stderr while the server runs, within
    /// the batching delay (100 ms), not only at shutdown.
    @Test func accessLinesArriveWhileServing() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let c = try optd.client()
        #expect(try c.request("GET", "/v1/optimizers", headers: [("X-Request-Id", "while-serving")]).status == 200)
        let deadline = Date().addingTimeInterval(2)
        while !optd.stderr.contains("id=while-serving"), Date() < deadline { usleep(5_000) }
        #expect(optd.stderr.contains("GET /v1/optimizers 200"), "\(optd.stderr)")
    }

    @Test func jsonRequestLinesCarryRouteStatusDurationBytesAndRequestID() throws {
        let optd = try OptdProcess(arguments: ["--log-format", "json"])
        let c = try optd.client()
        let create = #"{"id":"r","optimizer":"sgd","size":2}"#
        #expect(try c.json("POST", "/v1/sessions", create).status == 201)
        #expect(try c.json("POST", "/v1/sessions/r/step", "[1,1]", headers: [("X-Request-Id", "trace-7")]).status == 200)
        #expect(try c.request("GET", "/v1/missing/r").status == 404)
        #expect(try c.request("HEAD", "/v1/sessions/r").status == 200)
        #expect(optd.stop() == 0)
        var records: [[String: Any]] = []
        for line in optd.stderr.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            if object["msg"] as? String == "request" { records.append(object) }
        }
        #expect(records.count == 4)
        let step = try #require(records.first { $0["path"] as? String == "/v1/sessions/r/step" })
        #expect(step["method"] as? String == "POST" && step["route"] as? String == "/v1/sessions/{id}/step")
        #expect(step["status"] as? Int == 200 && step["bytes_in"] as? Int == 5)
        #expect((step["bytes_out"] as? Int ?? 0) > 0 && (step["duration_ms"] as? Double ?? -1) >= 0)
        #expect(step["request_id"] as? String == "trace-7")
        #expect(Timestamp(step["time"] as? String) != nil)
        let created = try #require(records.first { $0["path"] as? String == "/v1/sessions" })
        #expect(created["status"] as? Int == 201 && created["bytes_in"] as? Int == create.utf8.count && created["route"] as? String == "/v1/sessions")
        let missing = try #require(records.first { $0["status"] as? Int == 404 })
        #expect(missing["route"] is NSNull, "no route matched")
        let head = try #require(records.first { $0["method"] as? String == "HEAD" })
        #expect(head["route"] as? String == "/v1/sessions/{id}" && head["bytes_out"] as? Int == 0)
        let ids = records.compactMap { $0["request_id"] as? String }
        #expect(Set(ids).count == 4, "each request has its own id: \(ids)")
    }
}

/// An RFC 3339 time as the logs write it.
private struct Timestamp {
    init?(_ text: String?) {
        guard let text, ISO8601DateFormatter.withFractionalSeconds.date(from: text) != nil else { return nil }
    }
}

private extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }
}

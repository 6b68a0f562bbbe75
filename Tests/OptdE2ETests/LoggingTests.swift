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
}

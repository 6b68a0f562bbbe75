import Foundation
import Testing

/// The routes a proxy in front of several servers relies on (README "Scaling out"): creation at
/// a client-chosen URI, and the fenced DELETE of a move.
@Suite(.serialized) struct ScaleOutAPITests {
    @Test func putCreatesAtThePathAndNeverReplaces() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        let created = try client.json("PUT", "/v1/sessions/run-1", #"{"optimizer":"adam","params":[1,2]}"#)
        #expect(created.status == 201 && created.header("Location") == "/v1/sessions/run-1")
        #expect((created.json as? [String: Any])?["id"] as? String == "run-1")
        let again = try client.json("PUT", "/v1/sessions/run-1", #"{"optimizer":"sgd","size":5}"#)
        #expect(again.status == 409 && again.code == "session_exists")
        let mismatch = try client.json("PUT", "/v1/sessions/run-2", #"{"id":"other","optimizer":"sgd","size":2}"#)
        #expect(mismatch.status == 400 && mismatch.code == "invalid_session_id")
        let badPath = try client.json("PUT", "/v1/sessions/.hidden", #"{"optimizer":"sgd","size":2}"#)
        #expect(badPath.status == 400 && badPath.code == "invalid_session_id")
        let session = try client.request("GET", "/v1/sessions/run-1").json as? [String: Any]
        #expect((session?["optimizer"] as? [String: Any])?["name"] as? String == "adam" && session?["size"] as? Int == 2)
        #expect(try client.request("GET", "/v1/sessions/run-2").status == 404)
    }

    @Test func deleteIsFencedByIfMatchAndCanAnswerTheFinalCheckpoint() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        #expect(try client.json("PUT", "/v1/sessions/m", #"{"optimizer":{"name":"sgd","learning_rate":1},"size":2}"#).status == 201)
        #expect(try client.json("POST", "/v1/sessions/m/step", "[1,2]", headers: [("Idempotency-Key", "k1")]).status == 200)
        let stale = try client.request("DELETE", "/v1/sessions/m", headers: [("If-Match", "\"0\"")])
        #expect(stale.status == 412 && stale.code == "precondition_failed" && stale.header("ETag") == "\"1\"")
        #expect(try client.request("GET", "/v1/sessions/m").status == 200, "a refused DELETE deletes nothing")
        let final = try client.request("DELETE", "/v1/sessions/m", headers: [("If-Match", "\"1\""), ("Accept", "application/octet-stream")])
        #expect(final.status == 200 && final.header("ETag") == "\"1\"" && final.header("Content-Type") == "application/octet-stream")
        #expect(try client.request("GET", "/v1/sessions/m").status == 404)
        // The final checkpoint recreates it elsewhere (here: the same server) with its keys.
        let restored = try client.request("PUT", "/v1/sessions/m/checkpoint", headers: [("Content-Type", "application/octet-stream")], body: final.body)
        #expect(restored.status == 201)
        let retry = try client.json("POST", "/v1/sessions/m/step", "[1,2]", headers: [("Idempotency-Key", "k1")])
        #expect(retry.status == 200 && paramsOf(jsonAnswer: retry.text) == [-1, -2] && retry.header("ETag") == "\"1\"",
                "the key came along: the retry applies nothing")
        #expect(try client.request("DELETE", "/v1/sessions/m", headers: [("Accept", "*/*")]).status == 204)
    }
}

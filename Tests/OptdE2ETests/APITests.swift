import Foundation
import Testing

/// The API as a client sees it: negotiation, conditional and minimal answers, the session life
/// cycle, the catalogue, EMA, and `Expect: 100-continue` from a real curl.
@Suite(.serialized) struct APITests {
    @Test func sessionLifeCycle() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let c = try optd.client()
        let created = try c.json("POST", "/v1/sessions", #"{"optimizer":{"name":"adam","learning_rate":0.01},"params":[0.5,-1.25,3]}"#)
        #expect(created.status == 201)
        let doc = try #require(created.json as? [String: Any])
        let id = try #require(doc["id"] as? String)
        #expect(created.header("Location") == "/v1/sessions/\(id)")
        #expect(doc["convention"] as? String == "keras" && doc["size"] as? Int == 3 && doc["step"] as? Int == 0)
        let optimizer = try #require(doc["optimizer"] as? [String: Any])
        #expect(optimizer["name"] as? String == "adam" && optimizer["learning_rate"] as? Double == 0.01)
        #expect(optimizer["epsilon"] as? Double == 1e-7, "every hyperparameter, resolved")
        #expect((doc["created"] as? String)?.hasSuffix("Z") == true)

        let list = try #require(try c.request("GET", "/v1/sessions").json as? [String: Any])
        #expect((list["sessions"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])

        let patched = try c.json("PATCH", "/v1/sessions/\(id)", #"{"optimizer":{"learning_rate":0.0005}}"#)
        #expect(patched.status == 200)
        #expect(((patched.json as? [String: Any])?["optimizer"] as? [String: Any])?["learning_rate"] as? Double == 0.0005)

        #expect(try c.request("DELETE", "/v1/sessions/\(id)").status == 204)
        #expect(try c.request("GET", "/v1/sessions/\(id)").code == "session_not_found")
        #expect(try c.request("DELETE", "/v1/sessions/\(id)").status == 404)
    }

    @Test func answersFollowAcceptThenTheRequest() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let c = try optd.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"n","optimizer":"sgd","size":2}"#).status == 201)
        let cases: [(json: Bool, accept: String?, expected: String)] = [
            (true, nil, "application/json"), (false, nil, "application/octet-stream"),
            (true, "*/*", "application/json"), (false, "*/*", "application/octet-stream"),
            (true, "application/octet-stream", "application/octet-stream"), (false, "application/json", "application/json"),
            (false, "application/json;q=0.5, application/octet-stream;q=0.9", "application/octet-stream"),
            (true, "application/*", "application/json"), (false, "text/html, application/json", "application/json"),
        ]
        for item in cases {
            let headers = item.accept.map { [("Accept", $0)] } ?? []
            let r = item.json ? try c.json("POST", "/v1/sessions/n/step", "[1,1]", headers: headers)
                              : try c.raw("POST", "/v1/sessions/n/step", [1, 1], headers: headers)
            #expect(r.header("Content-Type") == item.expected, "json body: \(item.json), Accept: \(item.accept ?? "none")")
        }
        #expect(try c.request("GET", "/v1/sessions/n/params").header("Content-Type") == "application/json", "no body, no Accept: JSON")
        let wrapped = try c.json("POST", "/v1/sessions/n/step", #"{"gradient":[1,1]}"#)
        #expect(wrapped.status == 200, "a step may send {\"gradient\": [...]}")
    }

    @Test func minimalAnswersHeadAndPutParams() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let c = try optd.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"m","optimizer":"sgd","size":2}"#).status == 201)
        let minimal = try c.json("POST", "/v1/sessions/m/step", "[1,1]", headers: [("Prefer", "return=minimal")])
        #expect(minimal.status == 204 && minimal.body.isEmpty && minimal.header("ETag") == "\"1\"")
        #expect(minimal.header("Content-Length") == nil, "a 204 carries no Content-Length")
        let get = try c.request("GET", "/v1/sessions/m/params")
        let head = try c.request("HEAD", "/v1/sessions/m/params")
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.header("Content-Length") == get.header("Content-Length") && head.header("ETag") == get.header("ETag"))
        let put = try c.raw("PUT", "/v1/sessions/m/params", [5, -6])
        #expect(put.status == 200 && put.floats == [5, -6] && put.header("ETag") == "\"1\"")
        let putJSON = try c.json("PUT", "/v1/sessions/m/params", "[7,8]", headers: [("If-Match", "\"1\"")])
        #expect(putJSON.status == 200 && paramsOf(jsonAnswer: putJSON.text) == [7, 8])
    }

    @Test func emaAverageOnRequest() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let c = try optd.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"e","optimizer":{"name":"sgd","learning_rate":1.0,"use_ema":true,"ema_momentum":0.5},"params":[1,2]}"#).status == 201)
        #expect(paramsOf(jsonAnswer: try c.request("GET", "/v1/sessions/e/params?ema=true").text) == [1, 2], "before the first update: the params")
        _ = try c.json("POST", "/v1/sessions/e/step", "[1,1]")
        _ = try c.json("POST", "/v1/sessions/e/step", "[1,1]")
        #expect(paramsOf(jsonAnswer: try c.request("GET", "/v1/sessions/e/params?ema=true").text) == [-0.5, 0.5])
        #expect(paramsOf(jsonAnswer: try c.request("GET", "/v1/sessions/e/params").text) == [-1, 0])
    }

    @Test func catalogueListsEveryOptimizerWithDefaultsPerConvention() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let doc = try #require(try optd.client().request("GET", "/v1/optimizers").json as? [String: Any])
        let optimizers = try #require(doc["optimizers"] as? [[String: Any]])
        #expect(optimizers.map { $0["name"] as? String } == ["sgd", "adagrad", "rmsprop", "adam", "adamw"])
        let adam = try #require(optimizers.first { $0["name"] as? String == "adam" })
        let hyper = try #require(adam["hyperparameters"] as? [[String: Any]])
        let epsilon = try #require(hyper.first { $0["name"] as? String == "epsilon" })
        #expect((epsilon["defaults"] as? [String: Double]) == ["keras": 1e-7, "pytorch": 1e-8])
        let clipnorm = try #require(hyper.first { $0["name"] as? String == "clipnorm" })
        #expect((clipnorm["defaults"] as? [String: Any])?.keys.sorted() == ["keras"], "pytorch lacks clipnorm: no key")
    }

    /// curl sends `Expect: 100-continue` for uploads; optd answers 100 (no 1 s stall) or, for a
    /// wrong length, the final 422 without reading the body.
    @Test func curlUploadsDoNotStall() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else { return }
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        #expect(try optd.client().json("POST", "/v1/sessions", #"{"id":"big","optimizer":"sgd","size":300000}"#).status == 201)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("grad-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(repeating: 0, count: 300_000 * 4).write(to: file)
        func curl(_ path: String) throws -> (code: String, time: Double, uploaded: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            p.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_upload}", "-X", "POST",
                           "-H", "Content-Type: application/octet-stream", "-T", file.path, "http://127.0.0.1:\(optd.port)\(path)"]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            p.waitUntilExit()
            let fields = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")
            return (String(fields[0]), Double(fields[1]) ?? 99, String(fields[2]))
        }
        let ok = try curl("/v1/sessions/big/step")
        #expect(ok.code == "200" && ok.time < 0.9, "\(ok)")
        #expect(try optd.client().json("POST", "/v1/sessions", #"{"id":"small","optimizer":"sgd","size":3}"#).status == 201)
        let refused = try curl("/v1/sessions/small/step")
        #expect(refused.code == "422" && refused.time < 0.9, "\(refused)")
        #expect(refused.uploaded == "0", "the body was never sent")
    }

    /// A SIGTERM sent the moment the listening line appears is not lost (it once was).
    @Test func sigtermRightAfterTheListeningLineStopsTheServer() throws {
        for _ in 0..<20 {
            let optd = try OptdProcess()
            #expect(optd.stop() == 0)
        }
    }

    @Test func sigtermExitsZero() throws {
        let optd = try OptdProcess()
        #expect(try optd.client().request("GET", "/readyz").status == 200)
        #expect(optd.stop() == 0)
    }
}

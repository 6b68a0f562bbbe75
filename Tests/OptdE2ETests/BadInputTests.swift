import Foundation
import Testing

/// One hostile or mistaken request, sent raw, and the answer SPEC §3/§4/§7 promises.
struct BadInput: CustomTestStringConvertible, Sendable {
    let name: String
    let request: [UInt8]
    let status: Int
    let code: String
    var testDescription: String { name }

    init(_ name: String, _ status: Int, _ code: String, _ request: String) {
        self.init(name, status, code, bytes: Array(request.utf8))
    }

    init(_ name: String, _ status: Int, _ code: String, bytes: [UInt8]) {
        self.name = name
        self.request = bytes
        self.status = status
        self.code = code
    }

    /// A request with a Content-Length body.
    static func body(_ name: String, _ status: Int, _ code: String, _ method: String, _ path: String,
                     contentType: String?, _ body: [UInt8], extra: String = "") -> BadInput {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: x\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        head += extra + "Content-Length: \(body.count)\r\n\r\n"
        return BadInput(name, status, code, bytes: Array(head.utf8) + body)
    }

    static func json(_ name: String, _ status: Int, _ code: String, _ method: String, _ path: String, _ text: String,
                     extra: String = "") -> BadInput {
        body(name, status, code, method, path, contentType: "application/json", Array(text.utf8), extra: extra)
    }

    static func raw(_ name: String, _ status: Int, _ code: String, _ path: String, _ bytes: [UInt8]) -> BadInput {
        body(name, status, code, "POST", path, contentType: "application/octet-stream", bytes)
    }
}

func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

let step = "/v1/sessions/victim/step"
let create = "/v1/sessions"
let long129 = String(repeating: "a", count: 129)

let badInputs: [BadInput] = [
    // Vectors in JSON
    .json("malformed JSON", 400, "invalid_json", "POST", step, "[1, 2"),
    .json("trailing bytes after the array", 400, "invalid_json", "POST", step, "[1,2,3,4]x"),
    .json("two documents", 400, "invalid_json", "POST", step, "[1,2,3,4][1]"),
    .json("trailing comma", 400, "invalid_json", "POST", step, "[1,2,3,4,]"),
    .json("leading zero", 400, "invalid_json", "POST", step, "[01,2,3,4]"),
    .json("string element", 400, "invalid_json", "POST", step, #"[1,"2",3,4]"#),
    .json("NaN literal", 422, "non_finite", "POST", step, "[1,NaN,3,4]"),
    .json("Infinity literal", 422, "non_finite", "POST", step, "[Infinity,1,2,3]"),
    .json("-Infinity literal", 422, "non_finite", "POST", step, "[1,2,3,-Infinity]"),
    .json("1e39 overflows float32", 422, "non_finite", "POST", step, "[1,2,1e39,4]"),
    .json("-1e39 overflows float32", 422, "non_finite", "POST", step, "[-1e39,2,3,4]"),
    .json("too few values", 422, "length_mismatch", "POST", step, "[1,2,3]"),
    .json("too many values", 422, "length_mismatch", "POST", step, "[1,2,3,4,5]"),
    .json("empty array", 422, "length_mismatch", "POST", step, "[]"),
    .json("object with an unknown key", 400, "invalid_json", "POST", step, #"{"grad":[1,2,3,4]}"#),
    .json("gradient not an array", 400, "invalid_json", "POST", step, #"{"gradient":"1,2,3,4"}"#),
    .json("a bare string", 400, "invalid_json", "POST", step, #""hello""#),
    .json("empty body", 400, "invalid_json", "POST", step, ""),
    // Vectors as raw float32
    .raw("raw body 3 floats", 422, "length_mismatch", step, float32Bytes([1, 2, 3])),
    .raw("raw body 5 floats", 422, "length_mismatch", step, float32Bytes([1, 2, 3, 4, 5])),
    .raw("raw byte count not a multiple of 4", 422, "length_mismatch", step, float32Bytes([1, 2, 3, 4]) + [0]),
    .raw("raw NaN", 422, "non_finite", step, float32Bytes([1, .nan, 3, 4])),
    .raw("raw +Inf", 422, "non_finite", step, float32Bytes([1, 2, 3, .infinity])),
    // Media types
    .body("no Content-Type", 415, "unsupported_media_type", "POST", step, contentType: nil, Array("[1,2,3,4]".utf8)),
    .body("text/plain", 415, "unsupported_media_type", "POST", step, contentType: "text/plain", Array("[1,2,3,4]".utf8)),
    .json("Accept allows neither representation", 406, "not_acceptable", "POST", step, "[1,2,3,4]", extra: "Accept: text/html\r\n"),
    BadInput("GET params with an unusable Accept", 406, "not_acceptable", "GET /v1/sessions/victim/params HTTP/1.1\r\nHost: x\r\nAccept: image/png\r\n\r\n"),
    // Sessions and ids
    .json("step on an unknown session", 404, "session_not_found", "POST", "/v1/sessions/ghost/step", "[1,2,3,4]"),
    .json("id '..' in the path", 400, "invalid_session_id", "POST", "/v1/sessions/../step", "[1,2,3,4]"),
    .json("id %2e%2e in the path", 400, "invalid_session_id", "POST", "/v1/sessions/%2e%2e/step", "[1,2,3,4]"),
    BadInput("id of 129 characters", 400, "invalid_session_id", "GET /v1/sessions/\(long129) HTTP/1.1\r\nHost: x\r\n\r\n"),
    BadInput("non-ASCII id", 400, "invalid_session_id", "GET /v1/sessions/caf%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n"),
    .json("create with id .hidden", 400, "invalid_session_id", "POST", create, #"{"id":".hidden","optimizer":"adam","size":4}"#),
    .json("create with id a/b", 400, "invalid_session_id", "POST", create, #"{"id":"a/b","optimizer":"adam","size":4}"#),
    .json("create with a 129-character id", 400, "invalid_session_id", "POST", create, #"{"id":"\#(long129)","optimizer":"adam","size":4}"#),
    .json("create with a numeric id", 400, "invalid_session_id", "POST", create, #"{"id":7,"optimizer":"adam","size":4}"#),
    .json("create an existing id", 409, "session_exists", "POST", create, #"{"id":"victim","optimizer":"sgd","size":4}"#),
    // Optimizers and hyperparameters
    .json("unknown optimizer", 400, "invalid_hyperparameter", "POST", create, #"{"optimizer":"adamax","size":4}"#),
    .json("unknown hyperparameter", 400, "invalid_hyperparameter", "POST", create, #"{"optimizer":{"name":"adam","betas":[0.9,0.99]},"size":4}"#),
    .json("hyperparameter of the other convention", 400, "invalid_hyperparameter", "POST", create, #"{"optimizer":{"name":"sgd","dampening":0.1},"size":4}"#),
    .json("beta_1 out of range", 400, "invalid_hyperparameter", "POST", create, #"{"optimizer":{"name":"adam","beta_1":1.5},"size":4}"#),
    .json("learning_rate of the wrong type", 400, "invalid_hyperparameter", "POST", create, #"{"optimizer":{"name":"adam","learning_rate":"fast"},"size":4}"#),
    .json("clipnorm zero", 400, "invalid_hyperparameter", "POST", create, #"{"optimizer":{"name":"sgd","clipnorm":0},"size":4}"#),
    .json("unknown schedule", 400, "invalid_hyperparameter", "POST", create, #"{"optimizer":{"name":"sgd","learning_rate":{"schedule":"step"}},"size":4}"#),
    .json("unknown convention", 400, "invalid_convention", "POST", create, #"{"optimizer":"adam","convention":"tensorflow","size":4}"#),
    .json("size zero", 400, "invalid_size", "POST", create, #"{"optimizer":"adam","size":0}"#),
    .json("size negative", 400, "invalid_size", "POST", create, #"{"optimizer":"adam","size":-1}"#),
    .json("size not an integer", 400, "invalid_size", "POST", create, #"{"optimizer":"adam","size":2.5}"#),
    .json("size beyond the memory limit", 400, "invalid_size", "POST", create, #"{"optimizer":"adam","size":1e12}"#),
    .json("size disagrees with params", 400, "invalid_size", "POST", create, #"{"optimizer":"adam","size":3,"params":[1,2]}"#),
    .json("neither size nor params", 400, "invalid_size", "POST", create, #"{"optimizer":"adam"}"#),
    .json("params with 1e39", 422, "non_finite", "POST", create, #"{"optimizer":"adam","params":[1,1e39]}"#),
    .json("unknown top-level field", 400, "invalid_json", "POST", create, #"{"optimizer":"adam","size":4,"extra":true}"#),
    .body("create as text/plain", 415, "unsupported_media_type", "POST", create, contentType: "text/plain", Array(#"{"optimizer":"adam","size":4}"#.utf8)),
    .json("create body not an object", 400, "invalid_json", "POST", create, "[1,2]"),
    .json("PATCH out of range", 400, "invalid_hyperparameter", "PATCH", "/v1/sessions/victim", #"{"optimizer":{"learning_rate":-1}}"#),
    .json("PATCH changes the optimizer", 400, "invalid_hyperparameter", "PATCH", "/v1/sessions/victim", #"{"optimizer":{"name":"sgd"}}"#),
    .json("PATCH changes the convention", 400, "invalid_convention", "PATCH", "/v1/sessions/victim", #"{"convention":"pytorch"}"#),
    .json("PATCH unknown field", 400, "invalid_json", "PATCH", "/v1/sessions/victim", #"{"size":5}"#),
    // Conditions
    .json("stale If-Match", 412, "precondition_failed", "POST", step, "[1,2,3,4]", extra: "If-Match: \"0\"\r\n"),
    .json("Idempotency-Key too long", 400, "invalid_idempotency_key", "POST", step, "[1,2,3,4]",
          extra: "Idempotency-Key: \(String(repeating: "k", count: 300))\r\n"),
    BadInput("ema=true without use_ema", 400, "ema_disabled", "GET /v1/sessions/victim/params?ema=true HTTP/1.1\r\nHost: x\r\n\r\n"),
    // Routing
    BadInput("unknown path", 404, "not_found", "GET /v2/nothing HTTP/1.1\r\nHost: x\r\n\r\n"),
    BadInput("wrong method", 405, "method_not_allowed", "PUT /v1/sessions/victim/step HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
    BadInput("TRACE", 405, "method_not_allowed", "TRACE /v1/sessions HTTP/1.1\r\nHost: x\r\n\r\n"),
    // Framing and limits (HTTP layer)
    BadInput("Content-Length with Transfer-Encoding", 400, "bad_request",
             "POST \(step) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n[1,2,3,4]"),
    BadInput("two different Content-Lengths", 400, "bad_request",
             "POST \(step) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\nContent-Length: 8\r\n\r\n[1,2,3,4]"),
    BadInput("bad chunk size", 400, "bad_request",
             "POST \(step) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n[1,2,3,4]\r\n0\r\n\r\n"),
    BadInput("HTTP/1.1 without Host", 400, "bad_request", "GET /healthz HTTP/1.1\r\n\r\n"),
    BadInput("header block over 16 KiB", 431, "headers_too_large",
             "GET /v1/sessions/victim HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 17 * 1024))\r\n\r\n"),
    BadInput("101 header fields", 431, "headers_too_large",
             "GET /v1/sessions/victim HTTP/1.1\r\nHost: x\r\n" + (0..<100).map { "X-\($0): v\r\n" }.joined() + "\r\n"),
    BadInput("request line over 8 KiB", 414, "uri_too_long", "GET /v1/sessions/\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n\r\n"),
    BadInput("declared body over 1 GiB", 413, "body_too_large",
             "POST \(step) HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 2147483648\r\n\r\n"),
]

/// The bad-input catalogue: each request gets its SPEC status and `code` as problem+json, the
/// target session is unchanged afterwards, and the server stays up.
@Suite(.serialized) struct BadInputTests {
    @Test func catalogueHasAtLeastFortyCases() { #expect(badInputs.count >= 40) }

    @Test func everyBadInputIsRefusedAndChangesNothing() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let setup = try optd.client()
        #expect(try setup.json("POST", "/v1/sessions", #"{"id":"victim","optimizer":"adam","params":[1,2,3,4]}"#).status == 201)
        #expect(try setup.json("POST", step, "[0.5,-0.5,0.25,1]").status == 200)
        let before = try snapshot(setup)
        let sessionsBefore = try setup.request("GET", "/v1/sessions").text

        for bad in badInputs {
            let client = try optd.client()
            try client.send(bad.request)
            let answer = try client.readResponse()
            #expect(answer.status == bad.status, "\(bad.name): status \(answer.status) \(answer.text)")
            #expect(answer.code == bad.code, "\(bad.name): code \(answer.code ?? "none") \(answer.text)")
            #expect(answer.header("Content-Type") == "application/problem+json", "\(bad.name)")
            if bad.status == 405 { #expect(answer.header("Allow") != nil, "\(bad.name): Allow") }

            let probe = try optd.client()
            #expect(try probe.request("GET", "/healthz").status == 200, "server down after \(bad.name)")
            let after = try snapshot(probe)
            #expect(after.step == before.step && after.params == before.params && after.session == before.session,
                    "\(bad.name) changed the session")
        }
        #expect(try setup.request("GET", "/v1/sessions").text.count == sessionsBefore.count, "no session was created")
    }

    struct State: Equatable {
        let step: String?
        let params: [UInt8]
        let session: String
    }

    func snapshot(_ client: HTTPTestClient) throws -> State {
        let params = try client.request("GET", "/v1/sessions/victim/params", headers: [("Accept", "application/octet-stream")])
        var session = try client.request("GET", "/v1/sessions/victim").text
        // `updated` is the only field allowed to differ... and it must not, either: keep it.
        session = session.replacingOccurrences(of: "\n", with: "")
        return State(step: params.header("ETag"), params: params.body, session: session)
    }
}

import Foundation
import Testing

/// `--auth-token` (SPEC §6): every route but /healthz and /readyz needs
/// `Authorization: Bearer <token>`; a refusal is 401 problem+json `unauthorized` with
/// `WWW-Authenticate: Bearer` and changes nothing. The routes come from openapi.yaml.
@Suite(.serialized) struct AuthTests {
    static let token = "tok-\(UUID().uuidString)"

    /// Credentials that must all be refused.
    static let wrongCredentials: [(String, [(String, String)])] = [
        ("no Authorization", []),
        ("wrong token", [("Authorization", "Bearer not-the-token")]),
        ("the token with a byte more", [("Authorization", "Bearer \(token)x")]),
        ("the token less its last byte", [("Authorization", "Bearer \(token.dropLast())")]),
        ("another scheme", [("Authorization", "Basic \(Data("optd:\(token)".utf8).base64EncodedString())")]),
        ("no scheme", [("Authorization", token)]),
        ("empty bearer", [("Authorization", "Bearer")]),
    ]

    /// A body each method might carry, so a refusal is tested with the upload it would refuse.
    static func send(_ route: RouteTable.Route, path: String, headers: [(String, String)], to optd: OptdProcess) throws -> HTTPTestClient.Response {
        let c = try optd.client()
        switch route.method {
        case "POST", "PUT", "PATCH":
            if route.template.hasSuffix("/checkpoint") {
                return try c.request(route.method, path, headers: [("Content-Type", "application/octet-stream")] + headers, body: [1, 2, 3, 4])
            }
            return try c.json(route.method, path, route.template == "/v1/sessions" ? #"{"id":"intruder","optimizer":"sgd","size":2}"# : "[5,5]", headers: headers)
        default:
            return try c.request(route.method, path, headers: headers)
        }
    }

    @Test func documentedRouteTableMatchesTheSpec() throws {
        let routes = try RouteTable.load()
        #expect(Set(routes.filter(\.isPublic).map(\.template)) == ["/healthz", "/readyz"], "only the probes are open")
        let names = Set(routes.map(\.description))
        for expected in ["GET /metrics", "HEAD /metrics", "GET /v1/optimizers", "POST /v1/sessions", "GET /v1/sessions",
                         "GET /v1/sessions/{id}", "PATCH /v1/sessions/{id}", "DELETE /v1/sessions/{id}",
                         "GET /v1/sessions/{id}/params", "PUT /v1/sessions/{id}/params", "POST /v1/sessions/{id}/step",
                         "POST /v1/sessions/{id}/snapshot", "GET /v1/sessions/{id}/checkpoint", "PUT /v1/sessions/{id}/checkpoint"] {
            #expect(names.contains(expected), "openapi.yaml lacks \(expected)")
        }
    }

    @Test func everyProtectedRouteRefusesMissingOrWrongCredentials() throws {
        let optd = try OptdProcess(arguments: ["--auth-token", Self.token, "--snapshot-interval", "0"])
        defer { #expect(optd.stop() == 0) }
        let auth = [("Authorization", "Bearer \(Self.token)")]
        #expect(try optd.client().json("POST", "/v1/sessions", #"{"id":"s","optimizer":"sgd","params":[1,2]}"#, headers: auth).status == 201)
        let protected = try RouteTable.load().filter { !$0.isPublic }
        #expect(protected.count >= 17)
        var checked = 0
        for route in protected {
            for (what, headers) in Self.wrongCredentials {
                let r = try Self.send(route, path: route.path("s"), headers: headers, to: optd)
                #expect(r.status == 401, "\(route) with \(what): \(r.status) \(r.text)")
                #expect(r.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, "\(route) with \(what)")
                #expect(r.header("Content-Type") == "application/problem+json", "\(route) with \(what)")
                if route.method != "HEAD" {
                    let problem = try #require(r.json as? [String: Any], "\(route): \(r.text)")
                    #expect(problem["code"] as? String == "unauthorized" && problem["status"] as? Int == 401, "\(route): \(r.text)")
                    #expect(problem["title"] != nil && problem["type"] != nil && problem["detail"] != nil)
                }
                checked += 1
            }
        }
        #expect(checked == protected.count * Self.wrongCredentials.count)
        // Nothing the refused requests asked for happened.
        let c = try optd.client()
        let session = try #require(try c.request("GET", "/v1/sessions/s", headers: auth).json as? [String: Any])
        #expect(session["step"] as? Int == 0)
        let params = try c.request("GET", "/v1/sessions/s/params", headers: auth)
        #expect(params.text == #"{"step":0,"params":[1.0,2.0]}"#, "\(params.status) \(params.text)")
        #expect(try c.request("GET", "/v1/sessions/intruder", headers: auth).status == 404)
        #expect(!optd.stderr.contains(Self.token), "the token is never logged")
    }

    @Test func theTokenOpensEveryRoute() throws {
        let optd = try OptdProcess(arguments: ["--auth-token", Self.token, "--snapshot-interval", "0"])
        defer { #expect(optd.stop() == 0) }
        let auth = [("Authorization", "Bearer \(Self.token)")]
        let c = try optd.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"s","optimizer":"sgd","params":[1,2]}"#, headers: auth).status == 201)
        // What each documented route answers to a well-formed request with the token.
        var expected: [String: Int] = [
            "GET /metrics": 200, "HEAD /metrics": 200, "GET /v1/optimizers": 200, "HEAD /v1/optimizers": 200,
            "GET /v1/sessions": 200, "HEAD /v1/sessions": 200, "GET /v1/sessions/{id}": 200, "HEAD /v1/sessions/{id}": 200,
            "PATCH /v1/sessions/{id}": 200, "GET /v1/sessions/{id}/params": 200, "HEAD /v1/sessions/{id}/params": 200,
            "PUT /v1/sessions/{id}/params": 200, "POST /v1/sessions/{id}/step": 200, "POST /v1/sessions/{id}/snapshot": 200,
            "GET /v1/sessions/{id}/checkpoint": 200, "HEAD /v1/sessions/{id}/checkpoint": 200,
        ]
        var answered: [String: Int] = [:]
        for route in try RouteTable.load() where !route.isPublic && expected[route.description] != nil {
            let r: HTTPTestClient.Response
            switch route.description {
            case "PATCH /v1/sessions/{id}": r = try c.json("PATCH", "/v1/sessions/s", #"{"optimizer":{"learning_rate":0.5}}"#, headers: auth)
            case "PUT /v1/sessions/{id}/params", "POST /v1/sessions/{id}/step": r = try c.json(route.method, route.path("s"), "[1,1]", headers: auth)
            default: r = try c.request(route.method, route.path("s"), headers: auth)
            }
            answered[route.description] = r.status
        }
        #expect(answered == expected)
        // The ones that create and delete, on sessions of their own; the scheme is case-insensitive.
        let lower = [("Authorization", "bearer \(Self.token)")]
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"t","optimizer":"sgd","size":2}"#, headers: lower).status == 201)
        let checkpoint = try c.request("GET", "/v1/sessions/s/checkpoint", headers: auth)
        #expect(try c.request("PUT", "/v1/sessions/u/checkpoint", headers: [("Content-Type", "application/octet-stream")] + auth,
                              body: checkpoint.body).status == 201)
        #expect(try c.request("DELETE", "/v1/sessions/t", headers: auth).status == 204)
        expected["POST /v1/sessions"] = 201; expected["PUT /v1/sessions/{id}/checkpoint"] = 201; expected["DELETE /v1/sessions/{id}"] = 204
        // Routes added to openapi.yaml since: the token at least gets past the check.
        for route in try RouteTable.load() where !route.isPublic && expected[route.description] == nil {
            let r = try Self.send(route, path: route.path("s"), headers: auth, to: optd)
            #expect(r.status != 401, "\(route) refused the token: \(r.text)")
        }
    }

    @Test func probesAreOpenAndMetricsCanBeOpened() throws {
        let optd = try OptdProcess(arguments: ["--auth-token", Self.token])
        let c = try optd.client()
        for route in try RouteTable.load() where route.isPublic {
            #expect(try c.request(route.method, route.path("x")).status == 200, "\(route) without a token")
        }
        #expect(try c.request("GET", "/metrics").status == 401, "/metrics needs the token by default")
        #expect(optd.stop() == 0)

        let open = try OptdProcess(arguments: ["--auth-token", Self.token, "--public-metrics", "true"])
        defer { #expect(open.stop() == 0) }
        let o = try open.client()
        #expect(try o.request("GET", "/metrics").status == 200, "--public-metrics true")
        #expect(try o.request("GET", "/v1/sessions").status == 401, "the rest still needs the token")
    }

    /// Unknown paths and methods are answered before the token is looked at: the route table is
    /// public (openapi.yaml), and a 404 or 405 reveals nothing else.
    @Test func unknownRoutesAreNotFoundWithOrWithoutToken() throws {
        let optd = try OptdProcess(arguments: ["--auth-token", Self.token])
        defer { #expect(optd.stop() == 0) }
        let c = try optd.client()
        #expect(try c.request("GET", "/v1/nothing").code == "not_found")
        #expect(try c.request("DELETE", "/v1/optimizers").code == "method_not_allowed")
    }
}

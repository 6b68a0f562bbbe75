import HTTP1
import Testing

@Suite struct RouterTests {
    static let noop: HTTPHandler = { _, _, _ in }

    func router() -> Router {
        var router = Router()
        router.on(.get, "/v1/sessions/{id}", Self.noop)
        router.on(.patch, "/v1/sessions/{id}", Self.noop)
        router.on(.post, "/v1/sessions/{id}/step", Self.noop)
        router.on(.get, "/healthz", Self.noop)
        return router
    }

    @Test func unknownPathIsNotFound() {
        guard case .notFound = router().match(.get, path: "/v1/nothing") else { Issue.record("expected notFound"); return }
    }

    @Test func knownPathWithWrongMethodListsAllowedMethodsIncludingHead() {
        guard case .methodNotAllowed(let allowed) = router().match(.delete, path: "/v1/sessions/a") else {
            Issue.record("expected methodNotAllowed"); return
        }
        #expect(allowed == [.get, .head, .patch])
    }

    @Test(arguments: [HTTPMethod.options, .trace, HTTPMethod("BREW")])
    func unhandledMethodsOnKnownPathAreNotAllowed(_ method: HTTPMethod) {
        guard case .methodNotAllowed(let allowed) = router().match(method, path: "/v1/sessions/a/step") else {
            Issue.record("expected methodNotAllowed"); return
        }
        #expect(allowed == [.post])
    }

    @Test func headIsServedByTheGetHandler() {
        guard case .handler = router().match(.head, path: "/healthz") else { Issue.record("expected handler"); return }
    }

    @Test func pathParametersAreCapturedAndPercentDecoded() {
        guard case .handler(_, let parameters) = router().match(.post, path: "/v1/sessions/run%2D1/step") else {
            Issue.record("expected handler"); return
        }
        #expect(parameters == ["id": "run-1"])
    }

    @Test func segmentsMatchWholeAndInOrder() {
        var router = router()
        router.on(.get, "/", Self.noop)
        guard case .handler = router.match(.get, path: "/") else { Issue.record("root not matched"); return }
        for path in ["/healthz/", "/healthzz", "/health", "//healthz", "/v1//a", "/v1/sessions/a/step/", "/v1/sessions/a/ste", ""] {
            guard case .notFound = router.match(.get, path: path) else { Issue.record("\(path) matched"); continue }
        }
        guard case .handler(_, let parameters) = router.match(.get, path: "/v1/sessions/%C3%A9t%C3%A9") else {
            Issue.record("expected handler"); return
        }
        #expect(parameters == ["id": "été"])
    }

    @Test func parameterDoesNotMatchAnEmptySegmentOrExtraSegments() {
        guard case .notFound = router().match(.get, path: "/v1/sessions/") else { Issue.record("empty segment matched"); return }
        guard case .notFound = router().match(.get, path: "/v1/sessions/a/b/c") else { Issue.record("extra segments matched"); return }
    }

    @Test func methodNotAllowedProblemCarriesAllowHeader() {
        let problem = Problem.methodNotAllowed(.delete, allowed: [.get, .head])
        #expect(problem.status.code == 405)
        #expect(problem.code == "method_not_allowed")
        #expect(problem.headers["Allow"] == "GET, HEAD")
    }
}

import HTTP1
import OptimizerCore
import Synchronization

/// The optd API (SPEC §3) on top of the HTTP/1.1 server: routes, content negotiation, and the
/// one place where service errors become problem+json answers.
public final class OptdService: Sendable {
    let options: ServiceOptions
    let store = SessionStore()
    let metrics = Metrics()
    /// Gradient and answer buffers of steps, reused.
    let vectors = VectorPool()
    private let readiness = Atomic<Int>(Readiness.starting.rawValue)
    private let persistenceSlot = Mutex<Persistence?>(nil)

    /// Set once start-up has restored the sessions.
    var persistence: Persistence? { persistenceSlot.withLock { $0 } }
    var journal: Journal? { persistence?.journal }

    /// Restores the sessions from `options.dataDirectory` (snapshots, then the journal).
    func restore() throws(PersistenceError) {
        let p = try Persistence(options: options, store: store, metrics: metrics)
        persistenceSlot.withLock { $0 = p }
    }

    enum Readiness: Int { case starting, ready, shuttingDown }

    public init(options: ServiceOptions) {
        self.options = options
    }

    /// Marks restore as done: /readyz answers 200 from now on.
    public func markReady() { readiness.store(Readiness.ready.rawValue, ordering: .releasing) }

    /// /readyz answers 503 from now on; new requests that reach a handler get 503 too.
    public func markShuttingDown() {
        readiness.store(Readiness.shuttingDown.rawValue, ordering: .releasing)
        abortOpenRounds()
    }

    var state: Readiness { Readiness(rawValue: readiness.load(ordering: .acquiring))! }

    /// Every route of the API, in one table.
    public func router() -> Router {
        var router = Router()
        let open = true, guarded = false
        let always: Router.InlinePredicate = { _ in true }
        let small: Router.InlinePredicate = { [self] request in computesOnly(request) }
        route(&router, .get, "/healthz", public: open, inline: always, OptdService.health)
        route(&router, .get, "/readyz", public: open, inline: always, OptdService.ready)
        route(&router, .get, "/metrics", public: options.publicMetrics, inline: always, OptdService.metricsText)
        route(&router, .get, "/v1/optimizers", public: guarded, inline: always, OptdService.optimizers)
        route(&router, .post, "/v1/sessions", public: guarded, OptdService.createSession)
        route(&router, .get, "/v1/sessions", public: guarded, inline: always, OptdService.listSessions)
        route(&router, .get, "/v1/sessions/{id}", public: guarded, inline: always, OptdService.getSession)
        route(&router, .put, "/v1/sessions/{id}", public: guarded, OptdService.putSession)
        route(&router, .patch, "/v1/sessions/{id}", public: guarded, OptdService.patchSession)
        route(&router, .delete, "/v1/sessions/{id}", public: guarded, OptdService.deleteSession)
        route(&router, .get, "/v1/sessions/{id}/params", public: guarded, inline: small, OptdService.getParams)
        route(&router, .put, "/v1/sessions/{id}/params", public: guarded, OptdService.putParams)
        route(&router, .post, "/v1/sessions/{id}/step", public: guarded, inline: small, OptdService.step)
        route(&router, .post, "/v1/sessions/{id}/snapshot", public: guarded, OptdService.snapshot)
        route(&router, .get, "/v1/sessions/{id}/checkpoint", public: guarded, OptdService.getCheckpoint)
        route(&router, .put, "/v1/sessions/{id}/checkpoint", public: guarded, OptdService.putCheckpoint)
        return router
    }

    /// Whether a request on a session only computes briefly, so it may run on the HTTP event loop
    /// (Router's inline promise): the session is small (no turn to take, a short lock), no
    /// journal answer waits for a write or fsync, and no aggregation round waits for other
    /// workers. Anything else, including an unknown session, runs on a worker as before.
    func computesOnly(_ request: HTTPRequest) -> Bool {
        guard journal == nil, request.headers["Optd-Worker"] == nil,
              let id = request.pathParameters["id"], let session = try? store.get(id) else { return false }
        return session.aggregate == nil && !isLarge(session)
    }

    typealias Handler = @Sendable (OptdService) -> (HTTPRequest, RequestBody, ResponseWriter) throws -> Void

    /// Registers a handler behind the checks every request gets, and maps its errors.
    private func route(_ router: inout Router, _ method: HTTPMethod, _ pattern: String, public isPublic: Bool,
                       inline: Router.InlinePredicate? = nil, _ handler: @escaping Handler) {
        router.on(method, pattern, runsInline: inline) { [self] request, body, response in
            do {
                if !isPublic {
                    try Auth.check(request.headers, token: options.authToken)
                    switch state {
                    case .ready: break
                    case .starting: throw ServiceError.notReady
                    case .shuttingDown: throw ServiceError.shuttingDown
                    }
                }
                try handler(self)(request, body, response)
            } catch let error as ServiceError {
                throw error.problem
            }
        }
    }
}

/// Handles one request: look at `request` (method, path, `pathParameters`, query, headers),
/// optionally read the body from `body` into your own buffer, and answer through `response`.
///
/// It runs on the connection's own serial queue, off every other connection's I/O, so it may
/// block or compute for long. If it returns without answering, the server answers 500; if it
/// throws a ``Problem`` before answering, that problem is the answer; any other error is a 500.
public typealias HTTPHandler = @Sendable (HTTPRequest, RequestBody, ResponseWriter) throws -> Void

/// Maps path patterns such as `/v1/sessions/{id}/step` to a handler per method.
///
/// An unknown path is 404 `not_found`; a known path with a method it lacks is 405
/// `method_not_allowed` with `Allow`. HEAD is served by the GET handler (headers identical,
/// body dropped) unless a HEAD handler is registered. OPTIONS, TRACE and any other method
/// without a handler are 405 like the rest.
///
/// ```swift
/// var router = Router()
/// router.on(.post, "/v1/sessions/{id}/step") { request, body, response in
///     let id = request.pathParameters["id"]!
///     ...
/// }
/// ```
public struct Router: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    struct Route: Sendable {
        var pattern: String
        var segments: [Segment]
        var handlers: [HTTPMethod: HTTPHandler]
    }

    public enum Match: Sendable {
        case handler(HTTPHandler, pathParameters: [String: String])
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    private var routes: [Route] = []

    public init() {}

    /// Registers `handler` for `method` on `pattern`. A segment written `{name}` matches any one
    /// non-empty segment and is captured (percent-decoded) as `pathParameters[name]`. When two
    /// patterns match a path, the one registered first wins.
    public mutating func on(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping HTTPHandler) {
        if let index = routes.firstIndex(where: { $0.pattern == pattern }) {
            routes[index].handlers[method] = handler
        } else {
            routes.append(Route(pattern: pattern, segments: Self.segments(of: pattern), handlers: [method: handler]))
        }
    }

    /// Finds the handler for `method` on `path` (still percent-encoded).
    public func match(_ method: HTTPMethod, path: String) -> Match {
        matchRoute(method, path: path).match
    }

    /// ``match(_:path:)`` and the pattern that matched the path (nil when none did), which
    /// names the route in access records without the raw path's unbounded variety.
    func matchRoute(_ method: HTTPMethod, path: String) -> (match: Match, pattern: String?) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var allowed = Set<HTTPMethod>()
        var firstPattern: String?
        for route in routes {
            guard let parameters = Self.capture(route.segments, parts) else { continue }
            if let handler = route.handlers[method] ?? (method == .head ? route.handlers[.get] : nil) {
                return (.handler(handler, pathParameters: parameters), route.pattern)
            }
            allowed.formUnion(route.handlers.keys)
            if route.handlers[.get] != nil { allowed.insert(.head) }
            firstPattern = firstPattern ?? route.pattern
        }
        if allowed.isEmpty { return (.notFound, nil) }
        return (.methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue }), firstPattern)
    }

    static func segments(of pattern: String) -> [Segment] {
        pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
    }

    private static func capture(_ segments: [Segment], _ parts: ArraySlice<Substring>) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                if part != literal { return nil }
            case .parameter(let name):
                if part.isEmpty { return nil }
                parameters[name] = PercentDecoding.decode(part) ?? String(part)
            }
        }
        return parameters
    }
}

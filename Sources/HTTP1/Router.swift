/// Handles one request: look at `request` (method, path, `pathParameters`, query, headers),
/// optionally read the body from `body` into your own buffer, and answer through `response`.
///
/// It runs on a Dispatch worker thread, off every other connection's I/O, so it may block or
/// compute for long, unless its route lets it run inline on the event loop (see
/// ``Router/on(_:_:runsInline:_:)``). If it returns without answering, the server answers 500; if it
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
        case literal([UInt8])
        case parameter(String)
    }

    struct Route: Sendable {
        var pattern: String
        var segments: [Segment]
        var handlers: [HTTPMethod: HTTPHandler]
        var runsInline: [HTTPMethod: InlinePredicate] = [:]
    }

    /// Whether a request may be served on the event-loop thread; see ``on(_:_:runsInline:_:)``.
    public typealias InlinePredicate = @Sendable (HTTPRequest) -> Bool

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
    ///
    /// `runsInline` (evaluated on the event loop, before the handler, with the request's head)
    /// returning true promises that the handler, for this request, neither waits on other
    /// requests or the disk nor computes for long. The server then runs it on the event-loop
    /// thread once its body is buffered, which saves two thread switches per request, but holds
    /// up the loop's other connections while it runs. Without it the handler runs on a worker.
    public mutating func on(_ method: HTTPMethod, _ pattern: String, runsInline: InlinePredicate? = nil,
                            _ handler: @escaping HTTPHandler) {
        let index: Int
        if let existing = routes.firstIndex(where: { $0.pattern == pattern }) {
            index = existing
            routes[index].handlers[method] = handler
        } else {
            index = routes.count
            routes.append(Route(pattern: pattern, segments: Self.segments(of: pattern), handlers: [method: handler]))
        }
        routes[index].runsInline[method] = runsInline
    }

    /// Finds the handler for `method` on `path` (still percent-encoded).
    public func match(_ method: HTTPMethod, path: String) -> Match {
        matchRoute(method, path: path).match
    }

    /// ``match(_:path:)``, the pattern that matched the path (nil when none did), which names
    /// the route in access records without the raw path's unbounded variety, and the handler's
    /// inline predicate (nil: the server's own answers, which run inline, or none registered).
    func matchRoute(_ method: HTTPMethod, path: String) -> (match: Match, pattern: String?, runsInline: InlinePredicate?) {
        var path = path
        return path.withUTF8 { bytes in matchRoute(method, pathBytes: bytes) }
    }

    private func matchRoute(_ method: HTTPMethod, pathBytes: UnsafeBufferPointer<UInt8>)
        -> (match: Match, pattern: String?, runsInline: InlinePredicate?) {
        var allowed = Set<HTTPMethod>()
        var firstPattern: String?
        for route in routes {
            guard let parameters = Self.capture(route.segments, pathBytes) else { continue }
            // HEAD without a handler of its own is served by GET's (RFC 9110 §9.3.2).
            let chosen = method == .head && route.handlers[.head] == nil ? HTTPMethod.get : method
            if let handler = route.handlers[chosen] {
                // A handler registered without a predicate never runs inline.
                let inline = route.runsInline[chosen] ?? { _ in false }
                return (.handler(handler, pathParameters: parameters), route.pattern, inline)
            }
            allowed.formUnion(route.handlers.keys)
            if route.handlers[.get] != nil { allowed.insert(.head) }
            firstPattern = firstPattern ?? route.pattern
        }
        if allowed.isEmpty { return (.notFound, nil, nil) }
        return (.methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue }), firstPattern, nil)
    }

    static func segments(of pattern: String) -> [Segment] {
        pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(Array(part.utf8))
        }
    }

    /// Matches the path's `/`-separated segments (after the leading `/`) against `segments`,
    /// comparing bytes: this runs for every request, and splitting the path into Substrings
    /// cost more than the rest of routing.
    private static func capture(_ segments: [Segment], _ path: UnsafeBufferPointer<UInt8>) -> [String: String]? {
        let slash = UInt8(ascii: "/")
        guard path.first == slash else { return segments.isEmpty && path.isEmpty ? [:] : nil }
        var parameters: [String: String] = [:]
        var start = 1
        for (index, segment) in segments.enumerated() {
            guard start <= path.count else { return nil }
            var end = start
            while end < path.count && path[end] != slash { end += 1 }
            let part = UnsafeBufferPointer(rebasing: path[start..<end])
            switch segment {
            case .literal(let literal):
                guard part.elementsEqual(literal) else { return nil }
            case .parameter(let name):
                if part.isEmpty { return nil }
                let text = String(decoding: part, as: UTF8.self)
                parameters[name] = PercentDecoding.decode(text) ?? text
            }
            // The last segment must end the path; others must be followed by a slash.
            if index == segments.count - 1 { return end == path.count ? parameters : nil }
            start = end + 1
        }
        return nil
    }
}

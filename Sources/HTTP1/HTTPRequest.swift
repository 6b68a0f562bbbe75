/// How a request body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int)
    case chunked
}

/// A parsed request head: everything a handler can look at before deciding to read the body.
public struct HTTPRequest: Sendable, Equatable {
    public var method: HTTPMethod
    /// The request-target exactly as sent, e.g. `/v1/sessions/a?x=1`.
    public var target: String
    /// The path part of the target, still percent-encoded, e.g. `/v1/sessions/a`.
    public var path: String
    /// The raw query string after `?`, without it; nil when the target has no `?`.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: BodyFraming
    /// Values captured by the route pattern (`{id}` → `pathParameters["id"]`), percent-decoded.
    public var pathParameters: [String: String] = [:]

    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(), framing: BodyFraming = .none) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.framing = framing
        (path, query) = Self.split(target: target)
    }

    /// The declared body length; nil for chunked bodies (unknown until read).
    public var contentLength: Int? {
        switch framing {
        case .none: 0
        case .contentLength(let n): n
        case .chunked: nil
        }
    }

    public var hasBody: Bool { framing != .none && framing != .contentLength(0) }

    /// Persistent-connection rule of RFC 9112 §9.3: HTTP/1.1 stays open unless `close`;
    /// HTTP/1.0 closes unless `keep-alive`.
    public var keepAlive: Bool {
        if headers.hasToken("close", in: "Connection") { return false }
        if version == .http1_0 { return headers.hasToken("keep-alive", in: "Connection") }
        return true
    }

    /// `Expect: 100-continue` on HTTP/1.1; an HTTP/1.0 client cannot take a 100 (RFC 9110 §10.1.1).
    public var expectsContinue: Bool {
        version != .http1_0 && (headers["Expect"].map { HTTPHeaders.equalsIgnoringCase($0.trimmingASCIIWhitespace(), "100-continue") } ?? false)
    }

    /// The first value of the query parameter `name`, percent-decoded (`+` stays `+`).
    public func queryParameter(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if PercentDecoding.decode(parts[0]) == name {
                return parts.count > 1 ? PercentDecoding.decode(parts[1]) ?? String(parts[1]) : ""
            }
        }
        return nil
    }

    static func split(target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        // Absolute-form (RFC 9112 §3.2.2) must be accepted; routing uses only its path.
        if rest.hasPrefix("http://") || rest.hasPrefix("https://") {
            rest = rest[rest.index(rest.firstIndex(of: ":")!, offsetBy: 3)...]
            rest = rest.firstIndex(where: { $0 == "/" || $0 == "?" }).map { rest[$0...] } ?? "/"
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        if let mark = rest.firstIndex(of: "?") {
            return (String(rest[..<mark]), String(rest[rest.index(after: mark)...]))
        }
        return (String(rest), nil)
    }
}

enum PercentDecoding {
    /// Decodes `%XX` escapes; nil when an escape is malformed or the result is not UTF-8.
    static func decode<S: StringProtocol>(_ text: S) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let hi = iterator.next().flatMap(hexValue), let lo = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(hi << 4 | lo)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// An RFC 9457 problem document: `{"type","title","status","detail","code"}` served as
/// `application/problem+json`.
///
/// The HTTP layer answers its own errors with these (``Problem/badRequest(_:)`` and friends);
/// applications build their own with the public initializer and send them with
/// ``ResponseWriter/respond(_:)-(Problem)``, or throw one from a handler.
public struct Problem: Error, Sendable, Equatable {
    public var status: HTTPStatus
    /// A stable snake_case string clients can switch on, e.g. `body_too_large`.
    public var code: String
    public var title: String
    public var detail: String
    /// A URI naming the problem type; `about:blank` means "just the status".
    public var type: String
    /// Extra response headers, e.g. `Allow` or `Retry-After`.
    public var headers: HTTPHeaders

    public init(status: HTTPStatus, code: String, detail: String, title: String? = nil, type: String = "about:blank", headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title ?? status.reason
        self.type = type
        self.headers = headers
    }

    public static let contentType = "application/problem+json"

    /// The JSON document, keys in RFC 9457 order.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + detail.utf8.count + title.utf8.count)
        out.append(contentsOf: "{\"type\":".utf8)
        JSONString.append(type, to: &out)
        out.append(contentsOf: ",\"title\":".utf8)
        JSONString.append(title, to: &out)
        out.append(contentsOf: ",\"status\":\(status.code),\"detail\":".utf8)
        JSONString.append(detail, to: &out)
        out.append(contentsOf: ",\"code\":".utf8)
        JSONString.append(code, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension Problem {
    /// 400: malformed request line, header or framing. The connection closes after it.
    public static func badRequest(_ detail: String) -> Problem {
        Problem(status: .badRequest, code: "bad_request", detail: detail)
    }
    public static func notFound(_ path: String) -> Problem {
        Problem(status: .notFound, code: "not_found", detail: "no resource at \(path)")
    }
    /// 405 with `Allow` listing the methods the path does support.
    public static func methodNotAllowed(_ method: HTTPMethod, allowed: [HTTPMethod]) -> Problem {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        return Problem(status: .methodNotAllowed, code: "method_not_allowed",
                       detail: "\(method) is not allowed here; allowed: \(allow)", headers: ["Allow": allow])
    }
    public static func requestTimeout(_ detail: String) -> Problem {
        Problem(status: .requestTimeout, code: "request_timeout", detail: detail)
    }
    public static func lengthRequired(_ detail: String = "a request body needs Content-Length or chunked Transfer-Encoding") -> Problem {
        Problem(status: .lengthRequired, code: "length_required", detail: detail)
    }
    public static func bodyTooLarge(limit: Int) -> Problem {
        Problem(status: .contentTooLarge, code: "body_too_large", detail: "the request body exceeds \(limit) bytes")
    }
    public static func uriTooLong(limit: Int) -> Problem {
        Problem(status: .uriTooLong, code: "uri_too_long", detail: "the request line exceeds \(limit) bytes")
    }
    public static func headersTooLarge(_ detail: String) -> Problem {
        Problem(status: .requestHeaderFieldsTooLarge, code: "headers_too_large", detail: detail)
    }
    public static func expectationFailed(_ value: String) -> Problem {
        Problem(status: .expectationFailed, code: "expectation_failed", detail: "unsupported expectation: \(value)")
    }
    public static func notImplemented(_ detail: String) -> Problem {
        Problem(status: .notImplemented, code: "not_implemented", detail: detail)
    }
    public static func versionNotSupported(_ detail: String) -> Problem {
        Problem(status: .httpVersionNotSupported, code: "version_not_supported", detail: detail)
    }
    public static func shuttingDown(retryAfter: Int) -> Problem {
        Problem(status: .serviceUnavailable, code: "shutting_down", detail: "the server is shutting down",
                headers: ["Retry-After": String(retryAfter)])
    }
    public static func serverBusy(retryAfter: Int) -> Problem {
        Problem(status: .serviceUnavailable, code: "server_busy", detail: "too many request-body bytes in flight; retry later",
                headers: ["Retry-After": String(retryAfter)])
    }
    public static func internalError(_ detail: String = "the handler failed") -> Problem {
        Problem(status: .internalServerError, code: "internal_error", detail: detail)
    }
}

/// JSON string escaping per RFC 8259 §7 (quotes, backslash, control characters).
enum JSONString {
    static func append(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

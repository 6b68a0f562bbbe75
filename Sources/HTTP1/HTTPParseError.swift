/// Why a request could not be parsed. Every case maps to one problem document; after any of them
/// the connection is closed, because the framing of what follows can no longer be trusted.
public enum HTTPParseError: Error, Sendable, Equatable {
    /// Malformed request line, header field or framing (RFC 9112); 400 `bad_request`.
    case malformed(String)
    /// The request line passed ``HTTPLimits/maxRequestLineBytes``; 414.
    case requestLineTooLong
    /// The field section (or trailers) passed ``HTTPLimits/maxHeaderBytes``; 431.
    case headersTooLarge
    /// More than ``HTTPLimits/maxHeaderFields`` field lines; 431.
    case tooManyHeaderFields
    /// Declared or chunked body larger than ``HTTPLimits/maxBodyBytes``; 413.
    case bodyTooLarge
    /// A transfer coding other than chunked (RFC 9112 §6.1); 501.
    case unsupportedTransferCoding(String)
    /// A major version other than 1; 505.
    case unsupportedVersion(String)

    /// The answer for this error under `limits`.
    public func problem(limits: HTTPLimits) -> Problem {
        switch self {
        case .malformed(let detail): .badRequest(detail)
        case .requestLineTooLong: .uriTooLong(limit: limits.maxRequestLineBytes)
        case .headersTooLarge: .headersTooLarge("the header section exceeds \(limits.maxHeaderBytes) bytes")
        case .tooManyHeaderFields: .headersTooLarge("more than \(limits.maxHeaderFields) header fields")
        case .bodyTooLarge: .bodyTooLarge(limit: limits.maxBodyBytes)
        case .unsupportedTransferCoding(let coding): .notImplemented("unsupported transfer coding: \(coding)")
        case .unsupportedVersion(let version): .versionNotSupported("unsupported protocol version: \(version)")
        }
    }
}

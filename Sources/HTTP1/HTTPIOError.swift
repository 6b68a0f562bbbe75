/// Why reading a request body or writing a response failed. After any of these the connection
/// is closed once the handler returns.
public enum HTTPIOError: Error, Sendable, Equatable {
    /// No body byte arrived within ``HTTPLimits/bodyReadTimeout``, or a write made no progress
    /// within ``HTTPLimits/writeStallTimeout``.
    case timedOut
    /// The peer closed the connection (or reset it) before the body ended.
    case peerClosed
    /// The body's framing is broken (a bad chunk) or it grew past ``HTTPLimits/maxBodyBytes``.
    case invalidBody(HTTPParseError)
    /// A chunked body would push the server past ``HTTPLimits/maxInFlightBodyBytes``.
    case serverBusy
    /// A system call failed.
    case system(SystemError)
    /// The handler used the writer wrongly, e.g. more body bytes than the declared Content-Length.
    case misuse(String)
}

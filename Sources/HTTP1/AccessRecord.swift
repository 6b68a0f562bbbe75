/// What one answered request looked like, for an access log (one line per request, SPEC §6).
/// Handed to ``HTTPServer/Configuration/accessLog`` after the answer was sent, on the
/// connection's queue; keep the callback cheap.
public struct AccessRecord: Sendable {
    /// `-` when the request line itself could not be read.
    public var method: String
    /// The request-target as sent (`-` when unreadable).
    public var target: String
    public var status: Int
    /// Request body bytes read, response body bytes given.
    public var bytesIn: Int
    public var bytesOut: Int
    /// From the head's arrival to the end of the answer.
    public var durationNanoseconds: UInt64
    /// The client's `X-Request-Id` if it sent one, else a number unique within this server.
    public var requestID: String
}

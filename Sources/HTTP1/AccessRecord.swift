/// What one answered request looked like, for an access log (one line per request, SPEC §6).
/// Handed to ``HTTPServer/Configuration/accessLog`` after the answer was sent, on the thread
/// that served the request (often the event loop); keep the callback cheap.
public struct AccessRecord: Sendable {
    /// `-` when the request line itself could not be read.
    public var method: String
    /// The request-target as sent (`-` when unreadable).
    public var target: String
    /// The route pattern the path matched (`/v1/sessions/{id}/step`); nil when no route did
    /// (404, or the request was refused before routing). Bounded, unlike `target`: fit for
    /// metric labels.
    public var route: String?
    public var status: Int
    /// Request body bytes read, response body bytes given.
    public var bytesIn: Int
    public var bytesOut: Int
    /// From the head's arrival to the end of the answer.
    public var durationNanoseconds: UInt64
    /// The client's `X-Request-Id` if it sent one, else a number unique within this server.
    public var requestID: String
}

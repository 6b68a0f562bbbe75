/// Every size limit and timeout the server enforces, with SPEC §4 / §7 defaults.
///
/// Each limit is checked while bytes arrive, never after buffering an unbounded amount.
public struct HTTPLimits: Sendable, Equatable {
    /// Bytes of the request line (method, target, version). Beyond it: 414 `uri_too_long`.
    public var maxRequestLineBytes = 8 * 1024
    /// Bytes of the header field lines after the request line (not counting it), and of the
    /// trailer section of a chunked body. Beyond it: 431 `headers_too_large`.
    public var maxHeaderBytes = 16 * 1024
    /// Header field lines per request, `Host` included. Beyond it: 431 `headers_too_large`.
    public var maxHeaderFields = 100
    /// Request body bytes. A larger declared `Content-Length` is answered 413 `body_too_large`
    /// before any of the body is read; a chunked body is cut with 413 as soon as it grows past it.
    public var maxBodyBytes = 1 << 30
    /// One chunk-size line including extensions (RFC 9112 §7.1.1). Beyond it: 400 `bad_request`.
    public var maxChunkLineBytes = 1024
    /// Request-body bytes in flight across all connections at once. A request that would push
    /// the total past it is answered 503 `server_busy` with `Retry-After`. A `Content-Length`
    /// body counts from its handler's first read to the end of its exchange; a handler that
    /// never reads it takes nothing.
    public var maxInFlightBodyBytes = 2 << 30
    /// Total time to receive a request head. For the first request it runs from accept; for later
    /// ones from the first byte of that request. Expiry: 408 `request_timeout` if any byte
    /// arrived, then close; a silent new connection is just closed.
    public var headerTimeout: Duration = .seconds(10)
    /// Longest gap between two reads of a request body. Expiry: 408 `request_timeout`, close.
    public var bodyReadTimeout: Duration = .seconds(30)
    /// How long a kept-alive connection may stay silent after its last answer before it is closed.
    public var keepAliveIdleTimeout: Duration = .seconds(60)
    /// How long a response write may make no progress (a client that stops reading) before the
    /// connection is closed.
    public var writeStallTimeout: Duration = .seconds(60)
    /// Open connections. At the cap the listener stops accepting; the kernel backlog holds the rest.
    public var maxConnections = 1024
    /// Handlers that may wait on a slow peer at the same time (a body read with no bytes
    /// buffered, or a write into a full socket). Each such wait holds a Dispatch worker thread,
    /// and the pool has about 255, so this keeps slow peers from starving everyone else. Beyond
    /// it a body read fails with 503 `server_busy` and a stalled write closes the connection.
    /// Small `Content-Length` bodies (up to 64 KiB) never count: they are received before the
    /// handler runs.
    public var maxWaitingHandlers = 128
    /// Seconds sent in `Retry-After` with 503 answers.
    public var retryAfterSeconds = 1

    public init() {}
}

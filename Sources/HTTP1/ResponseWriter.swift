/// Writes the answer to the request a handler is serving.
///
/// Either in one call, ``respond(_:headers:body:)-(_,_,UnsafeRawBufferPointer)``, or streamed:
/// ``writeHead(_:headers:contentLength:)`` then ``writeBody(_:)`` until `contentLength` bytes
/// were given. Body bytes go from the caller's memory to the socket (head and first bytes in one
/// `sendmsg`), never gathered into a second buffer. The server adds `Date`, `Content-Length`
/// (except on 1xx/204) and, when the connection will close, `Connection: close`. For HEAD the
/// head is the one GET would send, `Content-Length` included, and body bytes are dropped.
///
/// Only valid during the handler call, on the handler's thread.
public final class ResponseWriter {
    private var connection: Connection?

    init(connection: Connection) { self.connection = connection }

    func invalidate() { connection = nil }

    private func live() throws(HTTPIOError) -> Connection {
        guard let connection else { throw .misuse("ResponseWriter used after its handler returned") }
        return connection
    }

    /// True once a head was written; from then on a thrown error can only close the connection.
    public var headWritten: Bool { connection?.exchangeHeadWritten ?? true }

    /// Starts the answer. `contentLength` is the exact number of body bytes that will follow
    /// (ignored for 204 and 304). `Content-Length`, `Date`, `Connection` and
    /// `Transfer-Encoding` in `headers` are ignored: framing is the server's job.
    public func writeHead(_ status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), contentLength: Int) throws(HTTPIOError) {
        try live().writeHead(status, headers: headers, contentLength: contentLength, firstBody: nil)
    }

    /// Sends the next body bytes straight from `bytes`.
    public func writeBody(_ bytes: UnsafeRawBufferPointer) throws(HTTPIOError) {
        try live().writeBody(bytes)
    }

    /// The whole answer in one call; `body` goes out from the caller's memory.
    public func respond(_ status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: UnsafeRawBufferPointer) throws(HTTPIOError) {
        try live().writeHead(status, headers: headers, contentLength: body.count, firstBody: body)
    }

    public func respond(_ status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) throws(HTTPIOError) {
        try body.withBytes { (bytes) throws(HTTPIOError) in try respond(status, headers: headers, body: bytes) }
    }

    public func respond(_ status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: String) throws(HTTPIOError) {
        try respond(status, headers: headers, body: Array(body.utf8))
    }

    /// Answers with `problem` as `application/problem+json`, with its extra headers.
    public func respond(_ problem: Problem) throws(HTTPIOError) {
        var headers = problem.headers
        headers.set("Content-Type", Problem.contentType)
        try respond(problem.status, headers: headers, body: problem.encoded())
    }
}

/// The body of the request a handler is serving.
///
/// Reads copy straight into memory the caller owns, so a raw float32 vector can land in its
/// final array. A `Content-Length` body over 64 KiB goes from the socket into that memory
/// (only bytes that arrived together with the head pass through the connection's 64 KiB input
/// buffer); a smaller one is received into that input buffer before the handler runs (so a slow
/// client never holds a handler thread) and copied out once. With `Expect: 100-continue`
/// nothing is read until the handler asks, so it may reject from the head alone (e.g. 413, 415,
/// 422 from `Content-Length`): the `100 Continue` is sent on the first read, and never if the
/// handler answers first. A handler that answers without reading a body of over 64 KiB gets
/// its connection closed after the answer (with `Connection: close`).
///
/// Only valid during the handler call, on the handler's thread.
public final class RequestBody {
    private var connection: Connection?

    init(connection: Connection) { self.connection = connection }

    func invalidate() { connection = nil }

    /// The declared length (`Content-Length`, 0 when there is no body); nil for a chunked body.
    public var declaredLength: Int? { connection?.exchangeRequestLength }

    /// Copies the next body bytes into `buffer`, waiting for them if needed. Returns how many
    /// were copied; 0 means the body has ended.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPIOError) -> Int {
        guard let connection else { throw .misuse("RequestBody used after its handler returned") }
        return try connection.readBody(into: buffer)
    }

    /// Fills `buffer` from the body until it is full or the body ends; returns the bytes copied.
    /// A caller expecting exactly `buffer.count` bytes compares the result and, to be sure
    /// nothing follows, checks ``read(into:)`` returns 0 (or trusts ``declaredLength``).
    public func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPIOError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// Reads the whole body into a new array, for small documents such as JSON. Throws
    /// ``HTTPIOError/invalidBody(_:)`` with ``HTTPParseError/bodyTooLarge`` beyond `limit` bytes.
    public func readAll(limit: Int = 16 << 20) throws(HTTPIOError) -> [UInt8] {
        if let declared = declaredLength {
            if declared > limit { throw .invalidBody(.bodyTooLarge) }
            // The length is known: one allocation, filled by the reads without zeroing it first.
            var failure: HTTPIOError?
            let bytes = [UInt8](unsafeUninitializedCapacity: declared) { buffer, count in
                do throws(HTTPIOError) { count = try readFully(into: UnsafeMutableRawBufferPointer(buffer)) } catch { failure = error }
            }
            if let failure { throw failure }
            return bytes
        }
        // Chunked: the length shows only at the end, so the array grows as chunks come.
        var bytes = [UInt8](repeating: 0, count: min(4096, limit))
        var filled = 0
        while true {
            if filled == bytes.count {
                if bytes.count >= limit {
                    // Full at the limit: only an empty read proves the body ended here.
                    var probe: UInt8 = 0
                    let extra = try withUnsafeMutableBytes(of: &probe) { (p) throws(HTTPIOError) -> Int in try read(into: p) }
                    if extra > 0 { throw .invalidBody(.bodyTooLarge) }
                    break
                }
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count + 4096, limit - bytes.count)))
            }
            let n = try bytes.withMutableBytes { (all) throws(HTTPIOError) -> Int in
                try read(into: UnsafeMutableRawBufferPointer(rebasing: all[filled...]))
            }
            if n == 0 { break }
            filled += n
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}

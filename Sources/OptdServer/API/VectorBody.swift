import HTTP1
import OptimizerCore

/// Reads a vector request body (a step's gradient, new parameters) of exactly `vector.count`
/// float32s into `vector`, overwriting it whole (or throwing).
///
/// A raw body is read straight into `vector`; its length is checked against
/// `Content-Length` before anything is read, so a wrong size is refused without an upload
/// (`Expect: 100-continue`), and its floats are checked for NaN and infinity as they arrive
/// (the returned `FiniteCheck`, which the step then needs not repeat). A JSON body is an array,
/// or an object whose only key is `objectKey` (`{"gradient": [...]}`), parsed straight into the
/// buffer; it returns nil (unchecked).
enum VectorBody {
    @discardableResult
    static func read(_ request: HTTPRequest, _ body: RequestBody, as representation: VectorRepresentation,
                     into vector: FloatBuffer, objectKey: String, maxBytes: Int) throws -> FiniteCheck? {
        switch representation {
        case .raw:
            return try readRaw(request, body, into: vector)
        case .json:
            try readJSON(body, into: vector, objectKey: objectKey, maxBytes: maxBytes)
            return nil
        }
    }

    /// Refuses a raw body whose declared length is not `size` float32s, from the head alone.
    static func checkRawLength(_ request: HTTPRequest, size: Int) throws(ServiceError) {
        if let declared = request.contentLength, declared != size * 4 {
            throw ServiceError.lengthMismatch(expected: size, got: declared / 4, bytes: declared)
        }
    }

    /// Each read's worth (64 KB to 1.6 MB on loopback) is scanned for NaN and infinity right
    /// after the kernel copied it in, while it is likely still in this core's caches, instead of
    /// in a pass of its own over the whole vector under the session lock (perf: 4 % of a
    /// 1M-float step before, 2.5 to 3.9 % now, most of the gain from `FiniteScan`'s AVX2 form).
    /// A bad value is only recorded: the step refuses it, after its `If-Match` and idempotency
    /// checks, as it refuses one it finds itself.
    private static func readRaw(_ request: HTTPRequest, _ body: RequestBody, into vector: FloatBuffer) throws -> FiniteCheck {
        let size = vector.count
        let expectedBytes = size * 4
        try checkRawLength(request, size: size)
        let raw = UnsafeMutableRawBufferPointer(vector.buffer)
        let floats = UnsafeBufferPointer(vector.buffer)
        var check = FiniteCheck()
        var got = 0
        while got < expectedBytes {
            let n = try body.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[got...]))
            if n == 0 { break }
            got += n
            // Only whole floats; a float split between two reads is scanned after the second.
            let whole = got / 4
            fromLittleEndian(UnsafeMutableBufferPointer(rebasing: vector.buffer[check.checked..<whole]))
            check.scan(floats, upTo: whole)
        }
        if got < expectedBytes { throw ServiceError.lengthMismatch(expected: size, got: got / 4, bytes: got) }
        try expectEnd(body, size: size)
        return check
    }

    /// Reads a raw body of exactly `size` float32s into `spool`, a block of `block.count` floats
    /// at a time, checking every float is finite on the way; the body is never whole in memory.
    /// After a NaN or infinity the rest is still read (and dropped) so the client gets its 422.
    static func spoolRaw(_ request: HTTPRequest, _ body: RequestBody, size: Int, into spool: GradientSpool,
                         block: FloatBuffer) throws {
        try checkRawLength(request, size: size)
        var offset = 0
        var check = FiniteCheck()
        while offset < size {
            let n = min(block.count, size - offset)
            let got = try body.readFully(into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(block.buffer)[0..<n * 4]))
            if got < n * 4 {
                throw ServiceError.lengthMismatch(expected: size, got: (offset * 4 + got) / 4, bytes: offset * 4 + got)
            }
            let floats = UnsafeMutableBufferPointer(rebasing: block.buffer[0..<n])
            fromLittleEndian(floats)
            check.scan(next: UnsafeBufferPointer(floats))
            if check.firstNonFinite == nil {
                do throws(PersistenceError) { try spool.write(UnsafeBufferPointer(floats), at: offset) } catch {
                    throw ServiceError.storageFailed("could not park the gradient: \(error)")
                }
            }
            offset += n
        }
        try expectEnd(body, size: size)
        if let firstNonFinite = check.firstNonFinite { throw ServiceError.nonFinite(index: firstNonFinite) }
    }

    /// A chunked body may run on past the size: counts what follows without keeping it.
    private static func expectEnd(_ body: RequestBody, size: Int) throws {
        var extra = 0
        try withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 16) { scratch in
            while true {
                let n = try body.read(into: scratch)
                if n == 0 { break }
                extra += n
            }
        }
        if extra > 0 {
            throw ServiceError.lengthMismatch(expected: size, got: (size * 4 + extra) / 4, bytes: size * 4 + extra)
        }
    }

    private static func fromLittleEndian(_ floats: UnsafeMutableBufferPointer<Float>) {
        #if _endian(big)
        for i in floats.indices { floats[i] = Float(bitPattern: UInt32(littleEndian: floats[i].bitPattern)) }
        #endif
    }

    private static func readJSON(_ body: RequestBody, into vector: FloatBuffer, objectKey: String, maxBytes: Int) throws {
        let size = vector.count
        let bytes = try body.readAll(limit: maxBytes)
        var found = false
        var unknown: String?
        let count = try bytes.withBytesTyped { (raw) throws(ServiceError) -> Int in
            var reader = JSONReader(raw)
            var sink = FloatSink(into: vector.buffer)
            do throws(JSONDecodeError) {
                reader.skipWhitespace()
                if reader.peek() == UInt8(ascii: "{") {
                    try reader.readObject { (key, r) throws(JSONDecodeError) in
                        if key == objectKey {
                            try r.readFloatArray(into: &sink)
                            found = true
                        } else {
                            unknown = unknown ?? key
                            _ = try r.readValue()
                        }
                    }
                } else {
                    found = true
                    try reader.readFloatArray(into: &sink)
                }
                try reader.expectEnd()
            } catch {
                throw ServiceError(error)
            }
            return sink.count
        }
        if let unknown { throw ServiceError.invalidJSON("unknown field \"\(unknown)\"; expected {\"\(objectKey)\": [...]} or an array") }
        if !found { throw ServiceError.invalidJSON("missing \"\(objectKey)\"") }
        if count != size { throw ServiceError.lengthMismatch(expected: size, got: count, bytes: nil) }
    }
}

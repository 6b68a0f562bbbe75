import HTTP1
import OptimizerCore

/// Reads a vector request body (a step's gradient, new parameters) of exactly `size` float32s.
///
/// A raw body is read straight into the returned buffer; its length is checked against
/// `Content-Length` before anything is read, so a wrong size is refused without an upload
/// (`Expect: 100-continue`). A JSON body is an array, or an object whose only key is
/// `objectKey` (`{"gradient": [...]}`), parsed straight into the buffer.
enum VectorBody {
    static func read(_ request: HTTPRequest, _ body: RequestBody, as representation: VectorRepresentation,
                     size: Int, objectKey: String, maxBytes: Int) throws -> FloatBuffer {
        switch representation {
        case .raw: try readRaw(request, body, size: size)
        case .json: try readJSON(body, size: size, objectKey: objectKey, maxBytes: maxBytes)
        }
    }

    private static func readRaw(_ request: HTTPRequest, _ body: RequestBody, size: Int) throws -> FloatBuffer {
        let expectedBytes = size * 4
        if let declared = request.contentLength, declared != expectedBytes {
            throw ServiceError.lengthMismatch(expected: size, got: declared / 4, bytes: declared)
        }
        let vector = FloatBuffer(count: size)
        let raw = UnsafeMutableRawBufferPointer(vector.buffer)
        let got = try body.readFully(into: raw)
        if got < expectedBytes { throw ServiceError.lengthMismatch(expected: size, got: got / 4, bytes: got) }
        // A chunked body may run on past the size: count what follows without keeping it.
        var extra = 0
        try withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 16) { scratch in
            while true {
                let n = try body.read(into: scratch)
                if n == 0 { break }
                extra += n
            }
        }
        if extra > 0 {
            throw ServiceError.lengthMismatch(expected: size, got: (expectedBytes + extra) / 4, bytes: expectedBytes + extra)
        }
        #if _endian(big)
        for i in 0..<size { vector[i] = Float(bitPattern: UInt32(littleEndian: vector[i].bitPattern)) }
        #endif
        return vector
    }

    private static func readJSON(_ body: RequestBody, size: Int, objectKey: String, maxBytes: Int) throws -> FloatBuffer {
        let bytes = try body.readAll(limit: maxBytes)
        let vector = FloatBuffer(count: size)
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
        return vector
    }
}

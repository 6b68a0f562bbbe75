import HTTP1
import OptimizerCore

/// A sparse step's body, told apart from a dense one by its media type (so a dense JSON step
/// stays one streaming parse):
///
/// - `application/vnd.optd.sparse+json`: `{"indices": [i, ...], "values": [v, ...]}`; indices
///   are integers, values numbers (finite float32), both arrays of the same length.
/// - `application/vnd.optd.sparse`: little-endian, no padding:
///
///       u32 count | count × i32 indices | count × f32 values      (4 + 8·count bytes)
///
///   A `Content-Length` other than 4 + 8·count (or not of that form) is refused from the head.
///
/// Indices may repeat (summed, as torch coalesces) and come in any order. Coordinates are
/// int32, so a sparse step addresses at most the first 2^31 − 1 parameters.
enum SparseBody {
    enum Format { case json, binary }

    static let jsonType = "application/vnd.optd.sparse+json"
    static let binaryType = "application/vnd.optd.sparse"

    static func format(of headers: HTTPHeaders) -> Format? {
        guard let value = headers["Content-Type"] else { return nil }
        // The dense types as clients spell them on every step: not sparse, without parsing.
        if value == "application/octet-stream" || value == "application/json" { return nil }
        switch VectorRepresentation.mediaType(value) {
        case jsonType: return .json
        case binaryType: return .binary
        default: return nil
        }
    }

    static func read(_ request: HTTPRequest, _ body: RequestBody, as format: Format, maxBytes: Int) throws -> SparseGradient {
        switch format {
        case .binary: try readBinary(request, body, maxBytes: maxBytes)
        case .json: try readJSON(body, maxBytes: maxBytes)
        }
    }

    private static func readBinary(_ request: HTTPRequest, _ body: RequestBody, maxBytes: Int) throws -> SparseGradient {
        if let declared = request.contentLength, declared < 4 || (declared - 4) % 8 != 0 {
            throw ServiceError.invalidSparseBody("a \(binaryType) body is 4 + 8·count bytes; Content-Length is \(declared)")
        }
        let bytes = try body.readAll(limit: maxBytes)
        guard bytes.count >= 4 else { throw ServiceError.invalidSparseBody("the body has \(bytes.count) bytes; it starts with a 4-byte count") }
        return try bytes.withBytesTyped { (p) throws(ServiceError) -> SparseGradient in
            let count = Int(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
            guard p.count == 4 + 8 * count else {
                throw .invalidSparseBody("count \(count) needs \(4 + 8 * count) bytes; the body has \(p.count)")
            }
            let indices = (0..<count).map { Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 + 4 * $0, as: Int32.self)) }
            let values = (0..<count).map {
                Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 + 4 * count + 4 * $0, as: UInt32.self)))
            }
            return SparseGradient(indices: indices, values: values)
        }
    }

    private static func readJSON(_ body: RequestBody, maxBytes: Int) throws -> SparseGradient {
        let bytes = try body.readAll(limit: maxBytes)
        var indices: [Int32]?
        var values: [Float]?
        var problem: ServiceError?
        try bytes.withBytesTyped { (raw) throws(ServiceError) in
            var reader = JSONReader(raw)
            do throws(JSONDecodeError) {
                reader.skipWhitespace()
                guard reader.peek() == UInt8(ascii: "{") else { throw reader.fail("a sparse body is {\"indices\": [...], \"values\": [...]}") }
                try reader.readObject { (key, r) throws(JSONDecodeError) in
                    switch key {
                    case "values":
                        guard r.peek() == UInt8(ascii: "[") else { throw r.fail("values must be an array of numbers") }
                        var sink = FloatSink(growingFrom: 64)
                        try r.readFloatArray(into: &sink)
                        values = Array(sink.stored)
                    case "indices":
                        guard case .array(let items) = try r.readValue() else { throw r.fail("indices must be an array of integers") }
                        var parsed: [Int32] = []
                        parsed.reserveCapacity(items.count)
                        for (k, item) in items.enumerated() {
                            guard case .number(let x) = item, x == x.rounded() else {
                                problem = problem ?? .invalidJSON("indices[\(k)] is not an integer")
                                continue
                            }
                            guard x >= Double(Int32.min), x <= Double(Int32.max) else {
                                problem = problem ?? .indexOutOfRange("indices[\(k)] = \(ConfigValue.number(x).summary) is not a coordinate")
                                continue
                            }
                            parsed.append(Int32(x))
                        }
                        indices = parsed
                    default:
                        problem = problem ?? .invalidJSON("unknown field \"\(key)\"; a sparse body has indices and values")
                        _ = try r.readValue()
                    }
                }
                try reader.expectEnd()
            } catch {
                throw ServiceError(error)
            }
        }
        if let problem { throw problem }
        guard let indices, let values else { throw ServiceError.invalidJSON("a sparse body has both indices and values") }
        return SparseGradient(indices: indices, values: values)
    }
}

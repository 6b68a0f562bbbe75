import OptimizerCore

/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a
/// JSON header naming each tensor's dtype, shape and byte range, then the tensor bytes.
///
/// optd writes only 1-D F32 tensors. The decoder trusts nothing: it checks the header length
/// against the file, every offset and length against the buffer, that tensors tile the buffer
/// exactly, and the dtypes and shapes, before reading a byte of data.
enum Safetensors {
    struct Tensor {
        let name: String
        let values: FloatBuffer
    }

    struct File {
        var metadata: [String: String]
        var tensors: [Tensor]
    }

    enum DecodeError: Error, Equatable {
        case invalid(String)
    }

    /// Largest header accepted (the reference implementation uses 100 MB).
    static let maxHeaderBytes = 100_000_000

    // MARK: Encoding

    /// The 8-byte length and the JSON header, padded with spaces to a multiple of 8 as the
    /// reference implementation does, for tensors laid out in the given order.
    static func header(metadata: [String: String], tensors: [(name: String, count: Int)]) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 512)
        writer.raw("{\"__metadata__\":{")
        for (i, key) in metadata.keys.sorted().enumerated() {
            if i > 0 { writer.raw(",") }
            writer.string(key)
            writer.raw(":")
            writer.string(metadata[key]!)
        }
        writer.raw("}")
        var offset = 0
        for tensor in tensors {
            writer.raw(",")
            writer.string(tensor.name)
            writer.raw(":{\"dtype\":\"F32\",\"shape\":[")
            writer.number(Double(tensor.count))
            writer.raw("],\"data_offsets\":[")
            writer.number(Double(offset))
            writer.raw(",")
            offset += tensor.count * 4
            writer.number(Double(offset))
            writer.raw("]}")
        }
        writer.raw("}")
        var json = writer.bytes
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        return out
    }

    /// Total file size for these tensors.
    static func size(header: [UInt8], tensors: [Tensor]) -> Int {
        header.count + tensors.reduce(0) { $0 + $1.values.count * 4 }
    }

    /// Writes the file through `sink`: the header, then each tensor's bytes straight from its
    /// buffer. One encoder for the snapshot file and the checkpoint download.
    static func encode(_ file: File, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let head = header(metadata: file.metadata, tensors: file.tensors.map { ($0.name, $0.values.count) })
        try head.withUnsafeBytes { try sink($0) }
        for tensor in file.tensors {
            #if _endian(big)
            let le = tensor.values.array.map { $0.bitPattern.littleEndian }
            try le.withUnsafeBytes { try sink($0) }
            #else
            try sink(UnsafeRawBufferPointer(tensor.values.buffer))
            #endif
        }
    }

    static func encode(_ file: File) -> [UInt8] {
        var out: [UInt8] = []
        try! encode(file) { out.append(contentsOf: $0) }
        return out
    }

    // MARK: Decoding

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> File {
        guard bytes.count >= 8 else { throw .invalid("shorter than the 8-byte header length") }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength >= 2, headerLength <= UInt64(min(maxHeaderBytes, bytes.count - 8)) else {
            throw .invalid("header length \(headerLength) does not fit the file of \(bytes.count) bytes")
        }
        let dataStart = 8 + Int(headerLength)
        let header: ConfigValue
        do throws(JSONDecodeError) {
            var reader = JSONReader(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]))
            header = try reader.readValue()
            try reader.expectEnd()
        } catch {
            throw .invalid("header: \(error.message)")
        }
        guard case .object(let entries) = header else { throw .invalid("header is not a JSON object") }

        var metadata: [String: String] = [:]
        var layout: [(name: String, begin: Int, end: Int)] = []
        for (name, entry) in entries {
            if name == "__metadata__" {
                guard case .object(let fields) = entry else { throw .invalid("__metadata__ is not an object") }
                for (key, value) in fields {
                    guard case .string(let text) = value else { throw .invalid("metadata \(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard case .object(let info) = entry, info.count == 3 else { throw .invalid("tensor \(name): malformed entry") }
            guard info["dtype"] == .string("F32") else { throw .invalid("tensor \(name): dtype is not F32") }
            guard case .array(let shape)? = info["shape"], shape.count == 1, case .number(let n) = shape[0],
                  n >= 0, n == n.rounded(), n < 1e15 else {
                throw .invalid("tensor \(name): shape is not [n]")
            }
            guard case .array(let offsets)? = info["data_offsets"], offsets.count == 2,
                  case .number(let b) = offsets[0], case .number(let e) = offsets[1],
                  b >= 0, e >= b, b == b.rounded(), e == e.rounded(), e <= Double(bytes.count - dataStart) else {
                throw .invalid("tensor \(name): data_offsets outside the buffer")
            }
            guard e - b == n * 4 else { throw .invalid("tensor \(name): \(Int(e - b)) bytes for shape [\(Int(n))]") }
            layout.append((name, Int(b), Int(e)))
        }
        // The tensors must tile the data buffer exactly: no gap, no overlap, nothing after.
        layout.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        for t in layout {
            guard t.begin == cursor else { throw .invalid("tensor \(t.name) leaves a gap or overlaps at byte \(t.begin)") }
            cursor = t.end
        }
        guard cursor == bytes.count - dataStart else {
            throw .invalid("tensors cover \(cursor) bytes of a \(bytes.count - dataStart)-byte buffer")
        }
        var tensors: [Tensor] = []
        for t in layout {
            let values = FloatBuffer(count: (t.end - t.begin) / 4)
            UnsafeMutableRawBufferPointer(values.buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(dataStart + t.begin)..<(dataStart + t.end)]))
            #if _endian(big)
            for i in 0..<values.count { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
            #endif
            tensors.append(Tensor(name: t.name, values: values))
        }
        return File(metadata: metadata, tensors: tensors)
    }
}

import OptimizerCore

/// One acknowledged change, as the journal stores it. On disk:
///
///     u32 payload length | u32 CRC-32 of the payload | payload
///     payload = u8 kind | u64 lsn | u16 id length | id | body
///
/// (little-endian). Replaying a session's records in order over its snapshot rebuilds exactly
/// the state that was acknowledged: the optimizer is deterministic.
struct JournalRecord {
    enum Kind: UInt8 {
        /// body: a session file (safetensors), as for create and PUT checkpoint.
        case put = 1
        /// body: u16 key length | key | float32 gradient.
        case step = 2
        /// body: the PATCH's hyperparameters as JSON.
        case patch = 3
        /// body: float32 parameters.
        case params = 4
        /// no body.
        case delete = 5
        /// First record of every segment: its LSN is the last one used before the segment
        /// began, so numbering survives the deletion of older segments. No id, no body.
        case base = 6
        /// body: u16 key length | key | sparse gradient (JournalRecord+Sparse.swift).
        case sparse = 7
    }

    let kind: Kind
    let lsn: UInt64
    let id: String
    let body: [UInt8]
    /// Step and sparse records: the Idempotency-Key ("" when none; an aggregated round's
    /// workers' scoped keys separated by spaces).
    var key: String = ""

    static let headerBytes = 8

    /// Appends the framed record to `out`. `vector`, when given, is appended as the body's tail
    /// straight from its buffer.
    static func frame(kind: Kind, lsn: UInt64, id: String, key: String? = nil, body: [UInt8] = [],
                      vector: FloatBuffer? = nil, into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        out.append(kind.rawValue)
        withUnsafeBytes(of: lsn.littleEndian) { out.append(contentsOf: $0) }
        let idBytes = Array(id.utf8)
        withUnsafeBytes(of: UInt16(idBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: idBytes)
        if let key {
            let keyBytes = Array(key.utf8)
            withUnsafeBytes(of: UInt16(keyBytes.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: keyBytes)
        }
        out.append(contentsOf: body)
        if let vector {
            #if _endian(big)
            for v in vector.array { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            #else
            out.append(contentsOf: UnsafeRawBufferPointer(vector.buffer))
            #endif
        }
        let payloadLength = out.count - start - headerBytes
        let crc = out.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + headerBytes)...])) }
        withUnsafeBytes(of: UInt32(payloadLength).littleEndian) { p in
            for i in 0..<4 { out[start + i] = p[i] }
        }
        withUnsafeBytes(of: crc.littleEndian) { p in
            for i in 0..<4 { out[start + 4 + i] = p[i] }
        }
    }

    /// What reading a journal found.
    enum Scan {
        /// Every record, all intact.
        case complete([JournalRecord])
        /// The last record is incomplete or fails its CRC and nothing follows it: a write cut
        /// short by a crash. `validBytes` is where to truncate.
        case tornTail([JournalRecord], validBytes: Int)
        /// A bad record with more data after it: damage, not a torn write.
        case corrupt([JournalRecord], atByte: Int)
    }

    static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
        var records: [JournalRecord] = []
        var offset = 0
        while offset < bytes.count {
            guard let (record, end) = parse(bytes, at: offset) else {
                // A crash can only cut the last write short: the bad bytes are a torn tail if no
                // intact record follows them; an intact record after them means damage.
                return intactRecord(in: bytes, after: offset)
                    ? .corrupt(records, atByte: offset)
                    : .tornTail(records, validBytes: offset)
            }
            records.append(record)
            offset = end
        }
        return .complete(records)
    }

    /// The record at `offset` and where it ends, if it is complete and its CRC matches.
    private static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (JournalRecord, Int)? {
        guard bytes.count - offset >= headerBytes else { return nil }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        let crc = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
        let end = offset + headerBytes + length
        guard length >= 11, end <= bytes.count else { return nil }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + headerBytes)..<end])
        guard CRC32.checksum(payload) == crc, let record = decode(payload) else { return nil }
        return (record, end)
    }

    /// Whether an intact record starts anywhere after `offset` (a slow scan, run only when a
    /// bad record was found).
    private static func intactRecord(in bytes: UnsafeRawBufferPointer, after offset: Int) -> Bool {
        var candidate = offset + 1
        while candidate + headerBytes + 11 <= bytes.count {
            if parse(bytes, at: candidate) != nil { return true }
            candidate += 1
        }
        return false
    }

    private static func decode(_ p: UnsafeRawBufferPointer) -> JournalRecord? {
        guard p.count >= 11, let kind = Kind(rawValue: p[0]) else { return nil }
        let lsn = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
        let idLength = Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 9, as: UInt16.self)))
        var offset = 11 + idLength
        guard offset <= p.count, let id = String(validating: p[11..<offset], as: UTF8.self) else { return nil }
        var key = ""
        if kind == .step || kind == .sparse {
            guard offset + 2 <= p.count else { return nil }
            let keyLength = Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            guard offset + 2 + keyLength <= p.count, let k = String(validating: p[(offset + 2)..<(offset + 2 + keyLength)], as: UTF8.self) else { return nil }
            key = k
            offset += 2 + keyLength
        }
        var record = JournalRecord(kind: kind, lsn: lsn, id: id, body: Array(p[offset...]))
        record.key = key
        return record
    }

    /// The float32s of a step or params body.
    var floats: FloatBuffer? {
        guard body.count % 4 == 0 else { return nil }
        let values = FloatBuffer(count: body.count / 4)
        body.withUnsafeBytes { UnsafeMutableRawBufferPointer(values.buffer).copyMemory(from: $0) }
        #if _endian(big)
        for i in 0..<values.count { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
        #endif
        return values
    }
}

/// Buffers small writes (the header) and passes large ones (tensors) straight through.
struct StagingWriter {
    let fd: Int32
    let path: String
    private var buffer: [UInt8] = []
    private(set) var total = 0

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(1 << 20)
    }

    mutating func append(_ chunk: UnsafeRawBufferPointer) throws(PersistenceError) {
        total += chunk.count
        if buffer.count + chunk.count <= 1 << 20 {
            buffer.append(contentsOf: chunk)
            return
        }
        try flush()
        try FileIO.writeAll(fd, chunk, path: path)
    }

    mutating func flush() throws(PersistenceError) {
        guard !buffer.isEmpty else { return }
        try buffer.withBytesTyped { (raw) throws(PersistenceError) in try FileIO.writeAll(fd, raw, path: path) }
        buffer.removeAll(keepingCapacity: true)
    }
}

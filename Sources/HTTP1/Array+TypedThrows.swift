/// `withUnsafeBytes` is `rethrows`, which erases typed errors to `any Error`; these keep them.
extension Array where Element == UInt8 {
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(HTTPIOError) -> R) throws(HTTPIOError) -> R {
        let result = withUnsafeBytes { bytes in Result { () throws(HTTPIOError) -> R in try body(bytes) } }
        return try result.get()
    }

    mutating func withMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws(HTTPIOError) -> R) throws(HTTPIOError) -> R {
        let result = withUnsafeMutableBytes { bytes in Result { () throws(HTTPIOError) -> R in try body(bytes) } }
        return try result.get()
    }
}

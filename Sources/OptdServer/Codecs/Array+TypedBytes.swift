extension Array where Element == UInt8 {
    /// `withUnsafeBytes` keeping the body's error type (the standard one rethrows `any Error`).
    func withBytesTyped<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withUnsafeBytes { raw in
            do throws(E) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

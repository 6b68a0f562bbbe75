/// Why a JSON request document was refused.
package enum JSONDecodeError: Error, Equatable, Sendable {
    /// Not JSON (RFC 8259), or JSON this service does not take (duplicate keys, nesting deeper
    /// than 64). `offset` is the byte where reading stopped.
    case syntax(offset: Int, reason: String)
    /// Vector element `index` is NaN or infinite, or a number beyond float32's range (1e39).
    case nonFinite(index: Int)

    var message: String {
        switch self {
        case let .syntax(offset, reason): "invalid JSON at byte \(offset): \(reason)"
        case let .nonFinite(index): "element \(index) is not a finite float32"
        }
    }
}

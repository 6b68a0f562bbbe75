#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: the call's name and the `errno` it left behind.
///
/// Every syscall wrapper in this module throws this and nothing else, so a log line always says
/// which call failed and why (`accept4: Too many open files (24)`).
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name of the failing call, e.g. `"bind"`.
    public var call: String
    /// The `errno` value observed right after the call.
    public var errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call): \(String(cString: strerror(errno))) (\(errno))"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Float32 helpers that reproduce how the frameworks round.
///
/// Both frameworks round a Python-float hyperparameter to float32 when it meets a float32 tensor,
/// and XLA's float32 `pow`, `cos` and `log` are correctly rounded (reference/optimizers.md §12).
/// Going through Double and rounding once gives that result, unlike Float overloads of unknown
/// accuracy.
public enum F32 {
    @inline(__always) public static func round(_ x: Double) -> Float { Float(x) }

    public static func pow(_ base: Float, _ exponent: Float) -> Float {
        Float(Glibc.pow(Double(base), Double(exponent)))
    }

    public static func cos(_ x: Float) -> Float { Float(Glibc.cos(Double(x))) }

    public static func log(_ x: Float) -> Float { Float(Glibc.log(Double(x))) }

    public static func floor(_ x: Float) -> Float { x.rounded(.down) }

    public static func ceil(_ x: Float) -> Float { x.rounded(.up) }
}

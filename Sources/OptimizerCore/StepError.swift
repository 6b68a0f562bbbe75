/// Why a gradient (or a replacement parameter vector) was refused. Nothing was changed.
public enum StepError: Error, Sendable, Equatable {
    /// The vector's length is not the session's size.
    case lengthMismatch(expected: Int, got: Int)
    /// Element `index` is NaN or infinite.
    case nonFinite(index: Int)

    public var message: String {
        switch self {
        case let .lengthMismatch(expected, got): "expected \(expected) values, got \(got)"
        case let .nonFinite(index): "element \(index) is not a finite float32"
        }
    }
}

/// Why saved state cannot be restored into an optimizer.
public enum StateError: Error, Sendable, Equatable {
    case missingSlot(String)
    case unexpectedSlot(String)
    case slotSize(name: String, expected: Int, got: Int)
    case negativeStep(Int)
    case stepTooLarge(Int)

    public var message: String {
        switch self {
        case .missingSlot(let name): "state tensor '\(name)' is missing"
        case .unexpectedSlot(let name): "state tensor '\(name)' does not belong to this optimizer"
        case let .slotSize(name, expected, got): "state tensor '\(name)' has \(got) elements, expected \(expected)"
        case .negativeStep(let step): "step \(step) is negative"
        case .stepTooLarge(let step): "step \(step) is beyond \(Optimizer.maxStep)"
        }
    }
}

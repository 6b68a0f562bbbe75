/// A named optimizer state buffer. The names are the frameworks' own (torch's `exp_avg`, Keras's
/// `velocity`, ...) and become the tensor names of a session's snapshot.
public struct Slot: Sendable {
    public let name: String
    public let buffer: FloatBuffer

    public init(name: String, buffer: FloatBuffer) {
        self.name = name
        self.buffer = buffer
    }
}

/// What a slot holds before the first step.
enum SlotInitial: Equatable {
    case zeros
    /// `initial_accumulator_value` (Adagrad).
    case accumulator
    /// A copy of the parameters (the EMA: before the first update the average is the parameters).
    case params
    /// Created by the first step that needs it (torch SGD's `momentum_buffer` starts as a copy of
    /// that step's gradient, not as zeros).
    case lazy
}

struct SlotSpec {
    let name: String
    let initial: SlotInitial
}

extension OptimizerConfig {
    /// The state buffers this configuration uses, in a stable order.
    var slotSpecs: [SlotSpec] {
        Self.slotSpecs(kind, convention, momentum: momentum != 0, centered: centered, amsgrad: amsgrad,
                       accumulating: gradientAccumulationSteps != nil, ema: useEMA)
    }

    /// Every buffer an optimizer of this kind and convention can hold (a restored session may
    /// keep buffers its current configuration no longer uses).
    var possibleSlotNames: Set<String> {
        Set(Self.slotSpecs(kind, convention, momentum: true, centered: true, amsgrad: true, accumulating: true, ema: true).map(\.name))
    }

    private static func slotSpecs(_ kind: OptimizerKind, _ convention: Convention, momentum: Bool, centered: Bool,
                                  amsgrad: Bool, accumulating: Bool, ema: Bool) -> [SlotSpec] {
        var specs: [SlotSpec] = []
        func add(_ name: String, _ initial: SlotInitial = .zeros) { specs.append(SlotSpec(name: name, initial: initial)) }
        switch (kind, convention) {
        case (.sgd, .keras):
            if momentum { add("momentum") }
        case (.sgd, .pytorch):
            if momentum { add("momentum_buffer", .lazy) }
        case (.adagrad, .keras):
            add("accumulator", .accumulator)
        case (.adagrad, .pytorch):
            add("sum", .accumulator)
        case (.rmsprop, .keras):
            add("velocity")
            if momentum { add("momentum") }
            if centered { add("average_gradient") }
        case (.rmsprop, .pytorch):
            add("square_avg")
            if momentum { add("momentum_buffer") }
            if centered { add("grad_avg") }
        case (.adam, .keras), (.adamw, .keras):
            add("momentum")
            add("velocity")
            if amsgrad { add("velocity_hat") }
        case (.adam, .pytorch), (.adamw, .pytorch):
            add("exp_avg")
            add("exp_avg_sq")
            if amsgrad { add("max_exp_avg_sq") }
        }
        if convention == .keras {
            if accumulating { add("accumulated_gradient") }
            if ema { add("ema_average", .params) }
        }
        return specs
    }
}

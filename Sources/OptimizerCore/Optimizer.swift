/// One optimizer session's numerical state: its configuration, parameters, named state buffers
/// and step count, and the update that moves them.
///
/// `step` counts accepted gradients (Keras's raw `_iterations`). With gradient accumulation the
/// parameters move on every N-th; otherwise every step is an update. A gradient is checked in
/// full before anything changes, so a rejected one leaves the optimizer exactly as it was.
///
/// Non-copyable: its buffers are mutated in place, so a copy would silently share them. Use
/// `restoring` with copied buffers for a real copy. Not thread-safe: the owner serialises access.
public struct Optimizer: ~Copyable, Sendable {
    public private(set) var config: OptimizerConfig
    public let params: FloatBuffer
    /// State buffers in a stable order; see `OptimizerConfig.slotSpecs` for the names.
    public private(set) var slots: [Slot]
    public internal(set) var step: Int

    /// Restored step counts stay far from overflow and exact in a double (2^53).
    public static let maxStep = 1 << 53

    public var size: Int { params.count }

    /// A fresh optimizer over `params` (which it takes ownership of), state at its initial values.
    public init(config: OptimizerConfig, params: FloatBuffer) {
        self.config = config
        self.params = params
        self.slots = []
        self.step = 0
        createMissingSlots()
    }

    /// Restores saved state. Every buffer the configuration uses must be present with the
    /// parameters' size; a buffer it does not use now but could hold (kept from an earlier
    /// configuration) is accepted; a lazily created one (torch SGD's momentum) may be absent.
    public init(config: OptimizerConfig, params: FloatBuffer, step: Int, slots saved: [String: FloatBuffer]) throws(StateError) {
        guard step >= 0 else { throw .negativeStep(step) }
        guard step <= Self.maxStep else { throw .stepTooLarge(step) }
        let possible = config.possibleSlotNames
        for name in saved.keys.sorted() where !possible.contains(name) {
            throw .unexpectedSlot(name)
        }
        for spec in config.slotSpecs where saved[spec.name] == nil && spec.initial != .lazy {
            throw .missingSlot(spec.name)
        }
        var slots: [Slot] = []
        for name in saved.keys.sorted() {
            let buffer = saved[name]!
            guard buffer.count == params.count else {
                throw .slotSize(name: name, expected: params.count, got: buffer.count)
            }
            slots.append(Slot(name: name, buffer: buffer))
        }
        self.config = config
        self.params = params
        self.slots = slots
        self.step = step
    }

    public func slot(named name: String) -> FloatBuffer? {
        slots.first { $0.name == name }?.buffer
    }

    /// The Keras EMA of the parameters (`use_ema`), nil when off.
    public var emaAverage: FloatBuffer? { config.useEMA ? slot(named: "ema_average") : nil }

    /// Keras's `iterations` property: updates so far (gradients / N when accumulating N).
    var iterations: Int { config.gradientAccumulationSteps.map { step / $0 } ?? step }

    /// Switches to `newConfig` (same optimizer and convention), keeping the state.
    ///
    /// Before the first step the state is rebuilt from the new configuration, as a framework
    /// builds it at its first update. After it, buffers are kept even when the new
    /// configuration stops using them (as torch's state dict and Keras's variables are), and
    /// buffers it newly needs start at their initial values. Changing
    /// `gradient_accumulation_steps` after the first step is refused: it would drop acknowledged
    /// gradients and move Adam's bias correction.
    public mutating func reconfigure(_ newConfig: OptimizerConfig) throws(ConfigError) {
        precondition(newConfig.kind == config.kind && newConfig.convention == config.convention,
                     "reconfigure keeps the optimizer and convention")
        if step > 0, newConfig.gradientAccumulationSteps != config.gradientAccumulationSteps {
            throw .conflict(field: "gradient_accumulation_steps",
                            reason: "cannot change after the first step (it is \(config.gradientAccumulationSteps.map(String.init) ?? "null"))")
        }
        config = newConfig
        if step == 0 { slots.removeAll() }
        createMissingSlots()
    }

    /// Checks a vector against this optimizer's size and for non-finite elements; `checked` is
    /// a scan already made while the vector was filled, and only what it did not cover is scanned.
    public func validate(_ vector: UnsafeBufferPointer<Float>, checked: FiniteCheck? = nil) throws(StepError) {
        guard vector.count == size else { throw .lengthMismatch(expected: size, got: vector.count) }
        if var checked {
            checked.scan(vector, upTo: vector.count)
            if let index = checked.firstNonFinite { throw .nonFinite(index: index) }
        } else if let index = KernelExecutor.firstNonFinite(vector) {
            throw .nonFinite(index: index)
        }
    }

    /// Overwrites the parameters (PUT params). State buffers are kept; before the first update
    /// the EMA follows (it equals the parameters until then).
    public mutating func replaceParams(with values: UnsafeBufferPointer<Float>) throws(StepError) {
        try validate(values)
        params.assign(from: values)
        if iterations == 0, let average = emaAverage { average.assign(from: values) }
    }

    /// Applies one gradient. `gradient` is the caller's buffer and serves as scratch space (loss
    /// scaling, clipping and averaging happen in place), so a step allocates nothing.
    ///
    /// `checked` is a finiteness scan made while the gradient arrived (see `FiniteCheck`), so it
    /// is not read once more for it. With `answer` (`size` floats, which may be `gradient`
    /// itself), the parameters after the step are also written there, by the update kernel's
    /// own stores where it is their last writer (`ParamsColumn`): the caller's copy without a
    /// second pass.
    ///
    /// `accepted` runs once the gradient has passed validation and before anything uses it as
    /// scratch or changes, e.g. to journal the gradient as received.
    public mutating func apply(gradient: UnsafeMutableBufferPointer<Float>, checked: FiniteCheck? = nil,
                               answer: UnsafeMutableBufferPointer<Float>? = nil, accepted: () -> Void = {}) throws(StepError) {
        try validate(UnsafeBufferPointer(gradient), checked: checked)
        accepted()
        update(validatedGradient: gradient, answer: answer)
    }

    /// `apply` without the check, for benchmarks that time the update alone: the gradient must
    /// have the optimizer's size and hold only finite values.
    package mutating func update(validatedGradient gradient: UnsafeMutableBufferPointer<Float>,
                                 answer: UnsafeMutableBufferPointer<Float>? = nil) {
        precondition(answer.map { $0.count == size } ?? true, "the answer holds the parameters")
        var copied = false
        if size > 0 {
            switch config.convention {
            case .keras: copied = applyKeras(gradient, answer: answer?.baseAddress)
            case .pytorch: copied = applyPyTorch(gradient, answer: answer?.baseAddress)
            }
        }
        // Paths where the kernel is not the parameters' last writer (EMA, accumulation) copy here.
        if let answer, !copied, size > 0 { answer.baseAddress!.update(from: params.base, count: size) }
        step += 1
    }

    private mutating func createMissingSlots() {
        for spec in config.slotSpecs where !slots.contains(where: { $0.name == spec.name }) {
            let buffer: FloatBuffer
            switch spec.initial {
            case .zeros: buffer = FloatBuffer(count: size)
            case .accumulator: buffer = FloatBuffer(count: size, repeating: Float(config.initialAccumulatorValue))
            case .params: buffer = params.copy()
            case .lazy: continue
            }
            slots.append(Slot(name: spec.name, buffer: buffer))
        }
    }

    /// The buffer `name` if the configuration uses it now (`enabled`), else nil: a kept but
    /// unused buffer is left alone, as the frameworks leave theirs.
    func slot(named name: String, if enabled: Bool) -> UnsafeMutablePointer<Float>? {
        enabled ? slot(named: name)?.base : nil
    }

    /// Creates a lazily initialised buffer; returns it and whether it was just created.
    mutating func lazySlot(named name: String) -> (FloatBuffer, created: Bool) {
        if let existing = slot(named: name) { return (existing, false) }
        let buffer = FloatBuffer(count: size)
        slots.append(Slot(name: name, buffer: buffer))
        return (buffer, true)
    }
}

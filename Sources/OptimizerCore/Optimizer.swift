/// One optimizer session's numerical state: its configuration, parameters, named state buffers
/// and step count, and the update that moves them.
///
/// `step` counts accepted gradients (Keras's raw `_iterations`). With gradient accumulation the
/// parameters move on every N-th; otherwise every step is an update. A gradient is checked in
/// full before anything changes, so a rejected one leaves the optimizer exactly as it was.
///
/// Not thread-safe: the owner serialises access (one step at a time per session).
public struct Optimizer: Sendable {
    public private(set) var config: OptimizerConfig
    public let params: FloatBuffer
    /// State buffers in a stable order; see `OptimizerConfig.slotSpecs` for the names.
    public private(set) var slots: [Slot]
    public private(set) var step: Int

    public var size: Int { params.count }

    /// A fresh optimizer over `params` (which it takes ownership of), state at its initial values.
    public init(config: OptimizerConfig, params: FloatBuffer) {
        self.config = config
        self.params = params
        self.slots = []
        self.step = 0
        createMissingSlots()
    }

    /// Restores saved state. Every buffer the configuration needs must be present with the
    /// parameters' size, and no other; a lazily created buffer (torch SGD's momentum) may be absent.
    public init(config: OptimizerConfig, params: FloatBuffer, step: Int, slots saved: [String: FloatBuffer]) throws(StateError) {
        guard step >= 0 else { throw .negativeStep(step) }
        let specs = config.slotSpecs
        for name in saved.keys.sorted() where !specs.contains(where: { $0.name == name }) {
            throw .unexpectedSlot(name)
        }
        var slots: [Slot] = []
        for spec in specs {
            guard let buffer = saved[spec.name] else {
                if spec.initial == .lazy { continue }
                throw .missingSlot(spec.name)
            }
            guard buffer.count == params.count else {
                throw .slotSize(name: spec.name, expected: params.count, got: buffer.count)
            }
            slots.append(Slot(name: spec.name, buffer: buffer))
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
    public var emaAverage: FloatBuffer? { slot(named: "ema_average") }

    /// Switches to `newConfig` (same optimizer and convention), keeping the state that still
    /// applies. Buffers the new configuration adds start at their initial values (as a framework
    /// would create them); buffers it no longer uses are dropped.
    public mutating func reconfigure(_ newConfig: OptimizerConfig) {
        precondition(newConfig.kind == config.kind && newConfig.convention == config.convention,
                     "reconfigure keeps the optimizer and convention")
        config = newConfig
        let specs = newConfig.slotSpecs
        slots.removeAll { slot in !specs.contains { $0.name == slot.name } }
        createMissingSlots()
    }

    /// Checks a vector against this optimizer's size and for non-finite elements.
    public func validate(_ vector: UnsafeBufferPointer<Float>) throws(StepError) {
        guard vector.count == size else { throw .lengthMismatch(expected: size, got: vector.count) }
        // Scan without branching per element, then locate the culprit only if there is one.
        var bad = false
        for x in vector { bad = bad || !x.isFinite }
        if bad, let index = vector.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(index: index) }
    }

    /// Overwrites the parameters (PUT params). State buffers are kept.
    public mutating func replaceParams(with values: UnsafeBufferPointer<Float>) throws(StepError) {
        try validate(values)
        params.assign(from: values)
    }

    /// Applies one gradient. `gradient` is the caller's buffer and serves as scratch space (loss
    /// scaling, clipping and averaging happen in place), so a step allocates nothing.
    public mutating func apply(gradient: UnsafeMutableBufferPointer<Float>) throws(StepError) {
        try validate(UnsafeBufferPointer(gradient))
        switch config.convention {
        case .keras: applyKeras(gradient)
        case .pytorch: applyPyTorch(gradient)
        }
        step += 1
    }

    private mutating func createMissingSlots() {
        for spec in config.slotSpecs where !slots.contains(where: { $0.name == spec.name }) {
            let buffer: FloatBuffer
            switch spec.initial {
            case .zeros: buffer = FloatBuffer(count: size)
            case .constant(let value): buffer = FloatBuffer(count: size, repeating: value)
            case .params: buffer = params.copy()
            case .lazy: continue
            }
            slots.append(Slot(name: spec.name, buffer: buffer))
        }
    }

    /// Creates a lazily initialised buffer; returns it and whether it was just created.
    mutating func lazySlot(named name: String) -> (FloatBuffer, created: Bool) {
        if let existing = slot(named: name) { return (existing, false) }
        let buffer = FloatBuffer(count: size)
        slots.append(Slot(name: name, buffer: buffer))
        return (buffer, true)
    }
}

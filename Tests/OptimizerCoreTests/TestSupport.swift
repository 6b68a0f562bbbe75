@testable import OptimizerCore

/// Deterministic pseudo-random vectors (SplitMix64 → approximately N(0,1) by the sum of uniforms),
/// so tests need no fixtures for "some gradients".
struct Rand {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    mutating func normal() -> Float { (0..<12).reduce(Float(-6)) { acc, _ in acc + uniform() } }

    mutating func vector(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in normal() * scale } }
}

extension Optimizer {
    /// Applies `gradient` (copied, since the optimizer uses its argument as scratch).
    mutating func apply(_ gradient: [Float]) throws {
        var g = gradient
        try g.withUnsafeMutableBufferPointer { try apply(gradient: $0) }
    }

    /// A deep copy through the public restore path, as a snapshot and reload would do.
    func reloaded() throws -> Optimizer {
        var saved: [String: FloatBuffer] = [:]
        for slot in slots { saved[slot.name] = slot.buffer.copy() }
        return try Optimizer(config: config, params: params.copy(), step: step, slots: saved)
    }

    /// Params and every slot (by name), bitwise, with the step.
    func sameState(as other: borrowing Optimizer) -> Bool {
        let mine = slots.sorted { $0.name < $1.name }, theirs = other.slots.sorted { $0.name < $1.name }
        return step == other.step && params == other.params
            && mine.map { $0.name } == theirs.map { $0.name }
            && zip(mine, theirs).allSatisfy { $0.buffer == $1.buffer }
    }
}

func makeOptimizer(_ kind: OptimizerKind, _ convention: Convention, _ hyperparameters: [String: ConfigValue] = [:],
                   params: [Float]) throws -> Optimizer {
    Optimizer(config: try OptimizerConfig(kind: kind, convention: convention, hyperparameters: hyperparameters),
              params: FloatBuffer(params))
}

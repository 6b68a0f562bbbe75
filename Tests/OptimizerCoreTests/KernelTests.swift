import Testing
@testable import OptimizerCore

/// The vectorised, multi-threaded kernels against themselves: a coordinate's result must not
/// depend on where it sits in a lane of 8, on whether its lane is full, or on which thread ran it.
/// The golden tests check the values; these check that long vectors (which the golden cases are
/// not) take the same path to the same bits. CI runs them again with `OPTD_KERNELS=baseline`.
@Suite struct KernelTests {
    /// Every kernel variant: each optimizer's options that switch a state buffer or a branch on.
    static let variants: [(OptimizerKind, Convention, [String: ConfigValue])] = [
        (.sgd, .keras, [:]), (.sgd, .keras, ["momentum": 0.9]), (.sgd, .keras, ["momentum": 0.9, "nesterov": true]),
        (.sgd, .keras, ["weight_decay": 0.01]),
        (.sgd, .pytorch, [:]), (.sgd, .pytorch, ["momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01]),
        (.sgd, .pytorch, ["momentum": 0.9, "nesterov": true, "maximize": true]),
        (.adagrad, .keras, [:]), (.adagrad, .pytorch, ["weight_decay": 0.01, "maximize": true, "lr_decay": 0.01]),
        (.rmsprop, .keras, [:]), (.rmsprop, .keras, ["momentum": 0.9, "centered": true]),
        (.rmsprop, .pytorch, [:]), (.rmsprop, .pytorch, ["momentum": 0.9, "centered": true, "weight_decay": 0.01]),
        (.adam, .keras, [:]), (.adam, .keras, ["amsgrad": true, "weight_decay": 0.01]),
        (.adam, .pytorch, [:]), (.adam, .pytorch, ["amsgrad": true, "weight_decay": 0.01, "maximize": true]),
        (.adamw, .keras, [:]), (.adamw, .pytorch, [:]), (.adamw, .pytorch, ["amsgrad": true]),
    ]

    static func gradients(_ n: Int, steps: Int) -> [[Float]] {
        var rand = Rand(seed: 7)
        return (0..<steps).map { _ in rand.vector(n, scale: 0.1) }
    }

    @Test(arguments: 0..<variants.count)
    func aCoordinateGetsTheSameBitsInAFullLaneAsInAPartialOne(_ index: Int) throws {
        let (kind, convention, options) = Self.variants[index]
        let n = 203
        var rand = Rand(seed: 11)
        let params = rand.vector(n)
        let gradients = Self.gradients(n, steps: 3)
        var whole = try makeOptimizer(kind, convention, options, params: params)
        for gradient in gradients { try whole.apply(gradient) }
        // Pieces of 1 to 7 coordinates: every coordinate goes through a partial lane.
        var start = 0
        while start < n {
            let piece = start..<min(n, start + 1 + start % 7)
            var optimizer = try makeOptimizer(kind, convention, options, params: Array(params[piece]))
            for gradient in gradients { try optimizer.apply(Array(gradient[piece])) }
            let label = "\(kind) \(convention) \(options) coordinates \(piece)"
            #expect(bits(whole.params.array[piece]) == bits(optimizer.params.array), Comment(rawValue: label))
            for slot in optimizer.slots {
                let inWhole = whole.slot(named: slot.name)!.array[piece]
                #expect(bits(inWhole) == bits(slot.buffer.array), Comment(rawValue: label + " " + slot.name))
            }
            start = piece.upperBound
        }
    }

    @Test(arguments: 0..<variants.count)
    func splittingALongVectorBetweenThreadsChangesNoBit(_ index: Int) throws {
        let (kind, convention, options) = Self.variants[index]
        let n = 2 * KernelExecutor.parallelThreshold + 13
        var rand = Rand(seed: 5)
        let params = rand.vector(n)
        let gradients = Self.gradients(n, steps: 2)
        var split = try makeOptimizer(kind, convention, options, params: params)
        var serial = try makeOptimizer(kind, convention, options, params: params)
        for gradient in gradients {
            try KernelExecutor.$maxThreads.withValue(2) { try split.apply(gradient) }
            try KernelExecutor.$maxThreads.withValue(1) { try serial.apply(gradient) }
        }
        let same = split.sameState(as: serial)
        #expect(same)
    }

    /// The chunks threads take turns on cover every coordinate once, each chunk starting on a
    /// cache line (16 floats), whatever the count; a vector too short to share runs on one thread.
    @Test(arguments: [KernelExecutor.parallelThreshold - 1, 2 * KernelExecutor.parallelThreshold,
                      2 * KernelExecutor.parallelThreshold + 13, 1_000_003])
    func chunksCoverEveryCoordinateOnce(_ count: Int) {
        let split = KernelExecutor.$maxThreads.withValue(2) { KernelExecutor.Split(count: count) }
        #expect(split.threads == (count >= 2 * KernelExecutor.parallelThreshold ? 2 : 1))
        var next = 0
        for chunk in 0..<split.chunks {
            let range = split.range(chunk)
            #expect(range.lowerBound == next && range.lowerBound % 16 == 0 && !range.isEmpty)
            next = range.upperBound
        }
        #expect(next == count)
    }

    @Test func aNonFiniteValueIsFoundWhereverItIs() throws {
        let n = 2 * KernelExecutor.parallelThreshold + 13
        for position in [0, 7, 8, n / 2, n - 14, n - 1] {
            for bad in [Float.nan, .infinity, -.infinity] {
                var optimizer = try makeOptimizer(.adam, .keras, params: [Float](repeating: 1, count: n))
                var gradient = [Float](repeating: 0.5, count: n)
                gradient[position] = bad
                var thrown: StepError?
                do { try optimizer.apply(gradient) } catch let error as StepError { thrown = error }
                #expect(thrown == .nonFinite(index: position))
                let unchanged = optimizer.step == 0 && optimizer.params.array.allSatisfy { $0 == 1 }
                #expect(unchanged)
            }
        }
    }

    private func bits(_ values: some Collection<Float>) -> [UInt32] { values.map(\.bitPattern) }
}

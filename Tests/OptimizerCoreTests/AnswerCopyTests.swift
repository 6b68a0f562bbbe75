import Testing
@testable import OptimizerCore

/// `Optimizer.apply(gradient:answer:)`: the parameters after the step written to a second
/// buffer by the update kernel's own stores (`ParamsColumn`), including when that buffer is the
/// gradient itself, as a step's answer is.
@Suite struct AnswerCopyTests {
    /// Every kernel variant, and the Keras paths where the kernel is not the parameters' last
    /// writer (EMA with overwrite) or runs only every other step (accumulation).
    static let variants: [(OptimizerKind, Convention, [String: ConfigValue])] = KernelTests.variants + [
        (.adam, .keras, ["use_ema": true, "ema_overwrite_frequency": 2]),
        (.sgd, .keras, ["gradient_accumulation_steps": 2]),
    ]

    @Test(arguments: 0..<variants.count, [1, 2])
    func theAnswerIsTheParametersAfterTheStepEvenWhenItIsTheGradient(_ index: Int, threads: Int) throws {
        let (kind, convention, options) = Self.variants[index]
        // Split between threads when allowed, with a partial lane at the end.
        let n = 2 * KernelExecutor.parallelThreshold + 13
        var rand = Rand(seed: 3)
        let params = rand.vector(n)
        var answered = try makeOptimizer(kind, convention, options, params: params)
        var plain = try makeOptimizer(kind, convention, options, params: params)
        for gradient in KernelTests.gradients(n, steps: 3) {
            let scratch = FloatBuffer(gradient)
            try KernelExecutor.$maxThreads.withValue(threads) {
                try answered.apply(gradient: scratch.buffer, answer: scratch.buffer)
                try plain.apply(gradient)
            }
            let label = Comment(rawValue: "\(kind) \(convention) \(options) step \(plain.step)")
            #expect(scratch == answered.params, label)
            let same = answered.sameState(as: plain)
            #expect(same, label)
        }
    }

    @Test func aRefusedGradientLeavesTheAnswerBufferAsItWas() throws {
        var optimizer = try makeOptimizer(.adam, .pytorch, params: [1, 2, 3])
        let answer = FloatBuffer([7, 7, 7])
        var gradient: [Float] = [0.1, .nan, 0.1]
        #expect(throws: StepError.nonFinite(index: 1)) {
            try gradient.withUnsafeMutableBufferPointer { try optimizer.apply(gradient: $0, answer: answer.buffer) }
        }
        #expect(answer.array == [7, 7, 7] && optimizer.step == 0)
    }
}

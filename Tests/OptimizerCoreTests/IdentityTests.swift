import Testing
@testable import OptimizerCore

/// Identities between formulas (as optax's `test_rms_match_adam`): two configurations that the
/// frameworks' maths makes equal must give equal trajectories here too.
@Suite struct IdentityTests {
    /// Runs two optimizers on the same gradients and returns the worst SPEC error ratio between
    /// them over all steps (0 = bit-identical throughout).
    func worstRatio(_ a: inout Optimizer, _ b: inout Optimizer, steps: Int = 40, seed: UInt64 = 7,
                    transformB: (([Float]) -> [Float])? = nil) throws -> Double {
        var rand = Rand(seed: seed)
        var worst = 0.0
        for _ in 0..<steps {
            let g = rand.vector(a.size)
            try a.apply(g)
            try b.apply(transformB?(g) ?? g)
            worst = max(worst, Tolerance.worstRatio(b.params.array, a.params.array))
        }
        return worst
    }

    var start: [Float] { var r = Rand(seed: 99); return r.vector(48) }

    @Test(arguments: Convention.allCases)
    func adamwWithoutDecayIsAdam(_ convention: Convention) throws {
        var adam = try makeOptimizer(.adam, convention, convention == .pytorch ? ["weight_decay": 0] : [:], params: start)
        var adamw = try makeOptimizer(.adamw, convention, ["weight_decay": 0], params: start)
        #expect(try worstRatio(&adam, &adamw) == 0)
    }

    /// `keras.optimizers.Adam(weight_decay=x)` is AdamW (the base class decays every optimizer).
    @Test func kerasAdamWithWeightDecayIsAdamW() throws {
        var adam = try makeOptimizer(.adam, .keras, ["weight_decay": 0.01], params: start)
        var adamw = try makeOptimizer(.adamw, .keras, ["weight_decay": 0.01], params: start)
        #expect(try worstRatio(&adam, &adamw) == 0)
    }

    /// At a constant rate and no dampening, Keras's velocity is −lr times torch's buffer.
    @Test(arguments: [(0.0, false), (0.9, false), (0.9, true)])
    func kerasAndTorchSGDAgreeAtConstantRate(momentum: Double, nesterov: Bool) throws {
        let h: [String: ConfigValue] = ["learning_rate": 0.01, "momentum": .number(momentum), "nesterov": .bool(nesterov)]
        var keras = try makeOptimizer(.sgd, .keras, h, params: start)
        var torch = try makeOptimizer(.sgd, .pytorch, h, params: start)
        let ratio = try worstRatio(&keras, &torch, steps: 100)
        #expect(ratio <= 1, "ratio \(ratio)")
    }

    @Test(arguments: OptimizerKind.allCases)
    func maximizeIsDescentOnTheNegatedGradient(_ kind: OptimizerKind) throws {
        var plain = try makeOptimizer(kind, .pytorch, params: start)
        var maximizing = try makeOptimizer(kind, .pytorch, ["maximize": true], params: start)
        #expect(try worstRatio(&plain, &maximizing, transformB: { $0.map { -$0 } }) == 0)
    }

    /// Keras has no `lr_decay`: `InverseTimeDecay(lr, decay_steps=1, decay_rate=lr_decay)` is the
    /// same rate sequence (reference/optimizers.md §2).
    @Test func torchAdagradLRDecayIsInverseTimeDecay() throws {
        var decayed = try makeOptimizer(.adagrad, .pytorch, ["learning_rate": 0.1, "lr_decay": 0.05], params: start)
        let schedule: ConfigValue = .object(["schedule": "inverse_time_decay", "initial_learning_rate": 0.1,
                                             "decay_steps": 1, "decay_rate": 0.05])
        var scheduled = try makeOptimizer(.adagrad, .pytorch, ["learning_rate": schedule], params: start)
        let ratio = try worstRatio(&decayed, &scheduled)
        #expect(ratio <= 0.05, "ratio \(ratio)")
    }

    /// With a power-of-two scale, dividing the scaled gradient is exact.
    @Test func lossScaleUndoesAScaledLoss() throws {
        var plain = try makeOptimizer(.adam, .keras, params: start)
        var scaled = try makeOptimizer(.adam, .keras, ["loss_scale_factor": 128], params: start)
        #expect(try worstRatio(&plain, &scaled, transformB: { $0.map { $0 * 128 } }) == 0)
    }

    /// Two accumulated gradients make one update with their mean.
    @Test func accumulationOfTwoIsOneStepOnTheMean() throws {
        var rand = Rand(seed: 3)
        var accumulating = try makeOptimizer(.adam, .keras, ["gradient_accumulation_steps": 2], params: start)
        var plain = try makeOptimizer(.adam, .keras, params: start)
        for _ in 0..<20 {
            let g1 = rand.vector(48), g2 = rand.vector(48)
            try accumulating.apply(g1)
            #expect(accumulating.params.array == (try plain.reloaded()).params.array, "no move on the first of two")
            try accumulating.apply(g2)
            try plain.apply(zip(g1, g2).map { ($0 + $1) * 0.5 })
            #expect(accumulating.params == plain.params)
        }
        #expect(accumulating.step == 40 && plain.step == 20)
    }

    /// Keras applies the clipping formulas even when nothing is clipped; with a huge bound they
    /// change nothing beyond an ulp.
    @Test(arguments: ["clipnorm", "global_clipnorm", "clipvalue"])
    func looseClippingChangesNothing(_ option: String) throws {
        var plain = try makeOptimizer(.sgd, .keras, ["momentum": 0.9], params: start)
        var clipped = try makeOptimizer(.sgd, .keras, ["momentum": 0.9, option: 1024], params: start)
        #expect(try worstRatio(&plain, &clipped) <= 0.01)
    }

    @Test func clipvalueBoundsEveryCoordinateOfTheUpdate() throws {
        var sgd = try makeOptimizer(.sgd, .keras, ["learning_rate": 1, "clipvalue": 0.5], params: [0, 0, 0])
        try sgd.apply([10, -0.25, -7])
        #expect(sgd.params.array == [-0.5, 0.25, 0.5])
    }

    @Test func clipnormScalesToTheBound() throws {
        var sgd = try makeOptimizer(.sgd, .keras, ["learning_rate": 1, "clipnorm": 1], params: [0, 0])
        try sgd.apply([3, 4])
        #expect(sgd.params.array == [-0.6, -0.8])
    }

    @Test func emaStartsAtTheParamsAndFollowsThem() throws {
        var sgd = try makeOptimizer(.sgd, .keras, ["learning_rate": 1, "use_ema": true, "ema_momentum": 0.5], params: [1, 2])
        #expect(sgd.emaAverage?.array == [1, 2], "before the first update the average is the parameters")
        try sgd.apply([1, 1])  // params 0, 1; first EMA = params
        #expect(sgd.emaAverage?.array == [0, 1])
        try sgd.apply([1, 1])  // params -1, 0; EMA = 0.5·old + 0.5·new
        #expect(sgd.emaAverage?.array == [-0.5, 0.5])
    }
}

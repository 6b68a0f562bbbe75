import Testing
@testable import OptimizerCore

/// Configurations that switch on every state buffer an optimizer can have.
private func fullConfigs(_ kind: OptimizerKind, _ convention: Convention) -> [String: ConfigValue] {
    var h: [String: ConfigValue] = [:]
    switch kind {
    case .sgd: h = ["momentum": 0.9]
    case .adagrad: h = ["initial_accumulator_value": 0.2]
    case .rmsprop: h = ["momentum": 0.5, "centered": true]
    case .adam, .adamw: h = ["amsgrad": true]
    }
    if convention == .keras {
        h["use_ema"] = true
        h["gradient_accumulation_steps"] = 2
        h["ema_overwrite_frequency"] = 3
    }
    return h
}

@Suite struct StateTests {
    /// Save, reload and continue in lock-step (as torch's `_test_state_dict`): the reloaded copy
    /// must stay bit-identical to the original at every step.
    @Test(arguments: KindAndConvention.all)
    func reloadedStateContinuesInLockStep(_ kc: KindAndConvention) throws {
        var rand = Rand(seed: 11)
        var original = try makeOptimizer(kc.kind, kc.convention, fullConfigs(kc.kind, kc.convention), params: rand.vector(33))
        for _ in 0..<7 { try original.apply(rand.vector(33)) }
        var reloaded = try original.reloaded()
        let same = reloaded.sameState(as: original)
        #expect(same)
        for step in 0..<25 {
            let g = rand.vector(33)
            try original.apply(g)
            try reloaded.apply(g)
            let same = reloaded.sameState(as: original)
            #expect(same, "diverged at step \(step)")
        }
    }

    @Test(arguments: KindAndConvention.all)
    func rejectedGradientLeavesEverythingUntouched(_ kc: KindAndConvention) throws {
        var rand = Rand(seed: 5)
        var optimizer = try makeOptimizer(kc.kind, kc.convention, fullConfigs(kc.kind, kc.convention), params: rand.vector(16))
        for _ in 0..<3 { try optimizer.apply(rand.vector(16)) }
        let before = try optimizer.reloaded()
        for bad: Float in [.nan, .infinity, -.infinity] {
            var g = rand.vector(16)
            g[15] = bad
            #expect(throws: StepError.nonFinite(index: 15)) { try optimizer.apply(g) }
        }
        #expect(throws: StepError.lengthMismatch(expected: 16, got: 15)) { try optimizer.apply(rand.vector(15)) }
        #expect(throws: StepError.lengthMismatch(expected: 16, got: 17)) { try optimizer.apply(rand.vector(17)) }
        let unchanged = optimizer.sameState(as: before)
        #expect(unchanged)
    }

    @Test func stateBuffersCarryTheFrameworksNames() throws {
        func names(_ kind: OptimizerKind, _ convention: Convention, _ h: [String: ConfigValue] = [:]) throws -> [String] {
            try makeOptimizer(kind, convention, h, params: [0]).slots.map(\.name)
        }
        #expect(try names(.adam, .pytorch, ["amsgrad": true]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
        #expect(try names(.adam, .keras, ["amsgrad": true]) == ["momentum", "velocity", "velocity_hat"])
        #expect(try names(.rmsprop, .pytorch, ["momentum": 0.9, "centered": true]) == ["square_avg", "momentum_buffer", "grad_avg"])
        #expect(try names(.rmsprop, .keras, ["momentum": 0.9, "centered": true]) == ["velocity", "momentum", "average_gradient"])
        #expect(try names(.adagrad, .pytorch) == ["sum"])
        #expect(try names(.adagrad, .keras) == ["accumulator"])
        #expect(try names(.sgd, .keras, ["momentum": 0.9]) == ["momentum"])
        #expect(try names(.sgd, .keras, ["use_ema": true, "gradient_accumulation_steps": 4]) == ["accumulated_gradient", "ema_average"])
    }

    /// torch creates SGD's momentum buffer as a copy of the first gradient, not as zeros.
    @Test func torchMomentumBufferStartsAsTheFirstGradient() throws {
        var sgd = try makeOptimizer(.sgd, .pytorch, ["learning_rate": 1, "momentum": 0.9, "dampening": 0.5], params: [0, 0])
        #expect(sgd.slot(named: "momentum_buffer") == nil)
        try sgd.apply([2, -4])
        #expect(sgd.slot(named: "momentum_buffer")?.array == [2, -4], "no dampening on the first step")
        #expect(sgd.params.array == [-2, 4])
        try sgd.apply([2, -4])  // buf = 0.9·buf + 0.5·g
        #expect(sgd.slot(named: "momentum_buffer")?.array == [2.8, -5.6])
    }

    @Test func adagradAccumulatorStartsAtItsInitialValue() throws {
        let keras = try makeOptimizer(.adagrad, .keras, params: [0, 0, 0])
        #expect(keras.slot(named: "accumulator")?.array == [0.1, 0.1, 0.1])
        let torch = try makeOptimizer(.adagrad, .pytorch, ["initial_accumulator_value": 0.5], params: [0])
        #expect(torch.slot(named: "sum")?.array == [0.5])
    }

    @Test func restoreRefusesInconsistentState() throws {
        let config = try OptimizerConfig(kind: .adam, convention: .pytorch)
        let params = FloatBuffer([1, 2, 3])
        let good = ["exp_avg": FloatBuffer(count: 3), "exp_avg_sq": FloatBuffer(count: 3)]
        _ = try Optimizer(config: config, params: params, step: 4, slots: good)
        #expect(throws: StateError.missingSlot("exp_avg_sq")) {
            _ = try Optimizer(config: config, params: params, step: 4, slots: ["exp_avg": FloatBuffer(count: 3)])
        }
        #expect(throws: StateError.unexpectedSlot("velocity")) {
            _ = try Optimizer(config: config, params: params, step: 4, slots: good.merging(["velocity": FloatBuffer(count: 3)]) { a, _ in a })
        }
        #expect(throws: StateError.slotSize(name: "exp_avg", expected: 3, got: 2)) {
            _ = try Optimizer(config: config, params: params, step: 4, slots: good.merging(["exp_avg": FloatBuffer(count: 2)]) { _, b in b })
        }
        #expect(throws: StateError.negativeStep(-1)) { _ = try Optimizer(config: config, params: params, step: -1, slots: good) }
        #expect(throws: StateError.stepTooLarge(Int.max)) { _ = try Optimizer(config: config, params: params, step: Int.max, slots: good) }
        // A buffer an earlier configuration used (amsgrad) may come back with the state.
        _ = try Optimizer(config: config, params: params, step: 4, slots: good.merging(["max_exp_avg_sq": FloatBuffer(count: 3)]) { a, _ in a })
    }

    @Test func reconfigureKeepsStateAndAddsNewBuffers() throws {
        var rand = Rand(seed: 8)
        var adam = try makeOptimizer(.adam, .pytorch, params: rand.vector(8))
        for _ in 0..<3 { try adam.apply(rand.vector(8)) }
        let expAvg = try #require(adam.slot(named: "exp_avg")?.array)
        try adam.reconfigure(try adam.config.updating(["amsgrad": true, "learning_rate": 0.01]))
        #expect(adam.slot(named: "exp_avg")?.array == expAvg, "state kept")
        #expect(adam.slot(named: "max_exp_avg_sq")?.array == Array(repeating: 0, count: 8), "new buffer at its initial value")
        #expect(adam.step == 3)
        try adam.apply(rand.vector(8))
        let maxSq = try #require(adam.slot(named: "max_exp_avg_sq")?.array)
        try adam.reconfigure(try adam.config.updating(["amsgrad": false]))
        try adam.apply(rand.vector(8))
        #expect(adam.slot(named: "max_exp_avg_sq")?.array == maxSq, "kept, and left alone while unused")
    }

    /// torch keeps `state["momentum_buffer"]` when momentum is switched off and on again.
    @Test func momentumBufferSurvivesSwitchingMomentumOffAndOn() throws {
        var sgd = try makeOptimizer(.sgd, .pytorch, ["learning_rate": 1, "momentum": 0.9], params: [0])
        try sgd.apply([1])
        try sgd.apply([1])  // buf = 1.9
        try sgd.reconfigure(try sgd.config.updating(["momentum": 0]))
        try sgd.apply([1])
        try sgd.reconfigure(try sgd.config.updating(["momentum": 0.9]))
        try sgd.apply([1])  // buf = 0.9·1.9 + 1
        #expect(sgd.slot(named: "momentum_buffer")?.array == [Float(0.9) * 1.9 + 1])
    }

    @Test func accumulationStepsCannotChangeAfterTheFirstStep() throws {
        var adam = try makeOptimizer(.adam, .keras, ["gradient_accumulation_steps": 2], params: [0, 0])
        try adam.reconfigure(try adam.config.updating(["gradient_accumulation_steps": 4]))  // before any step: fine
        try adam.apply([1, 1])
        #expect(throws: ConfigError.self) { try adam.reconfigure(try adam.config.updating(["gradient_accumulation_steps": nil])) }
        #expect(adam.config.gradientAccumulationSteps == 4)
    }

    /// Before its first update a framework has built no state, so a changed setting applies in full.
    @Test func stateIsRebuiltWhenReconfiguredBeforeTheFirstStep() throws {
        var adagrad = try makeOptimizer(.adagrad, .keras, params: [1, 2])
        try adagrad.reconfigure(try adagrad.config.updating(["initial_accumulator_value": 0.5]))
        #expect(adagrad.slot(named: "accumulator")?.array == [0.5, 0.5])
    }

    @Test func emaFollowsReplacedParamsBeforeTheFirstUpdate() throws {
        var adam = try makeOptimizer(.adam, .keras, ["use_ema": true], params: [1, 2, 3])
        try [10, 20, 30].withUnsafeBufferPointer { try adam.replaceParams(with: $0) }
        #expect(adam.emaAverage?.array == [10, 20, 30])
        try adam.apply([1, 1, 1])
        try [0, 0, 0].withUnsafeBufferPointer { try adam.replaceParams(with: $0) }
        #expect(adam.emaAverage?.array != [0, 0, 0], "after the first update the average has a life of its own")
    }

    @Test func replacingParamsKeepsStateAndChecksTheVector() throws {
        var sgd = try makeOptimizer(.sgd, .keras, ["momentum": 0.9], params: [1, 2])
        try sgd.apply([1, 1])
        let momentum = try #require(sgd.slot(named: "momentum")?.array)
        try [5, 6].withUnsafeBufferPointer { try sgd.replaceParams(with: $0) }
        #expect(sgd.params.array == [5, 6])
        #expect(sgd.slot(named: "momentum")?.array == momentum)
        #expect(throws: StepError.nonFinite(index: 0)) {
            try [Float.nan, 1].withUnsafeBufferPointer { try sgd.replaceParams(with: $0) }
        }
        #expect(sgd.params.array == [5, 6])
    }
}

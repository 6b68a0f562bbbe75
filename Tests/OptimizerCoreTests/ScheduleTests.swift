import Foundation
import Testing
@testable import OptimizerCore

/// Schedules at their edges, against Keras's formulas written out in double precision: step 0,
/// decay_steps, staircase jumps, piecewise boundaries, warmup edges, restarts.
@Suite struct ScheduleTests {
    func schedule(_ fields: [String: ConfigValue]) throws -> LearningRateSchedule {
        try LearningRateSchedule(parsing: .object(fields))
    }

    /// float32 evaluation against the double formula: a few ulps apart at most.
    func expectClose(_ actual: Float, _ expected: Double, _ comment: Comment? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(Double(actual) - expected) <= 4e-7 * max(abs(expected), 1e-30), comment, sourceLocation: sourceLocation)
    }

    @Test func exponentialDecayContinuousAndStaircase() throws {
        let smooth = try schedule(["schedule": "exponential_decay", "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5])
        #expect(smooth.value(at: 0) == Float(0.1))
        expectClose(smooth.value(at: 5), 0.1 * pow(0.5, 0.5))
        expectClose(smooth.value(at: 10), 0.05)
        let stairs = try schedule(["schedule": "exponential_decay", "initial_learning_rate": 0.1, "decay_steps": 10,
                                   "decay_rate": 0.5, "staircase": true])
        #expect(stairs.value(at: 9) == Float(0.1))
        expectClose(stairs.value(at: 10), 0.05)
        expectClose(stairs.value(at: 19), 0.05)
        expectClose(stairs.value(at: 20), 0.025)
    }

    @Test func piecewiseBoundaryBelongsToTheEarlierInterval() throws {
        let s = try schedule(["schedule": "piecewise_constant_decay", "boundaries": [10, 30], "values": [0.01, 0.005, 0.001]])
        #expect(s.value(at: 0) == Float(0.01))
        #expect(s.value(at: 10) == Float(0.01))
        #expect(s.value(at: 11) == Float(0.005))
        #expect(s.value(at: 30) == Float(0.005))
        #expect(s.value(at: 31) == Float(0.001))
        #expect(s.value(at: 1_000_000) == Float(0.001))
    }

    @Test func piecewiseNeedsOneMoreValueThanBoundariesInOrder() {
        #expect(throws: ConfigError.self) {
            try schedule(["schedule": "piecewise_constant_decay", "boundaries": [10], "values": [0.1]])
        }
        #expect(throws: ConfigError.self) {
            try schedule(["schedule": "piecewise_constant_decay", "boundaries": [10, 5], "values": [0.1, 0.2, 0.3]])
        }
    }

    @Test func polynomialDecayClampsAfterDecaySteps() throws {
        let s = try schedule(["schedule": "polynomial_decay", "initial_learning_rate": 0.1, "decay_steps": 20,
                              "end_learning_rate": 0.001, "power": 2])
        #expect(s.value(at: 0) == Float(0.1))
        expectClose(s.value(at: 10), (0.1 - 0.001) * 0.25 + 0.001)
        expectClose(s.value(at: 20), 0.001)
        expectClose(s.value(at: 500), 0.001)
    }

    @Test func polynomialDecayCycles() throws {
        let s = try schedule(["schedule": "polynomial_decay", "initial_learning_rate": 0.1, "decay_steps": 7,
                              "end_learning_rate": 0.0, "cycle": true])
        #expect(s.value(at: 0) == Float(0.1), "step 0 uses one period")
        expectClose(s.value(at: 7), 0.0, "end of the first period")
        expectClose(s.value(at: 8), 0.1 * (1 - 8.0 / 14.0), "second period is twice as long")
    }

    @Test func inverseTimeDecayStaircase() throws {
        let s = try schedule(["schedule": "inverse_time_decay", "initial_learning_rate": 0.1, "decay_steps": 5,
                              "decay_rate": 0.5, "staircase": true])
        #expect(s.value(at: 4) == Float(0.1))
        expectClose(s.value(at: 5), 0.1 / 1.5)
        let smooth = try schedule(["schedule": "inverse_time_decay", "initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5])
        expectClose(smooth.value(at: 4), 0.1 / 1.4)
    }

    @Test func cosineDecayEndsAtAlphaAndStays() throws {
        let s = try schedule(["schedule": "cosine_decay", "initial_learning_rate": 0.1, "decay_steps": 30, "alpha": 0.1])
        #expect(s.value(at: 0) == Float(0.1))
        expectClose(s.value(at: 15), 0.1 * (0.9 * 0.5 + 0.1))
        expectClose(s.value(at: 30), 0.01)
        expectClose(s.value(at: 31), 0.01)
    }

    @Test func cosineWarmupEdges() throws {
        let s = try schedule(["schedule": "cosine_decay", "initial_learning_rate": 0.0, "decay_steps": 20, "alpha": 0.1,
                              "warmup_target": 0.01, "warmup_steps": 10])
        #expect(s.value(at: 0) == 0, "warmup starts at initial_learning_rate")
        expectClose(s.value(at: 5), 0.005, "linear warmup (with + initial, as the code has it)")
        expectClose(s.value(at: 9), 0.009)
        #expect(s.value(at: 10) == Float(0.01), "decay starts at warmup_target")
        expectClose(s.value(at: 30), 0.001, "alpha·target after warmup + decay")
        expectClose(s.value(at: 100), 0.001)
    }

    @Test func cosineRestartsGeometric() throws {
        let s = try schedule(["schedule": "cosine_decay_restarts", "initial_learning_rate": 0.1, "first_decay_steps": 8,
                              "t_mul": 2, "m_mul": 0.5, "alpha": 0.0])
        #expect(s.value(at: 0) == Float(0.1))
        expectClose(s.value(at: 4), 0.05, "half way through the first period")
        expectClose(s.value(at: 8), 0.05, "restart at m_mul · init")
        expectClose(s.value(at: 16), 0.5 * 0.05 * (1 + cos(Double.pi * 0.5)), "second period is 16 long")
        expectClose(s.value(at: 24), 0.025, "second restart")
    }

    @Test func cosineRestartsConstantPeriod() throws {
        let s = try schedule(["schedule": "cosine_decay_restarts", "initial_learning_rate": 0.1, "first_decay_steps": 8,
                              "t_mul": 1, "alpha": 0.05])
        #expect(s.value(at: 8) == s.value(at: 0))
        #expect(s.value(at: 20) == s.value(at: 4))
    }

    @Test func unknownAndMissingScheduleFieldsAreNamed() {
        #expect(throws: ConfigError.unknownField(field: "learning_rate.decay")) {
            try schedule(["schedule": "exponential_decay", "initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.9, "decay": 1])
        }
        #expect(throws: ConfigError.missingField(field: "learning_rate.decay_steps")) {
            try schedule(["schedule": "exponential_decay", "initial_learning_rate": 0.1, "decay_rate": 0.9])
        }
        #expect(throws: ConfigError.outOfRange(field: "learning_rate.decay_steps", value: "0", range: "(0, inf)")) {
            try schedule(["schedule": "cosine_decay", "initial_learning_rate": 0.1, "decay_steps": 0])
        }
        #expect(throws: ConfigError.self) { try schedule(["schedule": "step_decay"]) }
        #expect(throws: ConfigError.missingField(field: "learning_rate.schedule")) { try schedule([:]) }
    }

    @Test func resolvedDocumentFillsDefaultsAndParsesBack() throws {
        let s = try schedule(["schedule": "polynomial_decay", "initial_learning_rate": 0.1, "decay_steps": 20])
        guard case .object(let fields) = s.document else { Issue.record("not an object"); return }
        #expect(fields["end_learning_rate"] == .number(1e-4))
        #expect(fields["power"] == .number(1))
        #expect(fields["cycle"] == .bool(false))
        #expect(try LearningRateSchedule(parsing: s.document) == s)
    }

    /// The first update uses `schedule(0)`; with accumulation, schedules see the raw count.
    @Test func optimizerEvaluatesTheScheduleAtTheRawIteration() throws {
        let lr: ConfigValue = .object(["schedule": "piecewise_constant_decay", "boundaries": [0, 1], "values": [1.0, 0.5, 0.25]])
        var sgd = try makeOptimizer(.sgd, .keras, ["learning_rate": lr], params: [0])
        try sgd.apply([1])
        #expect(sgd.params.array == [-1], "step 0 uses values[0]")
        try sgd.apply([1])
        #expect(sgd.params.array == [-1.5])
        var accumulating = try makeOptimizer(.sgd, .keras, ["learning_rate": lr, "gradient_accumulation_steps": 2], params: [0])
        try accumulating.apply([1])
        try accumulating.apply([1])
        #expect(accumulating.params.array == [-0.5], "the update at raw iteration 1 uses values[1]")
    }
}

/// Every schedule value Keras 3.15.1 computed at steps 0...60 (Fixtures/schedules.json, made by
/// Fixtures/generate.py with the real framework), bit for bit.
@Suite struct ScheduleFixtureTests {
    @Test func everyScheduleMatchesKerasBitForBit() throws {
        let file = TestPaths.fixturesDirectory.appendingPathComponent("schedules.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        let steps = (object["steps"] as! [NSNumber]).map(\.intValue)
        let schedules = object["schedules"] as! [[String: Any]]
        #expect(schedules.count >= 12)
        for entry in schedules {
            let schedule = try LearningRateSchedule(parsing: ConfigValue(json: entry["learning_rate"]!))
            let values = GoldenCase.floats(entry["values"])
            for (step, expected) in zip(steps, values) {
                let actual = schedule.value(at: step)
                #expect(actual.bitPattern == expected.bitPattern, "\(entry["name"]!) at step \(step): \(actual) vs Keras \(expected)")
            }
        }
    }
}

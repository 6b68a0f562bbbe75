import Foundation
import Testing
@testable import OptimizerCore

/// A reference trajectory of sparse steps made by the real torch.optim (Fixtures/sparse/,
/// see its generate.py).
struct SparseCase {
    struct Step {
        let gradient: SparseGradient
        let params: [Float]
        let state: [String: [Float]]
    }

    let name: String
    let kind: OptimizerKind
    let hyperparameters: [String: ConfigValue]
    let initialParams: [Float]
    let untouched: [Int]
    let steps: [Step]

    static var directory: URL { TestPaths.fixturesDirectory.appendingPathComponent("sparse") }

    static func all() throws -> [SparseCase] {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("index.json"))) as! [[String: Any]]
        return try index.map { try SparseCase(file: directory.appendingPathComponent($0["file"] as! String)) }
    }

    init(file: URL) throws {
        let o = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        name = o["name"] as! String
        kind = OptimizerKind(rawValue: o["optimizer"] as! String)!
        hyperparameters = (o["hyperparameters"] as! [String: Any]).mapValues(ConfigValue.init(json:))
        initialParams = GoldenCase.floats(o["initial_params"])
        untouched = (o["untouched"] as! [NSNumber]).map(\.intValue)
        steps = (o["trajectory"] as! [[String: Any]]).map { s in
            Step(gradient: SparseGradient(indices: (s["indices"] as! [NSNumber]).map { Int32($0.intValue) },
                                          values: GoldenCase.floats(s["values"])),
                 params: GoldenCase.floats(s["params"]),
                 state: (s["state"] as! [String: Any]).mapValues(GoldenCase.floats))
        }
    }
}

@Suite struct SparseTrajectoryTests {
    static let loaded: Result<[SparseCase], any Error> = Result { try SparseCase.all() }
    static var cases: [SparseCase] { (try? loaded.get()) ?? [] }

    @Test func everyFixtureLoads() throws {
        let cases = try Self.loaded.get()
        #expect(cases.count == 9)
        #expect(Set(cases.map(\.kind)) == [.adam, .adagrad, .sgd])
    }

    /// Every step: parameters and every state tensor within SPEC §2 of torch; coordinates no
    /// step lists keep their exact initial parameters and state.
    @Test(arguments: cases.map(\.name))
    func sparseStepsMatchTorch(name: String) throws {
        let golden = try #require(Self.cases.first { $0.name == name })
        var optimizer = try makeOptimizer(golden.kind, .pytorch, golden.hyperparameters, params: golden.initialParams)
        let initialState = Dictionary(uniqueKeysWithValues: optimizer.slots.map { ($0.name, $0.buffer.array) })
        for (t, step) in golden.steps.enumerated() {
            try optimizer.apply(sparse: step.gradient)
            let count = optimizer.step
            #expect(count == t + 1)
            let ratio = Tolerance.worstRatio(optimizer.params.array, step.params)
            #expect(ratio <= 1, "\(name) step \(t): params error ratio \(ratio)")
            for (slotName, reference) in step.state {
                let mine = optimizer.slot(named: slotName)?.array
                #expect(mine != nil, "\(name): no slot \(slotName)")
                let stateRatio = Tolerance.worstRatio(mine ?? [], reference)
                #expect(stateRatio <= 1, "\(name) step \(t): \(slotName) error ratio \(stateRatio)")
            }
            for i in golden.untouched {
                let value = optimizer.params[i]
                #expect(value.bitPattern == golden.initialParams[i].bitPattern)
                for slot in optimizer.slots {
                    #expect(slot.buffer[i].bitPattern == initialState[slot.name]![i].bitPattern,
                            "\(name) step \(t): \(slot.name)[\(i)] moved")
                }
            }
        }
    }

    @Test func repeatedIndicesAreSummedLikeCoalesce() throws {
        var once = try makeOptimizer(.adagrad, .pytorch, ["learning_rate": .number(0.1)], params: [1, 2, 3])
        var split = try once.reloaded()
        try once.apply(sparse: SparseGradient(indices: [1], values: [0.75]))
        try split.apply(sparse: SparseGradient(indices: [1, 1], values: [0.5, 0.25]))
        let same = once.sameState(as: split)
        #expect(same)
    }

    @Test func refusedGradientsChangeNothing() throws {
        var optimizer = try makeOptimizer(.adam, .pytorch, params: [1, 2, 3])
        let before = try optimizer.reloaded()
        #expect(throws: SparseStepError.indexOutOfRange(position: 1, index: 3, size: 3)) {
            try optimizer.apply(sparse: SparseGradient(indices: [0, 3], values: [1, 1]))
        }
        #expect(throws: SparseStepError.indexOutOfRange(position: 0, index: -1, size: 3)) {
            try optimizer.apply(sparse: SparseGradient(indices: [-1], values: [1]))
        }
        #expect(throws: SparseStepError.nonFinite(position: 1)) {
            try optimizer.apply(sparse: SparseGradient(indices: [0, 1], values: [1, .nan]))
        }
        #expect(throws: SparseStepError.countMismatch(indices: 2, values: 1)) {
            try optimizer.apply(sparse: SparseGradient(indices: [0, 1], values: [1]))
        }
        let unchanged = optimizer.sameState(as: before)
        #expect(unchanged)
    }

    @Test(arguments: [
        (OptimizerKind.adam, Convention.keras, [String: ConfigValue]()),
        (.rmsprop, .pytorch, [:]),
        (.adamw, .pytorch, [:]),
        (.adam, .pytorch, ["amsgrad": .bool(true)]),
        (.adam, .pytorch, ["weight_decay": .number(0.01)]),
        (.adagrad, .pytorch, ["weight_decay": .number(0.01)]),
        (.sgd, .pytorch, ["momentum": .number(0.9)]),
    ])
    func unsupportedConfigurationsAreRefused(kind: OptimizerKind, convention: Convention, hyperparameters: [String: ConfigValue]) throws {
        var optimizer = try makeOptimizer(kind, convention, hyperparameters, params: [1, 2])
        let reason = optimizer.sparseUnsupportedReason
        #expect(reason != nil)
        #expect(throws: SparseStepError.self) { try optimizer.apply(sparse: SparseGradient(indices: [0], values: [1])) }
        let (step, params) = (optimizer.step, optimizer.params.array)
        #expect(step == 0 && params == [1, 2])
    }
}

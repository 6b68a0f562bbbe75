import Foundation
import Testing
@testable import OptimizerCore

/// Replays every reference trajectory step by step and holds each parameter to SPEC §2's bar.
@Suite struct GoldenTrajectoryTests {
    /// Loading failures are kept and reported by `everyListedCaseLoads`, so a broken index can
    /// never shrink the replay to nothing and still pass.
    static let loaded: Result<[GoldenCase], any Error> = Result { try GoldenCase.all() }
    static var cases: [GoldenCase] { (try? loaded.get()) ?? [] }

    @Test func everyListedCaseLoads() throws {
        let files = try TestPaths.goldenFiles()
        #expect(files.count >= 28 + 43, "expected the public golden set and the fixtures, found \(files.count) files")
        let cases = try Self.loaded.get()
        #expect(cases.count == files.count)
    }

    @Test(arguments: cases.map(\.id))
    func trajectoryMatchesFramework(name: String) throws {
        let golden = try #require(Self.cases.first { $0.id == name })
        let config = try OptimizerConfig(kind: golden.kind, convention: golden.convention,
                                         hyperparameters: golden.hyperparameters)
        var optimizer = Optimizer(config: config, params: FloatBuffer(golden.initialParams))
        var worst = 0.0, worstStep = 0
        for (step, gradient) in golden.gradients.enumerated() {
            var g = gradient
            try g.withUnsafeMutableBufferPointer { try optimizer.apply(gradient: $0) }
            let ratio = Tolerance.worstRatio(optimizer.params.array, golden.params[step])
            if ratio > worst { (worst, worstStep) = (ratio, step) }
            #expect(ratio <= 1, "\(name) step \(step): error ratio \(ratio)")
            if let ema = golden.emaAverage {
                let average = optimizer.emaAverage?.array
                let emaRatio = Tolerance.worstRatio(try #require(average), ema[step])
                #expect(emaRatio <= 1, "\(name) EMA step \(step): error ratio \(emaRatio)")
            }
            if let rates = golden.learningRates {
                // Schedules reproduce Keras bit for bit (XLA's fused warmup branch included).
                let lr = config.learningRate.value(at: step)
                #expect(lr.bitPattern == rates[step].bitPattern,
                        "\(name) step \(step): learning rate \(lr) != \(rates[step])")
            }
        }
        #expect(optimizer.step == golden.gradients.count)
        print("golden \(name): worst error ratio \(String(format: "%.4g", worst)) at step \(worstStep)")
    }
}

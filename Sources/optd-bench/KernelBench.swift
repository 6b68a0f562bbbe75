import Foundation
import OptimizerCore

/// `optd-bench kernels`: one line per optimizer, convention, size and thread count, in elements
/// per second (one element = one parameter updated once, its state included).
///
/// `step` times `Optimizer.apply` as a session runs it (the gradient checked for non-finite values,
/// then the update); `update` times the update alone, the figure to hold against the memory
/// bandwidth ceiling and against other frameworks' optimizer steps, which check nothing.
func runKernelBenchmarks(_ options: Options) throws {
    print("# optd-bench kernels: elements/s, median of \(options.runs) runs after a warm-up")
    print("# instruction set: \(InstructionSet.current.rawValue)")
    for n in options.sizes {
        for threads in options.threads {
            try KernelExecutor.$maxThreads.withValue(threads) { try benchmarkKernels(size: n, options) }
        }
    }
}

/// One line per optimizer, convention and mode at size n, on `KernelExecutor.maxThreads` threads.
private func benchmarkKernels(size n: Int, _ options: Options) throws {
    for kind in OptimizerKind.allCases where options.only.isEmpty || options.only.contains(kind.rawValue) {
        for convention in Convention.allCases {
            for validate in [true, false] {
                let (rates, checksum) = try benchmarkKernel(kind: kind, convention: convention, size: n,
                                                            validate: validate, runs: options.runs)
                let label = [kind.rawValue, convention.rawValue, validate ? "step" : "update"]
                    .map { $0.padding(toLength: 8, withPad: " ", startingAt: 0) }.joined(separator: " ")
                print(label + String(format: " n=%-9d threads=%d median %7.3f G elem/s  (min %.3f, max %.3f)  checksum %g",
                                     n, KernelExecutor.maxThreads, median(rates) / 1e9, rates.min()! / 1e9,
                                     rates.max()! / 1e9, Double(checksum)))
            }
        }
    }
}

/// Times `steps` optimizer steps of size n per run; returns elements/s per run.
func benchmarkKernel(kind: OptimizerKind, convention: Convention, size n: Int, validate: Bool,
                     runs: Int) throws -> (rates: [Double], checksum: Float) {
    let config = try OptimizerConfig(kind: kind, convention: convention)
    var params = [Float](repeating: 0, count: n)
    var gradient = [Float](repeating: 0, count: n)
    for i in 0..<n {
        params[i] = Float(i % 1000) * 1e-3 - 0.5
        gradient[i] = Float((i * 7919) % 2001) * 1e-3 - 1.0
    }
    var optimizer = Optimizer(config: config, params: FloatBuffer(params))
    // The same gradient every step, as the C and numpy references do. Default configurations do
    // not write to it (only loss scaling, clipping and accumulation use it as scratch).
    let scratch = FloatBuffer(gradient)
    // Enough steps per run for about 0.2 s at 1 G elements/s.
    let steps = max(1, 200_000_000 / n)
    var rates: [Double] = []
    for run in 0...runs {
        let start = now()
        for _ in 0..<steps {
            if validate {
                try optimizer.apply(gradient: scratch.buffer)
            } else {
                optimizer.update(validatedGradient: scratch.buffer)
            }
        }
        let elapsed = now() - start
        if run > 0 { rates.append(Double(n * steps) / elapsed) }  // run 0 is the warm-up
    }
    return (rates, optimizer.params[n / 2])
}


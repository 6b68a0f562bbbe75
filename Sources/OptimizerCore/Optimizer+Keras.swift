import OptimizerKernels
import OptimizerKernelsAVX2

/// The Keras 3 pipeline around the update rule (`base_optimizer.py` `apply` and
/// `_backend_apply_gradients`): loss scaling → accumulation → clipping → weight decay → update →
/// EMA → iterations += 1, each in float32 in Keras's operation order.
extension Optimizer {
    /// Also writes the parameters after the step to `answer` when the update kernel is their
    /// last writer (an update without EMA); returns whether it did.
    mutating func applyKeras(_ g: UnsafeMutableBufferPointer<Float>, answer: UnsafeMutablePointer<Float>?) -> Bool {
        let c = config
        let n = size
        // The `iterations` property counts updates when accumulating; schedules see the raw count.
        let iterations = self.iterations

        if let scale = c.lossScaleFactor {
            // `g / scale` divides by one broadcast scalar, which XLA compiles to a multiplication
            // by its reciprocal (as measured for clipnorm and accumulation; exact for powers of two).
            let reciprocal = 1 / Float(scale)
            for i in 0..<n { g[i] = g[i] * reciprocal }
        }

        var isUpdate = true
        var copied = false
        if let k = c.gradientAccumulationSteps, let acc = slot(named: "accumulated_gradient") {
            // `acc` exists whenever accumulation is on (created with the configuration).
            if (step + 1) % k != 0 {
                for i in 0..<n { acc.base[i] = g[i] + acc.base[i] }
                isUpdate = false
            } else {
                // XLA turns the division by k into a multiplication by 1/k; matching it keeps the
                // golden accumulation case bit-exact (reference/optimizers.md §7).
                let inverse = Float(1.0 / Double(k))
                for i in 0..<n { g[i] = (g[i] + acc.base[i]) * inverse }
                acc.fill(0)
            }
        }

        if isUpdate {
            clipKeras(g)
            let lr = c.learningRate.value(at: step)
            let decay = c.weightDecay.map { KerasWeightDecay(weightDecay: Float($0), lr: lr) }
            // The EMA pass below may overwrite the parameters: then the caller copies them after.
            let kernelAnswer = c.useEMA ? nil : answer
            updateKeras(UnsafePointer(g.baseAddress!), lr: lr, decay: decay, t: iterations + 1, answer: kernelAnswer)
            copied = kernelAnswer != nil
        }

        if c.useEMA, let average = emaAverage {
            let momentum: Float = iterations != 0 ? Float(c.emaMomentum) : 0
            let keep = 1 - momentum
            let a = average.base, p = params.base
            for i in 0..<n { a[i] = momentum * a[i] + keep * p[i] }
            if let frequency = c.emaOverwriteFrequency, (iterations + 1) % frequency == 0 {
                params.assign(from: UnsafeBufferPointer(average.buffer))
            }
        }
        return copied
    }

    /// `clipnorm` (per variable), `global_clipnorm` and `clipvalue`; at most one is set. The norm
    /// formulas are applied even when no clipping is needed, as Keras does (they can move the
    /// last ulp).
    private func clipKeras(_ g: UnsafeMutableBufferPointer<Float>) {
        let c = config
        if let clip = c.clipnorm {
            let cn = Float(clip)
            let norm = Self.l2Norm(g)
            // XLA turns the division by one broadcast scalar into a multiplication by its
            // reciprocal; doing the same matches Keras bit for bit (Fixtures/README.md).
            let reciprocal = 1 / max(norm, cn)
            for i in 0..<g.count { g[i] = (g[i] * cn) * reciprocal }
        } else if let clip = c.globalClipnorm {
            let norm = Self.l2Norm(g)
            // `clip · min(1/n, 1/clip) + (n − n)`: the last term turns an infinite norm into NaN.
            let scale = Float(clip) * min(1 / norm, Float(1 / clip)) + (norm - norm)
            for i in 0..<g.count { g[i] = g[i] * scale }
        } else if let clip = c.clipvalue {
            let v = Float(clip)
            for i in 0..<g.count { g[i] = min(max(g[i], -v), v) }
        }
    }

    /// sqrt(Σg²) as float32. XLA sums in its own order; summing in double and rounding once is
    /// within an ulp of any float32 order.
    private static func l2Norm(_ g: UnsafeMutableBufferPointer<Float>) -> Float {
        var sum = 0.0
        for x in g { sum += Double(x) * Double(x) }
        return Float(sum).squareRoot()
    }

    /// The update itself, after Keras's weight decay `p − p·wd·lr`, which the kernel applies in
    /// the same pass.
    private func updateKeras(_ g: UnsafePointer<Float>, lr: Float, decay: KerasWeightDecay?, t: Int,
                             answer: UnsafeMutablePointer<Float>?) {
        let c = config
        let n = size, p = params.base
        switch c.kind {
        case .sgd:
            let kernel = SGD.Keras(count: n, params: p, answer: answer,
                                   gradient: g, momentum: slot(named: "momentum", if: c.momentum != 0),
                                   decay: decay, lr: lr, momentum: Float(c.momentum), nesterov: c.nesterov)
            KernelExecutor.execute(kernel, avx2: AVX2.run)
        case .adagrad:
            let kernel = Adagrad.Keras(count: n, params: p, answer: answer,
                                       gradient: g, accumulator: slot(named: "accumulator")!.base,
                                       decay: decay, lr: lr, epsilon: Float(c.epsilon))
            KernelExecutor.execute(kernel, avx2: AVX2.run)
        case .rmsprop:
            let s = RMSprop.KerasScalars(lr: lr, rho: Float(c.rho), oneMinusRho: Float(1 - c.rho),
                                         momentum: Float(c.momentum), epsilon: Float(c.epsilon))
            let kernel = RMSprop.Keras(count: n, params: p, answer: answer,
                                       gradient: g, velocity: slot(named: "velocity")!.base,
                                       momentum: slot(named: "momentum", if: c.momentum > 0),
                                       averageGradient: slot(named: "average_gradient", if: c.centered), decay: decay, s)
            KernelExecutor.execute(kernel, avx2: AVX2.run)
        case .adam, .adamw:
            let s = Adam.KerasScalars(lr: lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, t: t)
            let kernel = Adam.Keras(count: n, params: p, answer: answer,
                                    gradient: g, momentum: slot(named: "momentum")!.base,
                                    velocity: slot(named: "velocity")!.base,
                                    velocityHat: slot(named: "velocity_hat", if: c.amsgrad), decay: decay, s)
            KernelExecutor.execute(kernel, avx2: AVX2.run)
        }
    }
}

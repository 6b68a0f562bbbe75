import OptimizerKernels
import OptimizerKernelsAVX2

/// torch.optim's `step()` for one flat parameter tensor (the `_single_tensor_*` paths, the CPU
/// default). The step counter t is incremented before use, so the first step has t = 1.
/// A schedule, when given, sets the group's lr to `schedule(t − 1)` before the step.
extension Optimizer {
    /// Also writes the parameters after the step to `answer` when given (every torch path ends
    /// with its kernel); returns whether it did.
    mutating func applyPyTorch(_ g: UnsafeMutableBufferPointer<Float>, answer: UnsafeMutablePointer<Float>?) -> Bool {
        let c = config
        let n = size, p = params.base
        let grad = UnsafePointer(g.baseAddress!)
        let t = step + 1
        let lr = c.learningRate.double(at: step)
        let wd = c.weightDecay ?? 0
        switch c.kind {
        case .sgd:
            var buffer: FloatBuffer?
            var created = false
            if c.momentum != 0 { (buffer, created) = lazySlot(named: "momentum_buffer") }
            let s = SGD.TorchScalars(negLR: Float(-lr), weightDecay: Float(wd), momentum: Float(c.momentum),
                                     oneMinusDampening: Float(1 - c.dampening), nesterov: c.nesterov,
                                     maximize: c.maximize)
            KernelExecutor.execute(SGD.PyTorch(count: n, params: p, answer: answer, gradient: grad, buffer: buffer?.base,
                                               firstStep: created, s), avx2: AVX2.run)
        case .adagrad:
            let clr = lr / (1 + Double(t - 1) * c.lrDecay)
            let s = Adagrad.TorchScalars(negCLR: Float(-clr), epsilon: Float(c.epsilon), weightDecay: Float(wd),
                                         maximize: c.maximize)
            KernelExecutor.execute(Adagrad.PyTorch(count: n, params: p, answer: answer,
                                                   gradient: grad, sum: slot(named: "sum")!.base, s),
                                   avx2: AVX2.run)
        case .rmsprop:
            let s = RMSprop.TorchScalars(negLR: Float(-lr), alpha: Float(c.rho), oneMinusAlpha: Float(1 - c.rho),
                                         momentum: Float(c.momentum), epsilon: Float(c.epsilon),
                                         weightDecay: Float(wd), maximize: c.maximize)
            let kernel = RMSprop.PyTorch(count: n, params: p, answer: answer,
                                         gradient: grad, squareAverage: slot(named: "square_avg")!.base,
                                         momentumBuffer: slot(named: "momentum_buffer", if: c.momentum > 0),
                                         gradientAverage: slot(named: "grad_avg", if: c.centered), s)
            KernelExecutor.execute(kernel, avx2: AVX2.run)
        case .adam, .adamw:
            let s = Adam.TorchScalars(lr: lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: wd,
                                      decoupled: c.kind == .adamw, maximize: c.maximize, t: t)
            let kernel = Adam.PyTorch(count: n, params: p, answer: answer,
                                      gradient: grad, expAvg: slot(named: "exp_avg")!.base,
                                      expAvgSq: slot(named: "exp_avg_sq")!.base,
                                      maxExpAvgSq: slot(named: "max_exp_avg_sq", if: c.amsgrad), s)
            KernelExecutor.execute(kernel, avx2: AVX2.run)
        }
        return answer != nil
    }
}

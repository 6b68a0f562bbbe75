/// Stochastic gradient descent with optional (Nesterov) momentum.
///
/// Keras (`keras/src/optimizers/sgd.py`), lr inside the velocity:
///
///     m = m·momentum − g·lr
///     p = p + (m·momentum − g·lr)   if nesterov (the new m)
///     p = p + m                     otherwise;  p = p − g·lr without momentum
///
/// PyTorch (`torch/optim/sgd.py`, `_single_tensor_sgd`), lr-free buffer:
///
///     g = −g if maximize;  g = g + wd·p
///     buf = g (first step) | momentum·buf + (1 − dampening)·g
///     g = g + momentum·buf if nesterov else buf
///     p = p − lr·g
///
/// torch's CPU kernels fuse `add_(x, alpha=a)` into `fma(x, a, self)`; `addingProduct` does the
/// same here (reference/optimizers.md §12).
enum SGD {
    static func keras(count n: Int, params p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      momentum m: UnsafeMutablePointer<Float>?, lr: Float, momentum mu: Float, nesterov: Bool) {
        guard let m else {
            for i in 0..<n { p[i] = p[i] - g[i] * lr }
            return
        }
        for i in 0..<n {
            let gl = g[i] * lr
            let mi = m[i] * mu - gl
            m[i] = mi
            p[i] = nesterov ? p[i] + (mi * mu - gl) : p[i] + mi
        }
    }

    struct TorchScalars {
        let negLR: Float
        let weightDecay: Float
        let momentum: Float
        let oneMinusDampening: Float
        let nesterov: Bool
        let maximize: Bool
    }

    /// `firstStep` is true when `buffer` was just created: it then becomes a copy of the gradient.
    static func pytorch(count n: Int, params p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                        buffer: UnsafeMutablePointer<Float>?, firstStep: Bool, _ s: TorchScalars) {
        for i in 0..<n {
            var gi = s.maximize ? -g[i] : g[i]
            if s.weightDecay != 0 { gi = gi.addingProduct(p[i], s.weightDecay) }
            if let buffer {
                let b = firstStep ? gi : (buffer[i] * s.momentum).addingProduct(gi, s.oneMinusDampening)
                buffer[i] = b
                gi = s.nesterov ? gi.addingProduct(b, s.momentum) : b
            }
            p[i] = p[i].addingProduct(gi, s.negLR)
        }
    }
}

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
public enum SGD {
    public struct Keras: ElementwiseKernel {
        public let count: Int
        public let params: ParamsColumn
        public let gradient: Column
        public let momentum: Column?
        public let decay: KerasWeightDecay?
        public let lr: Float, mu: Float
        public let nesterov: Bool

        public init(count: Int, params: UnsafeMutablePointer<Float>, answer: UnsafeMutablePointer<Float>? = nil,
                    gradient: UnsafePointer<Float>,
                    momentum: UnsafeMutablePointer<Float>?, decay: KerasWeightDecay?, lr: Float,
                    momentum mu: Float, nesterov: Bool) {
            self.count = count
            self.params = ParamsColumn(params, answer: answer)
            self.gradient = Column(gradient)
            self.momentum = momentum.map(Column.init)
            self.decay = decay
            self.lr = lr
            self.mu = mu
            self.nesterov = nesterov
        }

        @inlinable @inline(__always)
        public func updateLane(at i: Int, count k: Int) {
            let p = decay.apply(params.load(i, k))
            let gl = gradient.load(i, k) * lr
            guard let momentum else {
                params.store(p - gl, i, k)
                return
            }
            let m = momentum.load(i, k) * mu - gl
            momentum.store(m, i, k)
            params.store(nesterov ? p + (m * mu - gl) : p + m, i, k)
        }
    }

    public struct TorchScalars: Sendable {
        public let negLR: Float
        public let weightDecay: Float
        public let momentum: Float
        public let oneMinusDampening: Float
        public let nesterov: Bool
        public let maximize: Bool

        public init(negLR: Float, weightDecay: Float, momentum: Float, oneMinusDampening: Float,
                    nesterov: Bool, maximize: Bool) {
            self.negLR = negLR
            self.weightDecay = weightDecay
            self.momentum = momentum
            self.oneMinusDampening = oneMinusDampening
            self.nesterov = nesterov
            self.maximize = maximize
        }
    }

    public struct PyTorch: ElementwiseKernel {
        public let count: Int
        public let params: ParamsColumn
        public let gradient: Column
        public let buffer: Column?
        /// The momentum buffer was just created: it takes the gradient as is.
        public let firstStep: Bool
        public let scalars: TorchScalars

        public init(count: Int, params: UnsafeMutablePointer<Float>, answer: UnsafeMutablePointer<Float>? = nil,
                    gradient: UnsafePointer<Float>,
                    buffer: UnsafeMutablePointer<Float>?, firstStep: Bool, _ scalars: TorchScalars) {
            self.count = count
            self.params = ParamsColumn(params, answer: answer)
            self.gradient = Column(gradient)
            self.buffer = buffer.map(Column.init)
            self.firstStep = firstStep
            self.scalars = scalars
        }

        @inlinable @inline(__always)
        public func updateLane(at i: Int, count k: Int) {
            let s = scalars
            var g = gradient.load(i, k)
            if s.maximize { g = -g }
            let p = params.load(i, k)
            if s.weightDecay != 0 { g = g.addingProduct(p, s.weightDecay) }
            if let buffer {
                let b = firstStep ? g : (buffer.load(i, k) * s.momentum).addingProduct(g, s.oneMinusDampening)
                buffer.store(b, i, k)
                g = s.nesterov ? g.addingProduct(b, s.momentum) : b
            }
            params.store(p.addingProduct(g, s.negLR), i, k)
        }
    }
}

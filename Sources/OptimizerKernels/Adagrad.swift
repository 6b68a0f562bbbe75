/// Adagrad: per-coordinate rates from the running sum of squared gradients.
///
/// Keras (`keras/src/optimizers/adagrad.py`), epsilon INSIDE the square root, accumulator starting
/// at `initial_accumulator_value` (0.1):
///
///     acc = acc + g²
///     p = p − (lr·g) / sqrt(acc + epsilon)
///
/// PyTorch (`torch/optim/adagrad.py`, `_single_tensor_adagrad`), eps OUTSIDE, with `lr_decay`:
///
///     g = −g if maximize;  g = g + wd·p
///     clr = lr / (1 + (t − 1)·lr_decay)       (Python double)
///     sum = sum + g·g                          (addcmul_, fused)
///     p = p + (−clr·g) / (sqrt(sum) + eps)     (addcdiv_, not fused)
public enum Adagrad {
    public struct Keras: ElementwiseKernel {
        public let count: Int
        public let params: ParamsColumn
        public let gradient: Column, accumulator: Column
        public let decay: KerasWeightDecay?
        public let lr: Float, epsilon: Float

        public init(count: Int, params: UnsafeMutablePointer<Float>, answer: UnsafeMutablePointer<Float>? = nil,
                    gradient: UnsafePointer<Float>,
                    accumulator: UnsafeMutablePointer<Float>, decay: KerasWeightDecay?, lr: Float, epsilon: Float) {
            self.count = count
            self.params = ParamsColumn(params, answer: answer)
            self.gradient = Column(gradient)
            self.accumulator = Column(accumulator)
            self.decay = decay
            self.lr = lr
            self.epsilon = epsilon
        }

        @inlinable @inline(__always)
        public func updateLane(at i: Int, count k: Int) {
            let g = gradient.load(i, k)
            let a = accumulator.load(i, k) + g * g
            accumulator.store(a, i, k)
            let p = decay.apply(params.load(i, k))
            params.store(p - (lr * g) / (a + epsilon).squareRoot(), i, k)
        }
    }

    public struct TorchScalars: Sendable {
        public let negCLR: Float
        public let epsilon: Float
        public let weightDecay: Float
        public let maximize: Bool

        public init(negCLR: Float, epsilon: Float, weightDecay: Float, maximize: Bool) {
            self.negCLR = negCLR
            self.epsilon = epsilon
            self.weightDecay = weightDecay
            self.maximize = maximize
        }
    }

    public struct PyTorch: ElementwiseKernel {
        public let count: Int
        public let params: ParamsColumn
        public let gradient: Column, sum: Column
        public let scalars: TorchScalars

        public init(count: Int, params: UnsafeMutablePointer<Float>, answer: UnsafeMutablePointer<Float>? = nil,
                    gradient: UnsafePointer<Float>,
                    sum: UnsafeMutablePointer<Float>, _ scalars: TorchScalars) {
            self.count = count
            self.params = ParamsColumn(params, answer: answer)
            self.gradient = Column(gradient)
            self.sum = Column(sum)
            self.scalars = scalars
        }

        @inlinable @inline(__always)
        public func updateLane(at i: Int, count k: Int) {
            let s = scalars
            var g = gradient.load(i, k)
            if s.maximize { g = -g }
            let p = params.load(i, k)
            if s.weightDecay != 0 { g = g.addingProduct(p, s.weightDecay) }
            let total = sum.load(i, k).addingProduct(g, g)
            sum.store(total, i, k)
            params.store(p + (s.negCLR * g) / (total.squareRoot() + s.epsilon), i, k)
        }
    }
}

/// RMSprop, optionally centered and with momentum.
///
/// Keras (`keras/src/optimizers/rmsprop.py`), epsilon INSIDE the square root, lr inside the
/// momentum buffer:
///
///     vel = rho·vel + (1 − rho)·g²
///     ag  = rho·ag + (1 − rho)·g                      (centered)
///     inc = (lr·g) / sqrt(vel − ag² + epsilon)        (ag² term only when centered)
///     mom = momentum·mom + inc;  p = p − mom          (momentum > 0)
///     p = p − inc                                     (otherwise)
///
/// (Its docstring calls this epsilon "epsilon hat"; the code adds it inside the square root.)
///
/// PyTorch (`torch/optim/rmsprop.py`, `_single_tensor_rmsprop`), eps OUTSIDE, lr-free buffer;
/// torch's `alpha` is `rho` here:
///
///     g = −g if maximize;  g = g + wd·p
///     sq = alpha·sq + (1 − alpha)·g·g                 (addcmul_, fused)
///     ga = lerp(ga, g, 1 − alpha)                     (centered; fused)
///     avg = sqrt(sq − ga·ga) + eps                    (sqrt(sq) + eps when not centered)
///     buf = momentum·buf + g / avg;  p = p − lr·buf   (momentum > 0)
///     p = p + (−lr·g) / avg                           (otherwise)
public enum RMSprop {
    public struct KerasScalars: Sendable {
        public let lr: Float
        public let rho: Float
        public let oneMinusRho: Float
        public let momentum: Float
        public let epsilon: Float

        public init(lr: Float, rho: Float, oneMinusRho: Float, momentum: Float, epsilon: Float) {
            self.lr = lr
            self.rho = rho
            self.oneMinusRho = oneMinusRho
            self.momentum = momentum
            self.epsilon = epsilon
        }
    }

    public struct Keras: ElementwiseKernel {
        public let count: Int
        public let params: ParamsColumn
        public let gradient: Column, velocity: Column
        public let momentum: Column?, averageGradient: Column?
        public let decay: KerasWeightDecay?
        public let scalars: KerasScalars

        public init(count: Int, params: UnsafeMutablePointer<Float>, answer: UnsafeMutablePointer<Float>? = nil,
                    gradient: UnsafePointer<Float>,
                    velocity: UnsafeMutablePointer<Float>, momentum: UnsafeMutablePointer<Float>?,
                    averageGradient: UnsafeMutablePointer<Float>?, decay: KerasWeightDecay?, _ scalars: KerasScalars) {
            self.count = count
            self.params = ParamsColumn(params, answer: answer)
            self.gradient = Column(gradient)
            self.velocity = Column(velocity)
            self.momentum = momentum.map(Column.init)
            self.averageGradient = averageGradient.map(Column.init)
            self.decay = decay
            self.scalars = scalars
        }

        @inlinable @inline(__always)
        public func updateLane(at i: Int, count k: Int) {
            let s = scalars
            let g = gradient.load(i, k)
            let v = s.rho * velocity.load(i, k) + s.oneMinusRho * (g * g)
            velocity.store(v, i, k)
            var denominator = v + s.epsilon
            if let averageGradient {
                let a = s.rho * averageGradient.load(i, k) + s.oneMinusRho * g
                averageGradient.store(a, i, k)
                denominator = v - a * a + s.epsilon
            }
            let increment = (s.lr * g) / denominator.squareRoot()
            let p = decay.apply(params.load(i, k))
            if let momentum {
                let m = s.momentum * momentum.load(i, k) + increment
                momentum.store(m, i, k)
                params.store(p - m, i, k)
            } else {
                params.store(p - increment, i, k)
            }
        }
    }

    public struct TorchScalars: Sendable {
        public let negLR: Float
        public let alpha: Float
        public let oneMinusAlpha: Float
        public let momentum: Float
        public let epsilon: Float
        public let weightDecay: Float
        public let maximize: Bool

        public init(negLR: Float, alpha: Float, oneMinusAlpha: Float, momentum: Float, epsilon: Float,
                    weightDecay: Float, maximize: Bool) {
            self.negLR = negLR
            self.alpha = alpha
            self.oneMinusAlpha = oneMinusAlpha
            self.momentum = momentum
            self.epsilon = epsilon
            self.weightDecay = weightDecay
            self.maximize = maximize
        }
    }

    public struct PyTorch: ElementwiseKernel {
        public let count: Int
        public let params: ParamsColumn
        public let gradient: Column, squareAverage: Column
        public let momentumBuffer: Column?, gradientAverage: Column?
        public let scalars: TorchScalars

        public init(count: Int, params: UnsafeMutablePointer<Float>, answer: UnsafeMutablePointer<Float>? = nil,
                    gradient: UnsafePointer<Float>,
                    squareAverage: UnsafeMutablePointer<Float>, momentumBuffer: UnsafeMutablePointer<Float>?,
                    gradientAverage: UnsafeMutablePointer<Float>?, _ scalars: TorchScalars) {
            self.count = count
            self.params = ParamsColumn(params, answer: answer)
            self.gradient = Column(gradient)
            self.squareAverage = Column(squareAverage)
            self.momentumBuffer = momentumBuffer.map(Column.init)
            self.gradientAverage = gradientAverage.map(Column.init)
            self.scalars = scalars
        }

        @inlinable @inline(__always)
        public func updateLane(at i: Int, count k: Int) {
            let s = scalars
            var g = gradient.load(i, k)
            if s.maximize { g = -g }
            let p = params.load(i, k)
            if s.weightDecay != 0 { g = g.addingProduct(p, s.weightDecay) }
            let square = (squareAverage.load(i, k) * s.alpha).addingProduct(s.oneMinusAlpha * g, g)
            squareAverage.store(square, i, k)
            var avg: Lane
            if let gradientAverage {
                let a = TorchMath.lerp(gradientAverage.load(i, k), g, s.oneMinusAlpha)
                gradientAverage.store(a, i, k)
                avg = square.addingProduct(-a, a).squareRoot()
            } else {
                avg = square.squareRoot()
            }
            avg = avg + s.epsilon
            if let momentumBuffer {
                let b = momentumBuffer.load(i, k) * s.momentum + g / avg
                momentumBuffer.store(b, i, k)
                params.store(p.addingProduct(b, s.negLR), i, k)
            } else {
                params.store(p + (s.negLR * g) / avg, i, k)
            }
        }
    }
}

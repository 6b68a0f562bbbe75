#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam and AdamW (AdamW is Adam with decoupled weight decay, applied before this kernel).
///
/// Keras (`keras/src/optimizers/adam.py`), the "epsilon hat" form of Kingma & Ba (just before
/// their §2.1): epsilon is added to the square root of the RAW second moment.
///
///     t = float32(iterations + 1)
///     alpha = lr · sqrt(1 − beta_2^t) / (1 − beta_1^t)      (float32, correctly rounded pow)
///     m = m + (g − m)·(1 − beta_1)
///     v = v + (g² − v)·(1 − beta_2)
///     vhat = max(vhat, v); v_used = vhat                      (amsgrad)
///     p = p − (m·alpha) / (sqrt(v_used) + epsilon)
///
/// PyTorch (`torch/optim/adam.py`, `_single_tensor_adam`), Algorithm 1: eps added AFTER bias
/// correction, outside the square root.
///
///     g = −g if maximize
///     p = p·(1 − lr·wd)            (adamw)     |  g = g + wd·p   (adam, L2)
///     m = lerp(m, g, 1 − beta1)                   (fused)
///     v = beta2·v + (1 − beta2)·g·g               (addcmul_, fused)
///     vmax = max(vmax, v); v_used = vmax          (amsgrad: max of the raw v)
///     denom = sqrt(v_used) / sqrt(1 − beta2^t) + eps
///     p = p + (−lr / (1 − beta1^t))·m / denom     (scalars in double, then float32)
///
/// With small gradients the two epsilon placements give very different trajectories
/// (reference/optimizers.md §13): the convention matters.
public enum Adam {
    public struct KerasScalars: Sendable {
        public let alpha: Float
        public let oneMinusBeta1: Float
        public let oneMinusBeta2: Float
        public let epsilon: Float

        public init(lr: Float, beta1: Double, beta2: Double, epsilon: Double, t: Int) {
            let tf = Float(t)
            let beta1Power = F32.pow(Float(beta1), tf)
            let beta2Power = F32.pow(Float(beta2), tf)
            alpha = lr * (1 - beta2Power).squareRoot() / (1 - beta1Power)
            oneMinusBeta1 = Float(1 - beta1)
            oneMinusBeta2 = Float(1 - beta2)
            self.epsilon = Float(epsilon)
        }
    }

    public struct Keras: ElementwiseKernel {
        public let count: Int
        public let params: ParamsColumn
        public let gradient: Column, momentum: Column, velocity: Column
        public let velocityHat: Column?
        public let decay: KerasWeightDecay?
        public let scalars: KerasScalars

        public init(count: Int, params: UnsafeMutablePointer<Float>, answer: UnsafeMutablePointer<Float>? = nil,
                    gradient: UnsafePointer<Float>,
                    momentum: UnsafeMutablePointer<Float>, velocity: UnsafeMutablePointer<Float>,
                    velocityHat: UnsafeMutablePointer<Float>?, decay: KerasWeightDecay?, _ scalars: KerasScalars) {
            self.count = count
            self.params = ParamsColumn(params, answer: answer)
            self.gradient = Column(gradient)
            self.momentum = Column(momentum)
            self.velocity = Column(velocity)
            self.velocityHat = velocityHat.map(Column.init)
            self.decay = decay
            self.scalars = scalars
        }

        @inlinable @inline(__always)
        public func updateLane(at i: Int, count k: Int) {
            let s = scalars
            let g = gradient.load(i, k), m0 = momentum.load(i, k), v0 = velocity.load(i, k)
            let m = m0 + (g - m0) * s.oneMinusBeta1
            let v = v0 + (g * g - v0) * s.oneMinusBeta2
            momentum.store(m, i, k)
            velocity.store(v, i, k)
            var used = v
            if let velocityHat {
                used = Lane.maximum(velocityHat.load(i, k), v)
                velocityHat.store(used, i, k)
            }
            let p = decay.apply(params.load(i, k))
            params.store(p - (m * s.alpha) / (used.squareRoot() + s.epsilon), i, k)
        }
    }

    public struct TorchScalars: Sendable {
        public let negStepSize: Float
        public let oneMinusBeta1: Float
        public let beta2: Float
        public let oneMinusBeta2: Float
        public let biasCorrection2Sqrt: Float
        public let epsilon: Float
        /// L2 coefficient folded into the gradient (adam); 0 for adamw.
        public let weightDecay: Float
        /// `1 − lr·wd` applied to the parameters first (adamw); nil for adam.
        public let decoupledScale: Float?
        public let maximize: Bool

        public init(lr: Double, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double,
                    decoupled: Bool, maximize: Bool, t: Int) {
            // torch reads its float32 step counter back as a Python float: t is exact below 2^24.
            let step = Double(Float(t))
            let biasCorrection1 = 1 - pow(beta1, step)
            let biasCorrection2 = 1 - pow(beta2, step)
            negStepSize = Float(-(lr / biasCorrection1))
            oneMinusBeta1 = Float(1 - beta1)
            self.beta2 = Float(beta2)
            oneMinusBeta2 = Float(1 - beta2)
            biasCorrection2Sqrt = Float(biasCorrection2.squareRoot())
            self.epsilon = Float(epsilon)
            self.weightDecay = decoupled ? 0 : Float(weightDecay)
            decoupledScale = decoupled && weightDecay != 0 ? Float(1 - lr * weightDecay) : nil
            self.maximize = maximize
        }
    }

    public struct PyTorch: ElementwiseKernel {
        public let count: Int
        public let params: ParamsColumn
        public let gradient: Column, expAvg: Column, expAvgSq: Column
        public let maxExpAvgSq: Column?
        public let scalars: TorchScalars

        public init(count: Int, params: UnsafeMutablePointer<Float>, answer: UnsafeMutablePointer<Float>? = nil,
                    gradient: UnsafePointer<Float>,
                    expAvg: UnsafeMutablePointer<Float>, expAvgSq: UnsafeMutablePointer<Float>,
                    maxExpAvgSq: UnsafeMutablePointer<Float>?, _ scalars: TorchScalars) {
            self.count = count
            self.params = ParamsColumn(params, answer: answer)
            self.gradient = Column(gradient)
            self.expAvg = Column(expAvg)
            self.expAvgSq = Column(expAvgSq)
            self.maxExpAvgSq = maxExpAvgSq.map(Column.init)
            self.scalars = scalars
        }

        @inlinable @inline(__always)
        public func updateLane(at i: Int, count k: Int) {
            let s = scalars
            var g = gradient.load(i, k)
            if s.maximize { g = -g }
            var p = params.load(i, k)
            if let scale = s.decoupledScale {
                p = p * scale
            } else if s.weightDecay != 0 {
                g = g.addingProduct(p, s.weightDecay)
            }
            let m = TorchMath.lerp(expAvg.load(i, k), g, s.oneMinusBeta1)
            let v = (expAvgSq.load(i, k) * s.beta2).addingProduct(s.oneMinusBeta2 * g, g)
            expAvg.store(m, i, k)
            expAvgSq.store(v, i, k)
            var used = v
            if let maxExpAvgSq {
                used = Lane.maximum(maxExpAvgSq.load(i, k), v)
                maxExpAvgSq.store(used, i, k)
            }
            let denom = used.squareRoot() / s.biasCorrection2Sqrt + s.epsilon
            params.store(p + (s.negStepSize * m) / denom, i, k)
        }
    }
}

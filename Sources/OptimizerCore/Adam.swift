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
enum Adam {
    struct KerasScalars {
        let alpha: Float
        let oneMinusBeta1: Float
        let oneMinusBeta2: Float
        let epsilon: Float

        init(lr: Float, beta1: Double, beta2: Double, epsilon: Double, t: Int) {
            let tf = Float(t)
            let beta1Power = F32.pow(Float(beta1), tf)
            let beta2Power = F32.pow(Float(beta2), tf)
            alpha = lr * (1 - beta2Power).squareRoot() / (1 - beta1Power)
            oneMinusBeta1 = Float(1 - beta1)
            oneMinusBeta2 = Float(1 - beta2)
            self.epsilon = Float(epsilon)
        }
    }

    static func keras(count n: Int, params p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      momentum m: UnsafeMutablePointer<Float>, velocity v: UnsafeMutablePointer<Float>,
                      velocityHat vhat: UnsafeMutablePointer<Float>?, _ s: KerasScalars) {
        for i in 0..<n {
            let gi = g[i]
            let mi = m[i] + (gi - m[i]) * s.oneMinusBeta1
            let vi = v[i] + (gi * gi - v[i]) * s.oneMinusBeta2
            m[i] = mi
            v[i] = vi
            var used = vi
            if let vhat {
                used = max(vhat[i], vi)
                vhat[i] = used
            }
            p[i] = p[i] - (mi * s.alpha) / (used.squareRoot() + s.epsilon)
        }
    }

    struct TorchScalars {
        let negStepSize: Float
        let oneMinusBeta1: Float
        let beta2: Float
        let oneMinusBeta2: Float
        let biasCorrection2Sqrt: Float
        let epsilon: Float
        /// L2 coefficient folded into the gradient (adam); 0 for adamw.
        let weightDecay: Float
        /// `1 − lr·wd` applied to the parameters first (adamw); nil for adam.
        let decoupledScale: Float?
        let maximize: Bool

        init(lr: Double, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double,
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

    static func pytorch(count n: Int, params p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                        expAvg m: UnsafeMutablePointer<Float>, expAvgSq v: UnsafeMutablePointer<Float>,
                        maxExpAvgSq vmax: UnsafeMutablePointer<Float>?, _ s: TorchScalars) {
        for i in 0..<n {
            var gi = s.maximize ? -g[i] : g[i]
            var pi = p[i]
            if let scale = s.decoupledScale {
                pi = pi * scale
            } else if s.weightDecay != 0 {
                gi = gi.addingProduct(pi, s.weightDecay)
            }
            let mi = TorchMath.lerp(m[i], gi, s.oneMinusBeta1)
            let vi = (v[i] * s.beta2).addingProduct(s.oneMinusBeta2 * gi, gi)
            m[i] = mi
            v[i] = vi
            var used = vi
            if let vmax {
                used = max(vmax[i], vi)
                vmax[i] = used
            }
            let denom = used.squareRoot() / s.biasCorrection2Sqrt + s.epsilon
            p[i] = pi + (s.negStepSize * mi) / denom
        }
    }
}

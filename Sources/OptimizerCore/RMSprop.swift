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
enum RMSprop {
    struct KerasScalars {
        let lr: Float
        let rho: Float
        let oneMinusRho: Float
        let momentum: Float
        let epsilon: Float
    }

    static func keras(count n: Int, params p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      velocity vel: UnsafeMutablePointer<Float>, momentum mom: UnsafeMutablePointer<Float>?,
                      averageGradient ag: UnsafeMutablePointer<Float>?, _ s: KerasScalars) {
        for i in 0..<n {
            let gi = g[i]
            let v = s.rho * vel[i] + s.oneMinusRho * (gi * gi)
            vel[i] = v
            var denominator = v + s.epsilon
            if let ag {
                let a = s.rho * ag[i] + s.oneMinusRho * gi
                ag[i] = a
                denominator = v - a * a + s.epsilon
            }
            let increment = (s.lr * gi) / denominator.squareRoot()
            if let mom {
                let m = s.momentum * mom[i] + increment
                mom[i] = m
                p[i] = p[i] - m
            } else {
                p[i] = p[i] - increment
            }
        }
    }

    struct TorchScalars {
        let negLR: Float
        let alpha: Float
        let oneMinusAlpha: Float
        let momentum: Float
        let epsilon: Float
        let weightDecay: Float
        let maximize: Bool
    }

    static func pytorch(count n: Int, params p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                        squareAverage sq: UnsafeMutablePointer<Float>, momentumBuffer buf: UnsafeMutablePointer<Float>?,
                        gradientAverage ga: UnsafeMutablePointer<Float>?, _ s: TorchScalars) {
        for i in 0..<n {
            var gi = s.maximize ? -g[i] : g[i]
            if s.weightDecay != 0 { gi = gi.addingProduct(p[i], s.weightDecay) }
            let square = (sq[i] * s.alpha).addingProduct(s.oneMinusAlpha * gi, gi)
            sq[i] = square
            var avg: Float
            if let ga {
                let a = TorchMath.lerp(ga[i], gi, s.oneMinusAlpha)
                ga[i] = a
                avg = square.addingProduct(-a, a).squareRoot()
            } else {
                avg = square.squareRoot()
            }
            avg = avg + s.epsilon
            if let buf {
                let b = buf[i] * s.momentum + gi / avg
                buf[i] = b
                p[i] = p[i].addingProduct(b, s.negLR)
            } else {
                p[i] = p[i] + (s.negLR * gi) / avg
            }
        }
    }
}

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
enum Adagrad {
    static func keras(count n: Int, params p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      accumulator acc: UnsafeMutablePointer<Float>, lr: Float, epsilon: Float) {
        for i in 0..<n {
            let gi = g[i]
            let a = acc[i] + gi * gi
            acc[i] = a
            p[i] = p[i] - (lr * gi) / (a + epsilon).squareRoot()
        }
    }

    struct TorchScalars {
        let negCLR: Float
        let epsilon: Float
        let weightDecay: Float
        let maximize: Bool
    }

    static func pytorch(count n: Int, params p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                        sum: UnsafeMutablePointer<Float>, _ s: TorchScalars) {
        for i in 0..<n {
            var gi = s.maximize ? -g[i] : g[i]
            if s.weightDecay != 0 { gi = gi.addingProduct(p[i], s.weightDecay) }
            let total = sum[i].addingProduct(gi, gi)
            sum[i] = total
            p[i] = p[i] + (s.negCLR * gi) / (total.squareRoot() + s.epsilon)
        }
    }
}

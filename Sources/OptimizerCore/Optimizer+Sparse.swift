#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sparse ("lazy") steps: only the listed coordinates and their state move. They follow
/// torch.optim's sparse code paths, so only the pytorch convention has them:
///
/// - `adam` → `torch.optim.SparseAdam` (`_functional.sparse_adam`). NOTE its epsilon is the
///   Keras-style "epsilon hat": added to √v before bias correction, unlike dense `torch.optim.Adam`
///   (reference/optimizers.md §13). The session's `exp_avg`/`exp_avg_sq` are shared with dense
///   steps, as they are when one model mixes the two optimizers. No `weight_decay`, no `amsgrad`.
///
///       g = −g if maximize; coalesce (sum repeated coordinates)
///       for each listed i:  old_m = m[i]; dm = (g − old_m)·(1 − β₁); m[i] = old_m + dm
///                           old_v = v[i]; dv = (g² − old_v)·(1 − β₂); v[i] = old_v + dv
///                           p[i] = p[i] + (−step_size)·((dm + old_m) / (√(dv + old_v) + eps))
///       step_size = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)    (Python double, then float32)
///
/// - `adagrad` → torch.optim.Adagrad's sparse branch (`_single_tensor_adagrad`). No `weight_decay`
///   (torch refuses it with sparse gradients).
///
///       g = −g if maximize; coalesce;  clr = lr / (1 + (t − 1)·lr_decay)
///       for each listed i:  sum[i] = sum[i] + g²;  p[i] = p[i] + (−clr)·(g / (√sum[i] + eps))
///
/// - `sgd` → torch.optim.SGD with a sparse gradient (momentum 0, weight_decay 0 only; torch adds
///   each entry as given, repeated coordinates one after the other):  p[i] = p[i] + (−lr)·g
///
/// Everything else (`rmsprop`, `adamw`, the keras convention, the settings above) is refused
/// with `SparseStepError.unsupported`. Every sparse step counts as one step (t, `step`), even one
/// with no indices, as torch counts it.
extension Optimizer {
    /// Nil when this configuration can take sparse steps; otherwise why not.
    public var sparseUnsupportedReason: String? {
        let c = config
        guard c.convention == .pytorch else {
            return "sparse steps follow torch.optim's sparse semantics (SparseAdam, Adagrad, SGD): the session must use the pytorch convention"
        }
        let wd = c.weightDecay ?? 0
        switch c.kind {
        case .adam:
            if wd != 0 { return "torch.optim.SparseAdam has no weight_decay; this session has weight_decay \(wd)" }
            if c.amsgrad { return "torch.optim.SparseAdam has no amsgrad" }
        case .adagrad:
            if wd != 0 { return "torch.optim.Adagrad: weight_decay is not compatible with sparse gradients" }
        case .sgd:
            if c.momentum != 0 || wd != 0 {
                return "sparse SGD steps need momentum 0 and weight_decay 0 (torch's sparse path)"
            }
        case .rmsprop, .adamw:
            return "torch.optim has no sparse form of \(c.kind.rawValue)"
        }
        return nil
    }

    /// Checks a sparse gradient against this optimizer: supported, indices and values paired,
    /// every index a coordinate, every value finite.
    public func validate(_ gradient: SparseGradient) throws(SparseStepError) {
        if let reason = sparseUnsupportedReason { throw .unsupported(reason) }
        guard gradient.indices.count == gradient.values.count else {
            throw .countMismatch(indices: gradient.indices.count, values: gradient.values.count)
        }
        for (k, index) in gradient.indices.enumerated() where index < 0 || Int(index) >= size {
            throw .indexOutOfRange(position: k, index: Int(index), size: size)
        }
        if let k = gradient.values.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(position: k) }
    }

    /// Applies one sparse gradient. `accepted` runs once it has passed validation, before
    /// anything changes (to journal it as received).
    public mutating func apply(sparse gradient: SparseGradient, accepted: () -> Void = {}) throws(SparseStepError) {
        try validate(gradient)
        accepted()
        let c = config
        let t = step + 1
        let lr = c.learningRate.double(at: step)
        let sign: Float = c.maximize ? -1 : 1
        let p = params.base
        switch c.kind {
        case .sgd:
            let negLR = Float(-lr)
            for (index, value) in zip(gradient.indices, gradient.values) {
                let i = Int(index)
                p[i] = p[i] + negLR * (sign * value)
            }
        case .adagrad:
            let g = gradient.coalesced()
            let negCLR = Float(-(lr / (1 + Double(t - 1) * c.lrDecay)))
            let eps = Float(c.epsilon)
            let sum = slot(named: "sum")!.base
            for (index, value) in zip(g.indices, g.values) {
                let i = Int(index), gi = sign * value
                let total = sum[i] + gi * gi
                sum[i] = total
                p[i] = p[i] + negCLR * (gi / (total.squareRoot() + eps))
            }
        case .adam:
            let g = gradient.coalesced()
            let oneMinusBeta1 = Float(1 - c.beta1), oneMinusBeta2 = Float(1 - c.beta2)
            let eps = Float(c.epsilon)
            let biasCorrection1 = 1 - pow(c.beta1, Double(t))
            let biasCorrection2 = 1 - pow(c.beta2, Double(t))
            let negStepSize = Float(-(lr * biasCorrection2.squareRoot() / biasCorrection1))
            let m = slot(named: "exp_avg")!.base, v = slot(named: "exp_avg_sq")!.base
            for (index, value) in zip(g.indices, g.values) {
                let i = Int(index), gi = sign * value
                let oldM = m[i], dm = (gi - oldM) * oneMinusBeta1
                m[i] = oldM + dm
                let oldV = v[i], dv = (gi * gi - oldV) * oneMinusBeta2
                v[i] = oldV + dv
                p[i] = p[i] + negStepSize * ((dm + oldM) / ((dv + oldV).squareRoot() + eps))
            }
        case .rmsprop, .adamw:
            preconditionFailure("refused by validate")
        }
        step += 1
    }
}

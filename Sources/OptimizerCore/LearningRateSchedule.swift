import OptimizerKernels
/// Keras 3's learning-rate schedules (`keras/src/optimizers/schedules/learning_rate_schedule.py`),
/// evaluated in float32 op by op as Keras does. The optimizer calls `value(at: iterations)`, so
/// the first update uses `value(at: 0)`; both conventions use them the same way.
public enum LearningRateSchedule: Sendable, Equatable {
    /// `init · rate^(step/decay_steps)`, the exponent floored when `staircase`.
    case exponentialDecay(initial: Double, decaySteps: Double, decayRate: Double, staircase: Bool)
    /// `values[i]` on `(boundaries[i-1], boundaries[i]]`; a boundary step belongs to the earlier
    /// interval.
    case piecewiseConstantDecay(boundaries: [Int], values: [Double])
    /// `(init − end)·(1 − s/ds)^power + end`, `s` clamped to `ds`, or `ds` stretched when `cycle`.
    case polynomialDecay(initial: Double, decaySteps: Double, end: Double, power: Double, cycle: Bool)
    /// `init / (1 + rate·step/decay_steps)`, the ratio floored when `staircase`.
    case inverseTimeDecay(initial: Double, decaySteps: Double, decayRate: Double, staircase: Bool)
    /// Cosine from `init` (or from `warmupTarget` after a linear warmup) down to `alpha·base`,
    /// clamped after `decaySteps`.
    case cosineDecay(initial: Double, decaySteps: Double, alpha: Double, warmupTarget: Double?, warmupSteps: Int)
    /// SGDR: cosine cycles whose length grows by `tMul` and height by `mMul`.
    case cosineDecayRestarts(initial: Double, firstDecaySteps: Double, tMul: Double, mMul: Double, alpha: Double)

    /// The rate at optimizer iteration `step` (0 for the first update), as a float32.
    public func value(at step: Int) -> Float {
        let s = Float(step)
        switch self {
        case let .exponentialDecay(initial, decaySteps, decayRate, staircase):
            var p = s / F32.round(decaySteps)
            if staircase { p = F32.floor(p) }
            return F32.round(initial) * F32.pow(F32.round(decayRate), p)

        case let .piecewiseConstantDecay(boundaries, values):
            // Keras casts the boundaries to the step's integer type and compares integers.
            for (i, b) in boundaries.enumerated() where step <= b { return F32.round(values[i]) }
            return F32.round(values[values.count - 1])

        case let .polynomialDecay(initial, decaySteps, end, power, cycle):
            var global = s
            var ds = F32.round(decaySteps)
            if cycle {
                let multiplier: Float = global == 0 ? 1 : F32.ceil(global / ds)
                ds = ds * multiplier
            } else {
                global = min(global, ds)
            }
            let p = global / ds
            let i = F32.round(initial), e = F32.round(end)
            return (i - e) * F32.pow(1 - p, F32.round(power)) + e

        case let .inverseTimeDecay(initial, decaySteps, decayRate, staircase):
            var p = s / F32.round(decaySteps)
            if staircase { p = F32.floor(p) }
            return F32.round(initial) / (1 + F32.round(decayRate) * p)

        case let .cosineDecay(initial, decaySteps, alpha, warmupTarget, warmupSteps):
            let ds = F32.round(decaySteps)
            let i = F32.round(initial)
            guard let warmupTarget else {
                return Self.cosineDecayed(step: min(s, ds), decaySteps: ds, from: i, alpha: alpha)
            }
            let target = F32.round(warmupTarget)
            let ws = Float(warmupSteps)
            let clamped = min(s, ds + ws)
            // Under JAX both branches of this `ops.cond` compile into one XLA computation, which
            // fuses a multiply-add in each (measured bit-exact against Keras 3.15.1 / JAX 0.10.2;
            // Tests/OptimizerCoreTests/Fixtures/README.md).
            if clamped < ws {
                // The docstring omits `+ initial_learning_rate`; the code, which runs, adds it.
                return i.addingProduct(target - i, clamped / ws)
            }
            let fraction = (clamped - ws) / ds
            let cosine: Float = 0.5 * (1 + F32.cos(piF32 * fraction))
            return target * F32.round(alpha).addingProduct(F32.round(1 - alpha), cosine)

        case let .cosineDecayRestarts(initial, firstDecaySteps, tMul, mMul, alpha):
            let a = F32.round(alpha), t = F32.round(tMul), m = F32.round(mMul)
            var fraction = s / F32.round(firstDecaySteps)
            let restart: Float
            if t == 1 {
                restart = F32.floor(fraction)
                fraction -= restart
            } else {
                restart = F32.floor(F32.log(1 - fraction * (1 - t)) / F32.log(t))
                let sumR = (1 - F32.pow(t, restart)) / (1 - t)
                fraction = (fraction - sumR) / F32.pow(t, restart)
            }
            let mFactor = F32.pow(m, restart)
            let cosine = 0.5 * mFactor * (1 + F32.cos(piF32 * fraction))
            // The floor alpha·init is not scaled by m_mul^i, as in Keras.
            return F32.round(initial) * ((1 - a) * cosine + a)
        }
    }

    private static func cosineDecayed(step: Float, decaySteps: Float, from base: Float, alpha: Double) -> Float {
        let fraction = step / decaySteps
        let cosine: Float = 0.5 * (1 + F32.cos(piF32 * fraction))
        // `(1 - self.alpha)` is a Python double rounded once; `+ self.alpha` likewise.
        let decayed = F32.round(1 - alpha) * cosine + F32.round(alpha)
        return base * decayed
    }
}

/// `ops.array(math.pi, dtype="float32")`: π rounded to nearest. Swift's `Float.pi` is rounded
/// toward zero, one ulp lower.
private let piF32 = Float(Double.pi)

/// SPEC §2 fidelity: |optd − ref| ≤ 1e-5 · max(1, |ref|) for every element at every step.
/// `ratio` is the error divided by that allowance: a step passes when the worst ratio ≤ 1.
enum Tolerance {
    static func ratio(_ actual: Float, _ reference: Float) -> Double {
        let allowance = 1e-5 * max(1, abs(Double(reference)))
        if actual.bitPattern == reference.bitPattern { return 0 }
        // A NaN or infinity on either side (but not identical on both) is as wrong as it gets.
        if !actual.isFinite || !reference.isFinite { return .infinity }
        return abs(Double(actual) - Double(reference)) / allowance
    }

    static func worstRatio(_ actual: some Sequence<Float>, _ reference: [Float]) -> Double {
        zip(actual, reference).reduce(0) { max($0, ratio($1.0, $1.1)) }
    }
}

/// SPEC §2 fidelity: |optd − ref| ≤ 1e-5 · max(1, |ref|) for every element at every step.
/// `ratio` is the error divided by that allowance: a step passes when the worst ratio ≤ 1.
enum Tolerance {
    static func ratio(_ actual: Float, _ reference: Float) -> Double {
        let allowance = 1e-5 * max(1, abs(Double(reference)))
        if actual.bitPattern == reference.bitPattern { return 0 }
        return abs(Double(actual) - Double(reference)) / allowance
    }

    static func worstRatio(_ actual: some Sequence<Float>, _ reference: [Float]) -> Double {
        zip(actual, reference).map { ratio($0, $1) }.max() ?? 0
    }
}

import Testing
@testable import OptimizerCore

/// The finiteness scan (`FiniteScan` through `KernelExecutor.allFinite`) and `FiniteCheck`, the
/// piecewise form a raw request body is checked with as it arrives.
@Suite struct FiniteCheckTests {
    /// The edges of "finite" in bits: the largest magnitudes, subnormals and zeros pass; every
    /// infinity and NaN (quiet, signalling, negative, any payload) is caught.
    static let finite: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
                                  -.leastNormalMagnitude, 0, -0.0, 1]
    static let nonFinite: [Float] = [.infinity, -.infinity, .nan, -.nan, .signalingNaN,
                                     Float(bitPattern: 0x7f80_0001), Float(bitPattern: 0xffff_ffff)]

    @Test func theScanTellsTheEdgesOfFiniteApartInEveryPosition() {
        // 77 values: four-lane blocks, single lanes and a scalar tail.
        for position in 0..<77 {
            var values = [Float](repeating: 0, count: 77)
            for edge in Self.finite {
                values[position] = edge
                let allFinite = values.withUnsafeBufferPointer { KernelExecutor.allFinite($0.baseAddress!, 0..<77) }
                #expect(allFinite, "\(edge) at \(position)")
            }
            for bad in Self.nonFinite {
                values[position] = bad
                let firstBad = values.withUnsafeBufferPointer { KernelExecutor.firstNonFinite($0) }
                #expect(firstBad == position, "\(bad.bitPattern) at \(position)")
            }
        }
    }

    @Test func aCheckInPiecesFindsTheFirstBadValueWhateverThePieces() {
        let n = 10_000
        for bad in [0, 1, 4_095, 9_999] {
            var values = [Float](repeating: 0.5, count: n)
            values[bad] = .nan
            values[min(n - 1, bad + 17)] = .infinity  // a later one is never reported
            for pieceSize in [1, 3, 64, 1_000, n] {
                var check = FiniteCheck()
                values.withUnsafeBufferPointer { all in
                    var end = 0
                    while end < n {
                        end = min(n, end + pieceSize)
                        check.scan(all, upTo: end)
                    }
                }
                #expect(check.firstNonFinite == bad && check.checked == n, "bad at \(bad), pieces of \(pieceSize)")
            }
        }
    }

    @Test func applyTrustsACompleteCheckAndScansWhatAPartialOneLeft() throws {
        var optimizer = try makeOptimizer(.sgd, .pytorch, params: [1, 2, 3, 4])
        var gradient: [Float] = [0.5, 0.5, 0.5, .infinity]
        var partial = FiniteCheck()
        gradient.withUnsafeBufferPointer { partial.scan($0, upTo: 2) }
        #expect(throws: StepError.nonFinite(index: 3)) {
            try gradient.withUnsafeMutableBufferPointer { try optimizer.apply(gradient: $0, checked: partial) }
        }
        var found = FiniteCheck()
        gradient[3] = 0.5
        gradient[1] = .nan
        gradient.withUnsafeBufferPointer { found.scan($0, upTo: 4) }
        gradient[1] = 0.5  // the check, made while the values arrived, is what counts
        #expect(throws: StepError.nonFinite(index: 1)) {
            try gradient.withUnsafeMutableBufferPointer { try optimizer.apply(gradient: $0, checked: found) }
        }
        #expect(optimizer.step == 0 && optimizer.params.array == [1, 2, 3, 4])
    }
}

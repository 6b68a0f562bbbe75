import Dispatch
import OptimizerKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an optimizer kernel over all its coordinates: with the instruction set this CPU has, and
/// on several cores when the vector is long enough for that to pay (`benchmarks/kernels/run`
/// measures one thread against two).
///
/// Kernels are elementwise, so the split changes which core computes a coordinate, never its bits.
public enum KernelExecutor {
    /// Below this many coordinates a step runs on the calling thread: waking a second thread
    /// costs more than it saves (measured in benchmarks/kernels).
    public static let parallelThreshold = 1 << 16

    /// The most threads one kernel uses: the online CPUs, unless a benchmark or a test binds
    /// another count for the work it runs (`$maxThreads.withValue(1) { ... }`).
    @TaskLocal public static var maxThreads: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Runs `kernel`; `avx2` is its x86-64-v3 compilation (an `AVX2.run` overload).
    static func execute<Kernel: ElementwiseKernel>(_ kernel: Kernel, avx2: (Kernel, Range<Int>) -> Void) {
        let n = kernel.count
        let parts = max(1, min(maxThreads, n / parallelThreshold))
        let wide = InstructionSet.current == .avx2
        if parts == 1 {
            if wide { avx2(kernel, 0..<n) } else { kernel.run(0..<n) }
            return
        }
        // Chunks start on 64-byte boundaries (16 floats) so no two threads write one cache line.
        let chunk = (n / parts + 15) & ~15
        withoutActuallyEscaping(avx2) { avx2 in
            let wideRun = UncheckedSendable(avx2)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let range = min(n, part * chunk)..<(part == parts - 1 ? n : min(n, (part + 1) * chunk))
                if wide { wideRun.value(kernel, range) } else { kernel.run(range) }
            }
        }
    }
}

extension KernelExecutor {
    /// Whether `values` holds only finite numbers; split like the kernels, as it reads the
    /// gradient once more before every step.
    static func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
        guard let base = values.baseAddress else { return true }
        let n = values.count
        let parts = max(1, min(maxThreads, n / parallelThreshold))
        if parts == 1 { return FiniteScan.allFinite(base, 0..<n) }
        let chunk = (n / parts + 15) & ~15
        let bad = Atomic<Bool>(false)
        let start = UncheckedSendable(base)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = min(n, part * chunk)..<(part == parts - 1 ? n : min(n, (part + 1) * chunk))
            if !FiniteScan.allFinite(start.value, range) { bad.store(true, ordering: .relaxed) }
        }
        return !bad.load(ordering: .relaxed)
    }
}

/// A value (a closure, a pointer) that the iterations of one `concurrentPerform` read; it outlives
/// them, and nothing writes it meanwhile.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

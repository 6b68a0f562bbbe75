import CPUFeatures
import Dispatch
import OptimizerKernels
import OptimizerKernelsAVX2
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

    /// The most threads one kernel uses: the CPUs this process may run on, unless a benchmark or
    /// a test binds another count for the work it runs (`$maxThreads.withValue(1) { ... }`).
    @TaskLocal public static var maxThreads: Int = usableCPUs()

    /// The CPUs in this process's affinity mask (`taskset`, a container's cpuset), else the
    /// online ones: a second thread on a process pinned to one core only adds a hand-off.
    static func usableCPUs() -> Int {
        let pinned = Int(optd_cpus_in_affinity_mask())
        return pinned > 0 ? pinned : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `kernel`; `avx2` is its x86-64-v3 compilation (an `AVX2.run` overload).
    static func execute<Kernel: ElementwiseKernel>(_ kernel: Kernel, avx2: (Kernel, Range<Int>) -> Void) {
        let split = Split(count: kernel.count)
        let wide = InstructionSet.current == .avx2
        if split.threads == 1 {
            if wide { avx2(kernel, 0..<kernel.count) } else { kernel.run(0..<kernel.count) }
            return
        }
        withoutActuallyEscaping(avx2) { avx2 in
            let wideRun = UncheckedSendable(avx2)
            split.forEachChunk { range in
                if wide { wideRun.value(kernel, range) } else { kernel.run(range) }
            }
        }
    }

    /// How a vector of `count` coordinates is shared between threads: in chunks that each thread
    /// takes one after another from a common counter, rather than a fixed share per thread. On
    /// a shared host one CPU is often slowed by a neighbour for a while (this project's
    /// two-CPU VM: a kernel pass on two threads swung between 2.3 and 5.2 G elements/s); with
    /// fixed halves every step waits for the slow half, with chunks the other thread does more.
    struct Split: Sendable {
        /// 32,768 coordinates: 128 KB of each array, long enough for the prefetchers' streams and
        /// for the counter to cost nothing, a multiple of 16 floats so no two threads write one
        /// cache line.
        static let chunkSize = 1 << 15

        let count: Int
        let threads: Int
        let chunks: Int

        init(count: Int) {
            self.count = count
            threads = max(1, min(maxThreads, count / parallelThreshold))
            chunks = (count + Self.chunkSize - 1) / Self.chunkSize
        }

        /// Chunk `i`'s coordinates; the last chunk ends at `count`.
        func range(_ i: Int) -> Range<Int> {
            i * Self.chunkSize..<min(count, (i + 1) * Self.chunkSize)
        }

        /// Calls `body` once for every chunk, on `threads` threads.
        func forEachChunk(_ body: @Sendable (Range<Int>) -> Void) {
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while true {
                    let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard chunk < chunks else { return }
                    body(range(chunk))
                }
            }
        }
    }
}

extension KernelExecutor {
    /// The index of the first NaN or infinity in `values`, nil when all are finite: one scan a
    /// lane at a time, split like the kernels (a step reads its gradient once more for it), and
    /// the culprit located only if there is one.
    public static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        guard let base = values.baseAddress else { return nil }
        let split = Split(count: values.count)
        let allFinite: Bool
        if split.threads == 1 {
            allFinite = Self.allFinite(base, 0..<values.count)
        } else {
            let bad = Atomic<Bool>(false)
            let start = UncheckedSendable(base)
            split.forEachChunk { range in
                if !Self.allFinite(start.value, range) { bad.store(true, ordering: .relaxed) }
            }
            allFinite = !bad.load(ordering: .relaxed)
        }
        return allFinite ? nil : values.firstIndex { !$0.isFinite }
    }

    /// `FiniteScan.allFinite` on the calling thread, with the widest instruction set this CPU has.
    static func allFinite(_ values: UnsafePointer<Float>, _ range: Range<Int>) -> Bool {
        InstructionSet.current == .avx2 ? AVX2.allFinite(values, range) : FiniteScan.allFinite(values, range)
    }
}

/// A value (a closure, a pointer) that the iterations of one `concurrentPerform` read; it outlives
/// them, and nothing writes it meanwhile.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

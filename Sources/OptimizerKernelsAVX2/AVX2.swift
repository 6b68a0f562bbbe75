import OptimizerKernels

/// The kernels compiled for x86-64-v3 (AVX2 and FMA).
///
/// This target alone is built with `-target-cpu haswell` (Package.swift), and each function
/// below inlines a kernel's `run`, so its body is 256-bit vector code with hardware fused
/// multiply-adds. The rest of optd stays baseline x86-64: `KernelExecutor` calls these only after
/// the CPU has reported those features, so one binary runs everywhere and is fast where it can
/// be. The arithmetic is the same IEEE operations in the same order, so the bits are the same.
/// On other architectures this target is built for the generic CPU and is never called.
public enum AVX2 {
    @inline(never) public static func run(_ kernel: SGD.Keras, _ range: Range<Int>) { kernel.run(range) }
    @inline(never) public static func run(_ kernel: SGD.PyTorch, _ range: Range<Int>) { kernel.run(range) }
    @inline(never) public static func run(_ kernel: Adagrad.Keras, _ range: Range<Int>) { kernel.run(range) }
    @inline(never) public static func run(_ kernel: Adagrad.PyTorch, _ range: Range<Int>) { kernel.run(range) }
    @inline(never) public static func run(_ kernel: RMSprop.Keras, _ range: Range<Int>) { kernel.run(range) }
    @inline(never) public static func run(_ kernel: RMSprop.PyTorch, _ range: Range<Int>) { kernel.run(range) }
    @inline(never) public static func run(_ kernel: Adam.Keras, _ range: Range<Int>) { kernel.run(range) }
    @inline(never) public static func run(_ kernel: Adam.PyTorch, _ range: Range<Int>) { kernel.run(range) }
    @inline(never) public static func allFinite(_ values: UnsafePointer<Float>, _ range: Range<Int>) -> Bool {
        FiniteScan.allFinite(values, range)
    }
}

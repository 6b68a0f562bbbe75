import OptimizerCore
import Synchronization

/// Spare float32 buffers for request bodies and step answers, reused across requests.
///
/// A fresh buffer of a few MB is a fresh `mmap`: the kernel zeroes every page on first touch,
/// and a 1M-float step spent more time there than in the optimizer (perf: `clear_page_erms`
/// 38% at 16 connections). Keeping returned buffers (up to `maxBytes` in all, by size) makes a
/// step allocate nothing in the steady state. A taken buffer's contents are whatever its last
/// user left; callers overwrite it whole.
final class VectorPool: Sendable {
    /// Buffers larger than this are never kept (large sessions stream their steps; see
    /// `LargeStep`), so the pool cannot hold more than a small fraction of memory.
    let maxBufferBytes: Int
    let maxBytes: Int
    private let free = Mutex<(buffers: [Int: [FloatBuffer]], bytes: Int)>(([:], 0))

    init(maxBytes: Int = 64 << 20, maxBufferBytes: Int = 16 << 20) {
        self.maxBytes = maxBytes
        self.maxBufferBytes = maxBufferBytes
    }

    /// A buffer of `count` floats: a kept one if there is one, else a new one.
    func take(count: Int) -> FloatBuffer {
        let kept = free.withLock { f -> FloatBuffer? in
            guard let buffer = f.buffers[count]?.popLast() else { return nil }
            f.bytes -= count * 4
            return buffer
        }
        return kept ?? FloatBuffer(count: count)
    }

    /// Hands `buffer` back; the caller must hold no other reference to it that it still uses.
    func give(_ buffer: FloatBuffer) {
        let bytes = buffer.count * 4
        guard bytes > 0, bytes <= maxBufferBytes else { return }
        free.withLock { f in
            guard f.bytes + bytes <= maxBytes else { return }
            f.buffers[buffer.count, default: []].append(buffer)
            f.bytes += bytes
        }
    }
}

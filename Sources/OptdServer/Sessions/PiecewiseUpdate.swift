import OptimizerCore

/// Applies one gradient that is not in memory to an optimizer, a piece at a time, with the
/// optimizer's own `apply` (so the arithmetic is the one every other step uses).
///
/// Every stage of the update is elementwise except the norms of Keras's `clipnorm` and
/// `global_clipnorm`, so applying the gradient to consecutive pieces of the parameters and
/// state, each as a small optimizer at the same step, gives bit for bit the result of one
/// `apply` over the whole vector. Each piece's parameters and state are copied into small
/// buffers (they stay in the CPU cache), updated, and copied back; then the step count moves.
///
/// The caller must have validated the whole gradient (finite, right length) first: once the
/// first piece is written back there is no undoing.
enum PiecewiseUpdate {
    /// Floats per piece: params, gradient and up to four state buffers of 64 KB each.
    static let pieceCount = 16 * 1024

    /// False for the configurations whose update is not elementwise.
    static func supports(_ config: OptimizerConfig) -> Bool {
        config.clipnorm == nil && config.globalClipnorm == nil
    }

    enum Failure: Error {
        /// Nothing changed: the update needs more than an elementwise pass (a state buffer that
        /// the first step creates, as torch's SGD momentum does).
        case unsupported
        /// Reading the gradient back failed after part of it was applied.
        case readFailed(PersistenceError, applied: Bool)
    }

    /// Applies the gradient that `read(offset, into)` delivers in blocks of `block.count` floats.
    static func apply(to optimizer: inout Optimizer, block: FloatBuffer,
                      read: (Int, UnsafeMutableBufferPointer<Float>) throws(PersistenceError) -> Void) throws(Failure) {
        let n = optimizer.size, config = optimizer.config, step = optimizer.step
        let params = optimizer.params
        let slots = optimizer.slots
        guard supports(config), n > 0 else { throw .unsupported }
        let slotNames = Set(slots.map(\.name))
        var full: Piece?
        var tail: Piece?
        var applied = false
        var offset = 0
        while offset < n {
            let blockLength = min(block.count, n - offset)
            do throws(PersistenceError) {
                try read(offset, UnsafeMutableBufferPointer(rebasing: block.buffer[0..<blockLength]))
            } catch {
                throw .readFailed(error, applied: applied)
            }
            var i = 0
            while i < blockLength {
                let length = min(pieceCount, blockLength - i)
                let piece: Piece
                if length == pieceCount {
                    if full == nil { full = Piece(count: length, slots: slots) }
                    piece = full!
                } else {
                    if tail == nil || tail!.params.count != length { tail = Piece(count: length, slots: slots) }
                    piece = tail!
                }
                let start = offset + i
                piece.load(params: params, slots: slots, from: start, gradient: block.base + i)
                var small: Optimizer
                do {
                    small = try Optimizer(config: config, params: piece.params, step: step, slots: piece.slots)
                    try small.apply(gradient: piece.gradient.buffer)
                } catch {
                    // Validated finite and of the right size, so only a broken invariant lands here.
                    fatalError("piecewise update of a validated gradient failed: \(error)")
                }
                if !applied {
                    // The small optimizer must not have grown a buffer the whole one lacks.
                    guard Set(small.slots.map(\.name)) == slotNames else { throw .unsupported }
                }
                piece.store(params: params, slots: slots, at: start)
                applied = true
                i += length
            }
            offset += blockLength
        }
        do {
            var all: [String: FloatBuffer] = [:]
            for slot in slots { all[slot.name] = slot.buffer }
            optimizer = try Optimizer(config: config, params: params, step: step + 1, slots: all)
        } catch {
            fatalError("re-forming an optimizer from its own buffers failed: \(error)")
        }
    }

    /// The small buffers one piece is updated in.
    private final class Piece {
        let params: FloatBuffer
        let gradient: FloatBuffer
        let slots: [String: FloatBuffer]

        init(count: Int, slots: [Slot]) {
            params = FloatBuffer(count: count)
            gradient = FloatBuffer(count: count)
            var buffers: [String: FloatBuffer] = [:]
            for slot in slots { buffers[slot.name] = FloatBuffer(count: count) }
            self.slots = buffers
        }

        func load(params whole: FloatBuffer, slots wholeSlots: [Slot], from start: Int, gradient g: UnsafePointer<Float>) {
            let n = params.count
            params.base.update(from: whole.base + start, count: n)
            gradient.base.update(from: g, count: n)
            for slot in wholeSlots { slots[slot.name]!.base.update(from: slot.buffer.base + start, count: n) }
        }

        func store(params whole: FloatBuffer, slots wholeSlots: [Slot], at start: Int) {
            let n = params.count
            (whole.base + start).update(from: params.base, count: n)
            for slot in wholeSlots { (slot.buffer.base + start).update(from: slots[slot.name]!.base, count: n) }
        }
    }
}

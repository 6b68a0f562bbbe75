extension JSONReader {
    /// Reads `[n, n, ...]` into `sink` as float32, each correctly rounded. A number beyond
    /// float32's range is `nonFinite` with its index.
    ///
    /// The hot path of a step: thousands to millions of numbers. Runs of numbers are read by
    /// `readRun` on raw pointers, each settled by `FloatScanner` (eight digits at a time);
    /// whatever that leaves (errors, NaN words, long or extreme numbers) goes through
    /// `readFloat` from the same byte, so errors, their offsets and the rounding are the general
    /// reader's.
    package mutating func readFloatArray(into sink: inout FloatSink) throws(JSONDecodeError) {
        try expect(UInt8(ascii: "["), "'[' starting an array of numbers")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; return }
        // expect found '[', so there are bytes and a base address.
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let end = base + bytes.count
        while true {
            let (stop, atValue) = Self.readRun(from: base + index, end: end, into: &sink)
            index = stop - base
            if atValue {
                // A number the fast path does not settle, or no number at all.
                // Not JSON, but what Python's json.dumps writes for nan/inf: name it for what it is.
                if nonFiniteLiteralAhead() { throw .nonFinite(index: sink.count) }
                let value = try readFloat()
                if !value.isFinite { throw .nonFinite(index: sink.count) }
                sink.append(value)
                skipWhitespace()
            }
            guard index < bytes.count else { throw fail("unterminated array") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return
            default: throw fail("expected ',' or ']' in an array of numbers")
            }
        }
    }

    /// Reads numbers and the commas between them, from where a number (or whitespace before
    /// one) is due, for as long as `FloatScanner` settles each number with a finite float32.
    /// Returns where it stopped: at a number it left (`atValue`, whitespace skipped), or after
    /// a number and its whitespace, at something other than a comma.
    ///
    /// One tight loop with the element count and storage in registers: the common body,
    /// `[a,b,c]` or `[a, b, c]`, is read here from the first number to the last.
    @inline(__always)
    private static func readRun(from start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, into sink: inout FloatSink)
        -> (stop: UnsafePointer<UInt8>, atValue: Bool) {
        var p = start
        while true {
            p = skippingWhitespace(p, end: end)
            guard let (value, next) = FloatScanner.float(at: p, end: end), value.isFinite else { return (p, true) }
            sink.append(value)
            p = skippingWhitespace(next, end: end)
            guard p < end, p.pointee == UInt8(ascii: ",") else { return (p, false) }
            p += 1
        }
    }

    /// The first byte at or after `p` that is not JSON whitespace (RFC 8259 §2: space, tab, LF, CR).
    @inline(__always)
    private static func skippingWhitespace(_ p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        var p = p
        while p < end, p.pointee <= 0x20, p.pointee == 0x20 || p.pointee == 0x09 || p.pointee == 0x0A || p.pointee == 0x0D {
            p += 1
        }
        return p
    }

    /// `NaN`, `Infinity` or `-Infinity` at the cursor. Decided from one or two bytes (a number
    /// starts with a digit or `-digit`); the words are compared only then.
    private func nonFiniteLiteralAhead() -> Bool {
        guard let first = peek() else { return false }
        var start = index
        if first == UInt8(ascii: "-") {
            guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "I") else { return false }
            start += 1
        } else if first != UInt8(ascii: "N") && first != UInt8(ascii: "I") {
            return false
        }
        for word in ["NaN", "Infinity"] where bytes.count - start >= word.utf8.count {
            if word.utf8.enumerated().allSatisfy({ bytes[start + $0.offset] == $0.element }) { return true }
        }
        return false
    }
}

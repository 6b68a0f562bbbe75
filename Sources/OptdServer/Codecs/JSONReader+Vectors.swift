extension JSONReader {
    /// Reads `[n, n, ...]` into `sink` as float32, each correctly rounded. A number beyond
    /// float32's range is `nonFinite` with its index.
    ///
    /// The hot path of a step: thousands to millions of numbers. It walks a pointer rather than
    /// `index`, and settles each number with `FloatScanner` (eight digits at a time); whatever
    /// that leaves (errors, NaN words, long or extreme numbers) goes through `readFloat` from the
    /// same byte, so errors, their offsets and the rounding are the general reader's.
    package mutating func readFloatArray(into sink: inout FloatSink) throws(JSONDecodeError) {
        try expect(UInt8(ascii: "["), "'[' starting an array of numbers")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; return }
        // expect found '[', so there are bytes and a base address.
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let end = base + bytes.count
        var p = base + index
        while true {
            if p < end, isWhitespace(p.pointee) { index = p - base; skipWhitespace(); p = base + index }
            let value: Float
            if let fast = FloatScanner.float(at: p, end: end) {
                value = fast.value
                p = fast.end
            } else {
                index = p - base
                // Not JSON, but what Python's json.dumps writes for nan/inf: name it for what it is.
                if nonFiniteLiteralAhead() { throw .nonFinite(index: sink.count) }
                value = try readFloat()
                p = base + index
            }
            if !value.isFinite { throw .nonFinite(index: sink.count) }
            sink.append(value)
            if p < end, p.pointee == UInt8(ascii: ",") { p += 1; continue }  // orjson's "a,b": no spaces
            if p < end, isWhitespace(p.pointee) { index = p - base; skipWhitespace(); p = base + index }
            guard p < end else { index = p - base; throw fail("unterminated array") }
            let byte = p.pointee
            if byte == UInt8(ascii: ",") { p += 1; continue }
            index = p - base
            if byte == UInt8(ascii: "]") { index += 1; return }
            throw fail("expected ',' or ']' in an array of numbers")
        }
    }

    @inline(__always)
    private func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import OptimizerCore

/// A strict RFC 8259 reader over bytes in memory, written for two jobs: number arrays straight
/// into float32 memory (gradients, parameters: the hot path, no allocation per element), and
/// small documents into `ConfigValue` (session metadata, hyperparameters).
///
/// Strict means: no trailing commas, no comments, no `NaN`/`Infinity`, no leading zeros or `+`,
/// valid UTF-8 in strings, no duplicate keys, nesting at most `maxDepth`, nothing but whitespace
/// after the document.
package struct JSONReader: ~Copyable {
    package let bytes: UnsafeRawBufferPointer
    /// The next byte to read (set by the vector reader in JSONReader+Vectors.swift too).
    var index = 0
    let maxDepth = 64

    package init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    // MARK: Structure

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    @inline(__always)
    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONDecodeError) {
        skipWhitespace()
        guard peek() == byte else { throw fail("expected \(what)") }
        index += 1
    }

    /// After the document: only whitespace may follow.
    package mutating func expectEnd() throws(JSONDecodeError) {
        skipWhitespace()
        if index != bytes.count { throw fail("unexpected data after the JSON document") }
    }

    func fail(_ reason: String) -> JSONDecodeError { .syntax(offset: index, reason: reason) }

    /// Reads an object, handing each key to `field` with the reader positioned at its value.
    /// `field` must consume the value. Duplicate keys are refused.
    package mutating func readObject(_ field: (String, inout JSONReader) throws(JSONDecodeError) -> Void) throws(JSONDecodeError) {
        try expect(UInt8(ascii: "{"), "'{'")
        var seen = Set<String>()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyOffset = index
            let key = try readString()
            guard seen.insert(key).inserted else { throw .syntax(offset: keyOffset, reason: "duplicate key \"\(key)\"") }
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            try field(key, &self)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    // MARK: Numbers

    /// One JSON number as the nearest float32 (infinite when beyond float32's range).
    mutating func readFloat() throws(JSONDecodeError) -> Float {
        let start = index
        let number = try scanNumber()
        if !number.inexact, let fast = FloatParsing.fastFloat(mantissa: number.mantissa, exponent: number.exponent,
                                                              negative: number.negative) {
            return fast
        }
        return FloatParsing.slowFloat(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
    }

    /// One JSON number as the nearest double.
    mutating func readDouble() throws(JSONDecodeError) -> Double {
        let start = index
        let number = try scanNumber()
        if !number.inexact, let fast = FloatParsing.fastDouble(mantissa: number.mantissa, exponent: number.exponent,
                                                               negative: number.negative) {
            return fast
        }
        return FloatParsing.slowDouble(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
    }

    private struct ScannedNumber {
        var mantissa: UInt64 = 0
        var exponent = 0
        var negative = false
        /// Digits were dropped from the mantissa (more than 19 significant digits).
        var inexact = false
    }

    /// Checks the RFC 8259 number grammar, `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`, while
    /// accumulating up to 19 significant digits.
    @inline(__always)
    private mutating func scanNumber() throws(JSONDecodeError) -> ScannedNumber {
        var n = ScannedNumber()
        var digits = 0
        if peek() == UInt8(ascii: "-") { n.negative = true; index += 1 }
        guard let first = peek(), isDigit(first) else {
            throw fail(peekWord() ?? "expected a number")
        }
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), isDigit(next) { throw fail("leading zeros are not allowed") }
        } else {
            while let b = peek(), isDigit(b) {
                accumulate(b, into: &n, digits: &digits)
                index += 1
            }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let b = peek(), isDigit(b) else { throw fail("expected a digit after '.'") }
            while let b = peek(), isDigit(b) {
                accumulate(b, into: &n, digits: &digits)
                n.exponent -= 1
                index += 1
            }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            var negativeExponent = false
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                negativeExponent = sign == UInt8(ascii: "-")
                index += 1
            }
            guard let b = peek(), isDigit(b) else { throw fail("expected a digit in the exponent") }
            var e = 0
            while let b = peek(), isDigit(b) {
                if e < 1_000_000 { e = e * 10 + Int(b &- 0x30) }  // saturate: strtof handles the rest
                index += 1
            }
            n.exponent += negativeExponent ? -e : e
        }
        return n
    }

    @inline(__always)
    private func accumulate(_ digit: UInt8, into n: inout ScannedNumber, digits: inout Int) {
        if digits < 19 {
            if n.mantissa != 0 || digit != UInt8(ascii: "0") { digits += 1 }
            n.mantissa = n.mantissa &* 10 &+ UInt64(digit &- 0x30)
        } else {
            n.exponent += 1  // the dropped digit still scales the value; strtof re-reads it all
            n.inexact = true
        }
    }

    @inline(__always)
    private func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    /// Names a bare word where a value was expected (`NaN`, `Infinity`, `true` in a vector...).
    private func peekWord() -> String? {
        var end = index
        while end < bytes.count, end - index < 16, (bytes[end] | 0x20) >= UInt8(ascii: "a"), (bytes[end] | 0x20) <= UInt8(ascii: "z") {
            end += 1
        }
        guard end > index else { return nil }
        return "expected a number, found '\(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self))'"
    }

    // MARK: Documents

    /// A whole document: one value and nothing after it but whitespace.
    static func document(_ bytes: [UInt8]) throws(JSONDecodeError) -> ConfigValue {
        try bytes.withBytesTyped { (raw) throws(JSONDecodeError) -> ConfigValue in
            var reader = JSONReader(raw)
            let value = try reader.readValue()
            try reader.expectEnd()
            return value
        }
    }

    /// Any JSON value, as a `ConfigValue` (numbers as doubles).
    package mutating func readValue(depth: Int = 0) throws(JSONDecodeError) -> ConfigValue {
        guard depth < maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
        skipWhitespace()
        guard let b = peek() else { throw fail("unexpected end of input") }
        switch b {
        case UInt8(ascii: "{"):
            var object: [String: ConfigValue] = [:]
            try readObject { (key, reader) throws(JSONDecodeError) in
                object[key] = try reader.readValue(depth: depth + 1)
            }
            return .object(object)
        case UInt8(ascii: "["):
            index += 1
            var items: [ConfigValue] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                items.append(try readValue(depth: depth + 1))
                skipWhitespace()
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; return .array(items)
                default: throw fail("expected ',' or ']'")
                }
            }
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "t"):
            try readLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"):
            try readLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"):
            try readLiteral("null"); return .null
        default:
            let offset = index
            let value = try readDouble()
            // JSON has no infinities; a number beyond double's range is refused here, beyond
            // float32's range by the field that needs a float32.
            guard value.isFinite else { throw .syntax(offset: offset, reason: "number out of range") }
            return .number(value)
        }
    }

    private mutating func readLiteral(_ word: StaticString) throws(JSONDecodeError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else {
            throw fail(peekWord() ?? "unexpected character")
        }
        index += count
    }

    /// A string with its escapes resolved; invalid UTF-8, raw control characters and lone
    /// surrogates are refused.
    mutating func readString() throws(JSONDecodeError) -> String {
        try expect(UInt8(ascii: "\""), "'\"'")
        var utf8: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: utf8, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
                return s
            case UInt8(ascii: "\\"):
                try readEscape(into: &utf8)
            case 0..<0x20:
                index -= 1
                throw fail("control character in a string")
            default:
                utf8.append(b)
            }
        }
    }

    private mutating func readEscape(into utf8: inout [UInt8]) throws(JSONDecodeError) {
        guard index < bytes.count else { throw fail("unterminated escape") }
        let e = bytes[index]
        index += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw fail("lone surrogate in a string")
                }
                index += 2
                let low = try readHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw fail("lone surrogate in a string") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw fail("lone surrogate in a string")
            }
            utf8.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            index -= 1
            throw fail("invalid escape")
        }
    }

    private mutating func readHex4() throws(JSONDecodeError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - 0x57)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - 0x37)
            default: throw fail("bad hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

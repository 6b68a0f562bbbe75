import OptimizerCore

/// Writes JSON into a byte buffer: float32 vectors (the hot path) and small documents.
///
/// Each float32 is written as the shortest decimal that reads back to the same float32 (SPEC §3),
/// in the text `Float.description` gives (see `Float32Printer`), straight into the buffer.
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []

    package init(reservingCapacity capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `[v0,v1,...]`: each finite float32 as its shortest round-trip decimal; NaN and ±inf, which
    /// JSON cannot express, as `null`. Validation keeps them out of inputs and hyperparameters,
    /// but a run can still diverge (as it would in the frameworks); its JSON stays valid and says
    /// so with null.
    ///
    /// The array is written in place into one allocation sized for the longest text (16 bytes a
    /// value, and `Float32Printer.room` after the last), then its count set to the text's length:
    /// no per-element allocation or bounds check, no zero-filling, no copy of the text. (The
    /// capacity keeps the slack, about a third for gradient-like values, until the answer is sent.)
    package mutating func floatArray(_ values: UnsafeBufferPointer<Float>) {
        let existing = bytes
        let prefix = existing.count
        let bound = prefix + values.count * (Float32Printer.maxLength + 1) + Float32Printer.room + 2
        bytes = [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            let start = buffer.baseAddress!
            existing.withUnsafeBufferPointer { old in
                if let base = old.baseAddress { start.initialize(from: base, count: prefix) }
            }
            var p = start + prefix
            p.pointee = UInt8(ascii: "[")
            p += 1
            for v in values {
                if v.isFinite {
                    p += Float32Printer.write(v, to: p)
                } else {
                    UnsafeMutableRawPointer(p).storeBytes(of: (0x6C6C_756E /* "null" */ as UInt32).littleEndian, as: UInt32.self)
                    p += 4
                }
                p.pointee = UInt8(ascii: ",")
                p += 1
            }
            // The last comma, if any, becomes the closing bracket.
            if !values.isEmpty { p -= 1 }
            p.pointee = UInt8(ascii: "]")
            count = p + 1 - start
        }
    }

    /// A double: integral values below 2^53 without a fraction (`5`, not `5.0`), others as the
    /// shortest round-trip decimal.
    mutating func number(_ value: Double) {
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            var text = String(Int64(value))
            text.withUTF8 { bytes.append(contentsOf: $0) }
        } else {
            var text = value.description
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }
    }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Any value; object keys in the order given by `keyOrder` where listed, then sorted.
    package mutating func value(_ value: ConfigValue, keyOrder: [String] = []) {
        switch value {
        case .null: raw("null")
        case .bool(let b): if b { raw("true") } else { raw("false") }
        case .number(let d): number(d)
        case .string(let s): string(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(item, keyOrder: keyOrder)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let fields):
            let listed = keyOrder.filter { fields[$0] != nil }
            let rest = fields.keys.filter { !keyOrder.contains($0) }.sorted()
            bytes.append(UInt8(ascii: "{"))
            for (i, key) in (listed + rest).enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(key)
                bytes.append(UInt8(ascii: ":"))
                self.value(fields[key]!, keyOrder: keyOrder)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}

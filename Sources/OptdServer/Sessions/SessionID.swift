/// Session ids: `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$` (SPEC §3). The first character cannot be a
/// dot, so no id is `.`, `..` or a hidden file name; ids are safe as file names.
enum SessionID {
    static func validate(_ id: String) throws(ServiceError) {
        let bytes = Array(id.utf8)
        guard (1...128).contains(bytes.count) else {
            throw .invalidSessionID("a session id has 1 to 128 characters, got \(bytes.count)")
        }
        func alphanumeric(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
        }
        guard alphanumeric(bytes[0]) else {
            throw .invalidSessionID("a session id starts with a letter or digit")
        }
        for b in bytes.dropFirst() where !(alphanumeric(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")) {
            throw .invalidSessionID("a session id may only contain letters, digits, '.', '_' and '-'")
        }
    }

    /// A fresh id for a session created without one: `s-` and 16 random hex digits.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return "s-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

import HTTP1

/// Bearer-token check (SPEC §6): `Authorization: Bearer <token>`, compared in constant time.
enum Auth {
    static func check(_ headers: HTTPHeaders, token: String?) throws(ServiceError) {
        guard let token else { return }
        guard let value = headers["Authorization"] else { throw .unauthorized("missing Authorization: Bearer <token>") }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .unauthorized("Authorization must use the Bearer scheme")
        }
        guard constantTimeEqual(Array(parts[1].utf8), Array(token.utf8)) else { throw .unauthorized("wrong token") }
    }

    /// Runs in time that depends only on the lengths, not on where the bytes differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

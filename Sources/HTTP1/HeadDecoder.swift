/// Turns the bytes of a complete request head into an ``HTTPRequest``, applying the syntax and
/// framing rules of RFC 9112. Pure functions over a buffer; ``RequestParser`` calls them once the
/// empty line ending the head has arrived.
enum HeadDecoder {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    static func request(_ all: Bytes, requestLineEnd: Int, fieldsEnd: Int, limits: HTTPLimits) throws(HTTPParseError) -> HTTPRequest {
        let (method, target, version) = try requestLine(Bytes(rebasing: all[..<contentEnd(all, lineEnd: requestLineEnd, lineStart: 0)]))
        var headers = HTTPHeaders()
        var start = requestLineEnd
        while start < fieldsEnd {
            var lf = start
            while all[lf] != 0x0A { lf += 1 }
            let (name, value) = try field(Bytes(rebasing: all[start..<contentEnd(all, lineEnd: lf + 1, lineStart: start)]))
            headers.add(name, value)
            start = lf + 1
        }
        var request = HTTPRequest(method: method, target: target, version: version, headers: headers)
        request.framing = try framing(of: request, limits: limits)
        return request
    }

    /// End of a line's content: before its LF and an optional CR.
    private static func contentEnd(_ all: Bytes, lineEnd: Int, lineStart: Int) -> Int {
        var end = lineEnd - 1
        if end > lineStart && all[end - 1] == 0x0D { end -= 1 }
        return end
    }

    /// `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3), single spaces.
    static func requestLine(_ line: Bytes) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        guard let firstSpace = line.firstIndex(of: 0x20) else { throw .malformed("malformed request line") }
        let methodBytes = Bytes(rebasing: line[..<firstSpace])
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(isTokenByte) else { throw .malformed("invalid method") }
        let afterMethod = line[(firstSpace + 1)...]
        guard let secondSpace = afterMethod.firstIndex(of: 0x20) else { throw .malformed("malformed request line") }
        let targetBytes = Bytes(rebasing: line[(firstSpace + 1)..<secondSpace])
        // RFC 9112 §3.2: the target has no whitespace or controls; non-ASCII must be percent-encoded.
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .malformed("invalid request target")
        }
        let version = try self.version(Bytes(rebasing: line[(secondSpace + 1)...]))
        let method = HTTPMethod(String(decoding: methodBytes, as: UTF8.self))
        let target = String(decoding: targetBytes, as: UTF8.self)
        // RFC 9112 §3.2: origin-form, absolute-form, and asterisk-form (OPTIONS only) are valid
        // for a server; authority-form belongs to CONNECT, which this server does not proxy.
        let isOrigin = targetBytes[0] == UInt8(ascii: "/")
        let isAsterisk = target == "*" && method == .options
        let isAbsolute = target.hasPrefix("http://") || target.hasPrefix("https://")
        guard isOrigin || isAsterisk || isAbsolute else { throw .malformed("invalid request target form") }
        return (method, target, version)
    }

    /// `HTTP-version = "HTTP/" DIGIT "." DIGIT` (RFC 9112 §2.3).
    static func version(_ bytes: Bytes) throws(HTTPParseError) -> HTTPVersion {
        guard bytes.count == 8, bytes[0..<5].elementsEqual("HTTP/".utf8), bytes[6] == UInt8(ascii: "."),
              let major = digit(bytes[5]), let minor = digit(bytes[7]) else {
            throw .malformed("malformed HTTP version")
        }
        guard major == 1 else { throw .unsupportedVersion("HTTP/\(major).\(minor)") }
        // A higher 1.x minor is answered as 1.1, the highest we speak (RFC 9110 §2.5).
        return minor == 0 ? .http1_0 : .http1_1
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= 0x30 && byte <= 0x39 ? Int(byte - 0x30) : nil
    }

    /// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5).
    static func field(_ line: Bytes) throws(HTTPParseError) -> (String, String) {
        guard let first = line.first else { throw .malformed("empty header line") }
        // RFC 9112 §5.2: a server MUST reject obs-fold (a line starting with whitespace) with 400
        // or replace it; we reject, as whitespace-led lines are a classic smuggling vector.
        if first == 0x20 || first == 0x09 { throw .malformed("obsolete line folding is not accepted") }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed("header line without a colon") }
        let name = Bytes(rebasing: line[..<colon])
        // RFC 9112 §5.1: no whitespace between name and colon (MUST reject with 400).
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else { throw .malformed("invalid header name") }
        var start = colon + 1
        var end = line.count
        while start < end && (line[start] == 0x20 || line[start] == 0x09) { start += 1 }
        while end > start && (line[end - 1] == 0x20 || line[end - 1] == 0x09) { end -= 1 }
        let value = Bytes(rebasing: line[start..<end])
        // RFC 9110 §5.5: field values hold VCHAR, obs-text, SP and HTAB; CR, LF and NUL are
        // never valid (MUST reject or replace), other controls are refused too.
        for byte in value where byte != 0x09 && (byte < 0x20 || byte == 0x7F) {
            throw .malformed(byte == 0x0D ? "bare CR in header" : "control character in header value")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// Message body length, RFC 9112 §6.3, plus the Host rule of RFC 9112 §3.2.
    static func framing(of request: HTTPRequest, limits: HTTPLimits) throws(HTTPParseError) -> BodyFraming {
        // One pass over the fields (every request comes through here); the arrays stay
        // unallocated unless the header is there.
        var hosts = 0
        var transferEncodings: [String] = []
        var contentLengths: [String] = []
        for field in request.headers {
            if HTTPHeaders.equalsIgnoringCase(field.name, "Host") {
                hosts += 1
            } else if HTTPHeaders.equalsIgnoringCase(field.name, "Content-Length") {
                contentLengths.append(field.value)
            } else if HTTPHeaders.equalsIgnoringCase(field.name, "Transfer-Encoding") {
                transferEncodings.append(field.value)
            }
        }
        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, or with more than one.
        if hosts > 1 { throw .malformed("more than one Host header") }
        if hosts == 0 && request.version == .http1_1 { throw .malformed("missing Host header") }

        if !transferEncodings.isEmpty {
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
            if request.version == .http1_0 { throw .malformed("Transfer-Encoding in an HTTP/1.0 request") }
            // RFC 9112 §6.1 allows ignoring Content-Length here; SPEC §7 settles on 400 and close,
            // the safest answer to a request-smuggling attempt.
            if !contentLengths.isEmpty { throw .malformed("both Content-Length and Transfer-Encoding") }
            let codings = transferEncodings.flatMap { $0.split(separator: ",") }
                .map { $0.trimmingASCIIWhitespace().lowercased() }
                .filter { !$0.isEmpty }
            guard !codings.isEmpty else { throw .malformed("empty Transfer-Encoding") }
            // We implement no coding but chunked: anything else is 501 (RFC 9112 §6.1).
            if let other = codings.first(where: { $0 != "chunked" }) { throw .unsupportedTransferCoding(other) }
            // RFC 9112 §6.1: chunked MUST NOT be applied more than once.
            if codings.count > 1 { throw .malformed("chunked applied more than once") }
            return .chunked
        }
        if contentLengths.isEmpty { return .none }
        // RFC 9112 §6.3 rule 5: a list of identical values may be taken as one; anything else,
        // including differing duplicates, is unrecoverable framing (400, close).
        var length: Int?
        for element in contentLengths.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            let digits = element.trimmingASCIIWhitespace()
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw .malformed("invalid Content-Length")
            }
            let trimmed = digits.drop { $0 == "0" }
            // 18 digits stay inside Int64 and far above any sane limit; more is refused, not wrapped.
            guard trimmed.utf8.count <= 18 else { throw .malformed("Content-Length out of range") }
            let value = Int(trimmed) ?? 0
            if let length, length != value { throw .malformed("differing Content-Length values") }
            length = value
        }
        let declared = length ?? 0
        if declared > limits.maxBodyBytes { throw .bodyTooLarge }
        return .contentLength(declared)
    }

    /// `tchar` of RFC 9110 §5.6.2.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// An incremental HTTP/1.1 request parser: bytes in, events out.
///
/// Feed it whatever the socket produced with ``consume(_:)``; each call consumes a prefix of the
/// input and yields at most one ``Event``. Call again with the rest until it consumes nothing and
/// yields nothing (it needs more bytes). It never blocks, never looks at the same byte twice,
/// and checks every limit of ``HTTPLimits`` as bytes arrive, so a hostile peer cannot make it
/// buffer more than the limits allow. Body bytes are not copied: ``Event/body(_:)`` is a range
/// of the input just given. After ``Event/end`` the parser is ready for the next pipelined request.
///
/// Any thrown ``HTTPParseError`` is final: the connection must answer it once and close.
public struct RequestParser: Sendable {
    public enum Event: Sendable, Equatable {
        /// A complete request head; its ``HTTPRequest/framing`` says what body follows.
        case head(HTTPRequest)
        /// Body bytes: this range of the input passed to the same ``consume(_:)`` call.
        case body(Range<Int>)
        /// The request (body and trailers included) is complete.
        case end
    }

    public struct Step: Sendable, Equatable {
        public var consumed: Int
        public var event: Event?
    }

    enum State: Sendable, Equatable {
        case head
        case contentBody(remaining: Int)
        case chunkSizeLine
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailers
        case endPending
        case failed
    }

    enum ChunkLinePhase: Sendable { case digits, extensions, lineFeed }

    public let limits: HTTPLimits
    private(set) var state: State = .head
    /// Head (or trailer) bytes received so far; reused across requests.
    private var lines: [UInt8] = []
    private var lineStart = 0
    private var requestLineEnd: Int?
    private var fieldCount = 0
    private var skippedEmptyLines = 0
    private var chunkedBodyBytes = 0
    private var chunkPhase = ChunkLinePhase.digits
    private var chunkSize = 0
    private var chunkDigits = 0
    private var chunkLineBytes = 0

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
        lines.reserveCapacity(1024)
    }

    /// True between requests: no byte of a next request has been consumed.
    public var isIdle: Bool { state == .head && lines.isEmpty && skippedEmptyLines == 0 }

    /// True while a request head is being received (at least one byte of it consumed).
    public var isReadingHead: Bool { state == .head && !isIdle }

    /// Bytes of a `Content-Length` body still to come, or nil when not inside such a body.
    public var remainingContentLength: Int? {
        if case .contentBody(let remaining) = state { return remaining }
        return nil
    }

    /// Records that `count` bytes of a `Content-Length` body were read by the caller directly
    /// (e.g. straight into an application's buffer) instead of passing through ``consume(_:)``.
    public mutating func skipContentBody(_ count: Int) {
        guard case .contentBody(let remaining) = state, count <= remaining else {
            preconditionFailure("skipContentBody outside a Content-Length body")
        }
        state = remaining == count ? .endPending : .contentBody(remaining: remaining - count)
    }

    /// Consumes a prefix of `input`; see the type's documentation.
    public mutating func consume(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> Step {
        do {
            return try step(input)
        } catch {
            state = .failed
            throw error
        }
    }

    private mutating func step(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> Step {
        var offset = 0
        while true {
            switch state {
            case .head, .trailers:
                guard offset < input.count else { return Step(consumed: offset, event: nil) }
                let rest = UnsafeRawBufferPointer(rebasing: input[offset...])
                if let lf = memchr(rest.baseAddress!, 0x0A, rest.count) {
                    let lineLength = rest.baseAddress!.distance(to: lf) + 1
                    lines.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<lineLength]))
                    offset += lineLength
                    if let event = try completeLine() { return Step(consumed: offset, event: event) }
                } else {
                    lines.append(contentsOf: rest)
                    offset = input.count
                    try checkPartialLine()
                    return Step(consumed: offset, event: nil)
                }
            case .contentBody(let remaining):
                let take = min(remaining, input.count - offset)
                guard take > 0 else { return Step(consumed: offset, event: nil) }
                state = remaining == take ? .endPending : .contentBody(remaining: remaining - take)
                return Step(consumed: offset + take, event: .body(offset..<offset + take))
            case .chunkData(let remaining):
                let take = min(remaining, input.count - offset)
                guard take > 0 else { return Step(consumed: offset, event: nil) }
                state = remaining == take ? .chunkDataCR : .chunkData(remaining: remaining - take)
                return Step(consumed: offset + take, event: .body(offset..<offset + take))
            case .chunkSizeLine:
                guard offset < input.count else { return Step(consumed: offset, event: nil) }
                try chunkLineByte(input[offset])
                offset += 1
            case .chunkDataCR, .chunkDataLF:
                // RFC 9112 §7.1: chunk-data is followed by exactly CRLF. A bare LF is refused here
                // (unlike in the head) so no two parsers can disagree on where a chunk ends.
                guard offset < input.count else { return Step(consumed: offset, event: nil) }
                let byte = input[offset]
                offset += 1
                if state == .chunkDataCR {
                    guard byte == 0x0D else { throw .malformed("chunk data not followed by CRLF") }
                    state = .chunkDataLF
                } else {
                    guard byte == 0x0A else { throw .malformed("chunk data not followed by CRLF") }
                    startChunkLine()
                }
            case .endPending:
                reset()
                return Step(consumed: offset, event: .end)
            case .failed:
                throw .malformed("the parser already failed")
            }
        }
    }

    private mutating func reset() {
        state = .head
        lines.removeAll(keepingCapacity: true)
        lineStart = 0
        requestLineEnd = nil
        fieldCount = 0
        skippedEmptyLines = 0
        chunkedBodyBytes = 0
    }

    /// Limits checked on a line still missing its LF, so an endless line is cut while it arrives.
    private func checkPartialLine() throws(HTTPParseError) {
        if state == .trailers {
            if lines.count > limits.maxHeaderBytes { throw .headersTooLarge }
        } else if let end = requestLineEnd {
            if lines.count - end > limits.maxHeaderBytes { throw .headersTooLarge }
        } else if lines.count - lineStart > limits.maxRequestLineBytes + 1 {
            // +1: the line's CR may already be here, its LF not yet.
            throw .requestLineTooLong
        }
    }

    /// Handles a line just completed in `lines` (from `lineStart`, ending in LF).
    private mutating func completeLine() throws(HTTPParseError) -> Event? {
        var contentEnd = lines.count - 1
        // RFC 9112 §2.2: a recipient MAY accept a bare LF as line terminator and ignore a preceding CR.
        if contentEnd > lineStart && lines[contentEnd - 1] == 0x0D { contentEnd -= 1 }
        let isEmpty = contentEnd == lineStart

        if state == .trailers {
            if lines.count > limits.maxHeaderBytes { throw .headersTooLarge }
            if isEmpty {
                state = .endPending
                return nil
            }
            // Trailer fields are checked like header fields and then discarded (RFC 9110 §6.5.1
            // lets a recipient drop them); nothing in this server needs them.
            _ = try lines.withUnsafeBufferPointer { all throws(HTTPParseError) in
                try HeadDecoder.field(UnsafeBufferPointer(rebasing: all[lineStart..<contentEnd]))
            }
            lineStart = lines.count
            return nil
        }

        guard let requestLineEnd else {
            if isEmpty {
                // RFC 9112 §2.2: ignore at least one empty line before the request line (some
                // clients send an extra CRLF after a body). A few are tolerated, not an endless run.
                skippedEmptyLines += 1
                if skippedEmptyLines > 4 { throw .malformed("too many empty lines before the request line") }
                lines.removeAll(keepingCapacity: true)
                return nil
            }
            if contentEnd - lineStart > limits.maxRequestLineBytes { throw .requestLineTooLong }
            self.requestLineEnd = lines.count
            lineStart = lines.count
            return nil
        }

        if lines.count - requestLineEnd > limits.maxHeaderBytes { throw .headersTooLarge }
        if !isEmpty {
            fieldCount += 1
            if fieldCount > limits.maxHeaderFields { throw .tooManyHeaderFields }
            lineStart = lines.count
            return nil
        }

        let request = try lines.withUnsafeBufferPointer { all throws(HTTPParseError) in
            try HeadDecoder.request(all, requestLineEnd: requestLineEnd, fieldsEnd: lineStart, limits: limits)
        }
        lines.removeAll(keepingCapacity: true)
        lineStart = 0
        self.requestLineEnd = nil
        fieldCount = 0
        skippedEmptyLines = 0
        switch request.framing {
        case .none, .contentLength(0): state = .endPending
        case .contentLength(let n): state = .contentBody(remaining: n)
        case .chunked: startChunkLine()
        }
        return .head(request)
    }

    private mutating func startChunkLine() {
        state = .chunkSizeLine
        chunkPhase = .digits
        chunkSize = 0
        chunkDigits = 0
        chunkLineBytes = 0
    }

    /// One byte of `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1, §7.1.1).
    private mutating func chunkLineByte(_ byte: UInt8) throws(HTTPParseError) {
        chunkLineBytes += 1
        if chunkLineBytes > limits.maxChunkLineBytes { throw .malformed("chunk-size line too long") }
        switch chunkPhase {
        case .digits:
            if let digit = PercentDecoding.hexValue(byte) {
                chunkDigits += 1
                // 15 hex digits keep the size below 2^60: no overflow, and far beyond any limit.
                if chunkDigits > 15 { throw .malformed("chunk size too large") }
                chunkSize = chunkSize << 4 | Int(digit)
            } else if chunkDigits == 0 {
                throw .malformed("chunk size is not hexadecimal")
            } else if byte == UInt8(ascii: ";") || byte == 0x20 || byte == 0x09 {
                chunkPhase = .extensions
            } else if byte == 0x0D {
                chunkPhase = .lineFeed
            } else {
                throw .malformed("invalid byte in chunk size")
            }
        case .extensions:
            // Extensions are ignored (RFC 9112 §7.1.1: a recipient MUST ignore unrecognized ones),
            // but control characters in them are still refused.
            if byte == 0x0D {
                chunkPhase = .lineFeed
            } else if byte != 0x09 && (byte < 0x20 || byte == 0x7F) {
                throw .malformed("invalid byte in chunk extension")
            }
        case .lineFeed:
            guard byte == 0x0A else { throw .malformed("chunk-size line not ended by CRLF") }
            if chunkSize == 0 {
                state = .trailers
                lines.removeAll(keepingCapacity: true)
                lineStart = 0
                return
            }
            chunkedBodyBytes += chunkSize
            if chunkedBodyBytes > limits.maxBodyBytes { throw .bodyTooLarge }
            state = .chunkData(remaining: chunkSize)
        }
    }
}

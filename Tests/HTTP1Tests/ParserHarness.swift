import HTTP1
import Testing

/// What the parser produced for a byte stream, with each request's body bytes gathered, so that
/// runs with different split points can be compared for equality.
enum Parsed: Equatable, CustomStringConvertible {
    case head(HTTPRequest)
    case body([UInt8])
    case end
    case error(HTTPParseError)

    var description: String {
        switch self {
        case .head(let r): "head(\(r.method) \(r.target) \(r.version) \(r.framing))"
        case .body(let b): "body(\(b.count) bytes)"
        case .end: "end"
        case .error(let e): "error(\(e))"
        }
    }
}

/// A small deterministic generator (SplitMix64) so random split points repeat run to run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Feeds `bytes` to a fresh parser in pieces cut at `cuts`, as a connection would.
func parse(_ bytes: [UInt8], cuts: [Int], limits: HTTPLimits) -> [Parsed] {
    var parser = RequestParser(limits: limits)
    var out: [Parsed] = []
    var bounds = [0] + cuts.filter { $0 > 0 && $0 < bytes.count }.sorted() + [bytes.count]
    bounds = bounds.reduce(into: []) { if $0.last != $1 { $0.append($1) } }
    func record(_ event: RequestParser.Event, _ piece: UnsafeRawBufferPointer) {
        switch event {
        case .head(let request): out.append(.head(request))
        case .body(let range):
            let chunk = Array(piece[range])
            if case .body(let sofar) = out.last { out[out.count - 1] = .body(sofar + chunk) } else { out.append(.body(chunk)) }
        case .end: out.append(.end)
        }
    }
    for (start, end) in zip(bounds, bounds.dropFirst()) {
        let failed = bytes[start..<end].withUnsafeBytes { piece -> Bool in
            var offset = 0
            while true {
                do {
                    let rest = UnsafeRawBufferPointer(rebasing: piece[offset...])
                    let step = try parser.consume(rest)
                    offset += step.consumed
                    if let event = step.event { record(event, rest) } else if step.consumed == 0 || offset == piece.count { break }
                } catch let error as HTTPParseError {
                    out.append(.error(error))
                    return true
                } catch {
                    Issue.record("unexpected error \(error)")
                    return true
                }
            }
            return false
        }
        if failed { break }
    }
    // A request without a body ends without needing more bytes; collect that last end event.
    if case .error = out.last {} else if let step = try? parser.consume(UnsafeRawBufferPointer(start: nil, count: 0)), step.event == .end {
        out.append(.end)
    }
    return out
}

/// Parses `fixture` whole, one byte at a time, and at 20 sets of random split points, requires
/// all runs to agree, and returns the result.
func parseAllWays(_ fixture: String, limits: HTTPLimits = HTTPLimits(), sourceLocation: SourceLocation = #_sourceLocation) -> [Parsed] {
    let bytes = Array(fixture.utf8)
    let whole = parse(bytes, cuts: [], limits: limits)
    let byteByByte = parse(bytes, cuts: Array(0..<bytes.count), limits: limits)
    #expect(byteByByte == whole, "byte-at-a-time differs", sourceLocation: sourceLocation)
    var random = SplitMix64(state: UInt64(bytes.count))
    for _ in 0..<20 where bytes.count > 1 {
        let cuts = (0..<Int.random(in: 1...8, using: &random)).map { _ in Int.random(in: 1..<bytes.count, using: &random) }
        let split = parse(bytes, cuts: cuts, limits: limits)
        #expect(split == whole, "split at \(cuts.sorted()) differs", sourceLocation: sourceLocation)
    }
    return whole
}

/// The request of a fixture that must parse to exactly one head.
func onlyHead(_ result: [Parsed], sourceLocation: SourceLocation = #_sourceLocation) -> HTTPRequest? {
    guard case .head(let request) = result.first else {
        Issue.record("expected a head, got \(result)", sourceLocation: sourceLocation)
        return nil
    }
    return request
}

func parseError(_ result: [Parsed]) -> HTTPParseError? {
    if case .error(let error) = result.last { return error }
    return nil
}

func isMalformed(_ result: [Parsed]) -> Bool {
    if case .malformed = parseError(result) { return true }
    return false
}

// libFuzzer entry for HTTP1's RequestParser. Not part of `swift build`: it is compiled together
// with the library sources by plain swiftc. One line, from the repository root:
//
//   mkdir -p .build-fuzz/corpus && swiftc -O -sanitize=fuzzer,address -parse-as-library Sources/HTTP1/*.swift Fuzz/RequestParserFuzz.swift -o .build-fuzz/http1-fuzz && SWIFT_BACKTRACE=enable=no .build-fuzz/http1-fuzz .build-fuzz/corpus Fuzz/seeds -dict=Fuzz/http1.dict -max_len=2048 -runs=10000000
//
// (SWIFT_BACKTRACE=enable=no: under ASan the Swift backtracer itself trips and buries the real
// report.) A crash leaves `crash-<sha1>` in the working directory; turn it into a fixture test in
// Tests/HTTP1Tests/FuzzRegressionTests.swift.
//
// Each input is parsed twice with small limits (so the limit paths are reached): whole, and cut
// at split points derived from the input. Besides crashes and ASan reports, the fuzzer stops on
// any difference between the two runs, and on a body range outside the bytes given.

enum FuzzEvent: Equatable {
    case head(HTTPRequest)
    case body([UInt8])
    case end
    case error(HTTPParseError)
}

func fuzzLimits() -> HTTPLimits {
    var limits = HTTPLimits()
    limits.maxRequestLineBytes = 200
    limits.maxHeaderBytes = 400
    limits.maxHeaderFields = 12
    limits.maxBodyBytes = 1000
    limits.maxChunkLineBytes = 40
    return limits
}

func fuzzParse(_ bytes: UnsafeRawBufferPointer, cuts: [Int]) -> [FuzzEvent] {
    var parser = RequestParser(limits: fuzzLimits())
    var events: [FuzzEvent] = []
    let bounds = [0] + cuts + [bytes.count]
    for (start, end) in zip(bounds, bounds.dropFirst()) where start < end {
        let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        var offset = 0
        while true {
            let rest = UnsafeRawBufferPointer(rebasing: piece[offset...])
            let step: RequestParser.Step
            do {
                step = try parser.consume(rest)
            } catch {
                events.append(.error(error))
                return events
            }
            precondition(step.consumed <= rest.count, "consumed more than given")
            offset += step.consumed
            switch step.event {
            case .head(let request): events.append(.head(request))
            case .body(let range):
                precondition(range.lowerBound >= 0 && range.upperBound <= rest.count && range.upperBound <= step.consumed, "body range outside input")
                let chunk = Array(rest[range])
                if case .body(let sofar) = events.last { events[events.count - 1] = .body(sofar + chunk) } else { events.append(.body(chunk)) }
            case .end: events.append(.end)
            case nil:
                precondition(step.consumed == rest.count || step.consumed == 0, "stopped early without an event")
            }
            if step.event == nil && (step.consumed == 0 || offset == piece.count) { break }
        }
    }
    if let step = try? parser.consume(UnsafeRawBufferPointer(start: nil, count: 0)), step.event == .end { events.append(.end) }
    return events
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let whole = fuzzParse(bytes, cuts: [])
    if size > 1 {
        // Split points from a cheap hash of the input: deterministic, so crashes reproduce.
        var hash: UInt64 = 1469598103934665603
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
        var cuts: [Int] = []
        for i in 0..<Int(hash % 7 + 1) {
            cuts.append(Int((hash >> UInt64(i * 8)) % UInt64(size - 1)) + 1)
        }
        cuts = Array(Set(cuts)).sorted()
        let split = fuzzParse(bytes, cuts: cuts)
        precondition(split == whole, "split parse differs from whole parse")
        let byteByByte = size <= 256 ? fuzzParse(bytes, cuts: Array(1..<size)) : whole
        precondition(byteByByte == whole, "byte-by-byte parse differs from whole parse")
    }
    return 0
}

import HTTP1
import Testing

// Each fixture is literal bytes with explicit \r\n, fed whole, byte by byte and at random
// split points (parseAllWays requires identical results).

@Suite struct RequestParserTests {
    @Test func simpleGetGivesMethodPathQueryVersionAndHeaders() throws {
        let result = parseAllWays("GET /v1/sessions?limit=5&x=a%20b HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n")
        #expect(result.count == 2 && result.last == .end)
        let request = try #require(onlyHead(result))
        #expect(request.method == .get)
        #expect(request.path == "/v1/sessions")
        #expect(request.query == "limit=5&x=a%20b")
        #expect(request.queryParameter("x") == "a b")
        #expect(request.version == .http1_1)
        #expect(request.headers["host"] == "example")
        #expect(request.headers["ACCEPT"] == "*/*")
        #expect(request.framing == .none)
    }

    @Test func headerValuesAreTrimmedOfOptionalWhitespace() throws {
        let request = try #require(onlyHead(parseAllWays("GET / HTTP/1.1\r\nHost:x\r\nX-A: \t spaced \t\r\n\r\n")))
        #expect(request.headers["x-a"] == "spaced")
        #expect(request.headers["Host"] == "x")
    }

    @Test func contentLengthBodyIsDeliveredWhole() {
        let result = parseAllWays("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world")
        #expect(result.count == 3)
        #expect(result[1] == .body(Array("hello world".utf8)))
        #expect(result[2] == .end)
    }

    @Test func chunkedBodyWithExtensionsAndTrailersIsDelivered() throws {
        let result = parseAllWays("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n")
        #expect(try #require(onlyHead(result)).framing == .chunked)
        #expect(result.dropFirst() == [.body(Array("hello world".utf8)), .end])
    }

    @Test func chunkedTransferCodingNameIsCaseInsensitive() throws {
        let result = parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n")
        #expect(try #require(onlyHead(result)).framing == .chunked)
        #expect(result.last == .end)
    }

    @Test func pipelinedRequestsParseInOrder() {
        let result = parseAllWays("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
        let paths = result.compactMap { if case .head(let r) = $0 { r.path } else { nil } }
        #expect(paths == ["/a", "/b", "/c"])
        #expect(result.filter { $0 == .end }.count == 3)
        #expect(result.contains(.body(Array("hi".utf8))))
    }

    @Test func bareLFLineEndingsAreAccepted() throws {
        // RFC 9112 §2.2: a recipient MAY recognize a single LF as a line terminator.
        let request = try #require(onlyHead(parseAllWays("GET /lf HTTP/1.1\nHost: x\nX-A: 1\n\n")))
        #expect(request.path == "/lf")
        #expect(request.headers["X-A"] == "1")
    }

    @Test func emptyLineBeforeRequestLineIsIgnored() throws {
        // RFC 9112 §2.2: SHOULD ignore at least one empty line before the request line.
        let request = try #require(onlyHead(parseAllWays("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")))
        #expect(request.path == "/")
    }

    @Test func manyEmptyLinesBeforeRequestLineAreRejected() {
        #expect(isMalformed(parseAllWays("\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")))
    }

    @Test func contentLengthWithTransferEncodingIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")))
    }

    @Test func differingDuplicateContentLengthIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")))
    }

    @Test func differingContentLengthListIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd")))
    }

    @Test func identicalDuplicateContentLengthIsAccepted() throws {
        // RFC 9112 §6.3 rule 5: identical values may be taken as one.
        let result = parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
        #expect(try #require(onlyHead(result)).framing == .contentLength(3))
        #expect(result.last == .end)
    }

    @Test(arguments: ["-1", "+5", "0x10", "1.0", "", "5 5", "abc"])
    func nonDecimalContentLengthIsRejected(_ value: String) {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(value)\r\n\r\n")))
    }

    @Test func overflowingContentLengthIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n")))
    }

    @Test func contentLengthAboveLimitIsTooLargeBeforeAnyBodyByte() {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 10
        let result = parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", limits: limits)
        #expect(result == [.error(.bodyTooLarge)])
    }

    @Test func nonHexChunkSizeIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")))
    }

    @Test func emptyChunkSizeIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n;ext\r\n0\r\n\r\n")))
    }

    @Test func overflowingChunkSizeIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n")))
    }

    @Test func chunkDataNotFollowedByCRLFIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n")))
    }

    @Test func chunkSizeLineWithBareLFIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n")))
    }

    @Test func overlongChunkSizeLineIsRejected() {
        let ext = String(repeating: "e", count: 1100)
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;\(ext)\r\nabc\r\n0\r\n\r\n")))
    }

    @Test func chunkedBodyPastLimitIsTooLarge() {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 5
        let result = parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", limits: limits)
        #expect(parseError(result) == .bodyTooLarge)
        #expect(result.contains(.body(Array("abc".utf8))))
    }

    @Test func oversizedTrailerSectionIsTooLarge() {
        var limits = HTTPLimits()
        limits.maxHeaderBytes = 64
        let trailer = "X-T: " + String(repeating: "t", count: 80)
        #expect(parseError(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\(trailer)\r\n\r\n", limits: limits)) == .headersTooLarge)
    }

    @Test func unknownTransferCodingIsNotImplemented() {
        #expect(parseError(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")) == .unsupportedTransferCoding("gzip"))
    }

    @Test func codingBeforeChunkedIsNotImplemented() {
        #expect(parseError(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")) == .unsupportedTransferCoding("gzip"))
    }

    @Test func chunkedTwiceIsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")))
    }

    @Test func transferEncodingInHTTP10IsRejected() {
        #expect(isMalformed(parseAllWays("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")))
    }

    @Test func http11WithoutHostIsRejected() {
        #expect(isMalformed(parseAllWays("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")))
    }

    @Test func duplicateHostIsRejected() {
        #expect(isMalformed(parseAllWays("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")))
    }

    @Test func http10WithoutHostIsAccepted() throws {
        let request = try #require(onlyHead(parseAllWays("GET / HTTP/1.0\r\n\r\n")))
        #expect(request.version == .http1_0)
        #expect(!request.keepAlive)
    }

    @Test func obsFoldIsRejected() {
        // RFC 9112 §5.2: reject with 400 (or replace with SP); we reject.
        #expect(isMalformed(parseAllWays("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n")))
    }

    @Test func whitespaceBeforeColonIsRejected() {
        // RFC 9112 §5.1: MUST reject with 400.
        #expect(isMalformed(parseAllWays("GET / HTTP/1.1\r\nHost : x\r\n\r\n")))
    }

    @Test func bareCRInHeaderValueIsRejected() {
        #expect(isMalformed(parseAllWays("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n")))
    }

    @Test func nulInHeaderValueIsRejected() {
        #expect(isMalformed(parseAllWays("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{0}b\r\n\r\n")))
    }

    @Test func headerLineWithoutColonIsRejected() {
        #expect(isMalformed(parseAllWays("GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n")))
    }

    @Test(arguments: ["GET  / HTTP/1.1", "GET / HTTP/1.1 ", "GET /", "get / http/1.1", "GET / HTTP/1", "G@T / HTTP/1.1", "GET a/b HTTP/1.1", "GET /\u{7F} HTTP/1.1"])
    func malformedRequestLineIsRejected(_ line: String) {
        #expect(isMalformed(parseAllWays("\(line)\r\nHost: x\r\n\r\n")))
    }

    @Test func requestLineOverLimitIsURITooLong() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        let result = parseAllWays("GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\nHost: x\r\n\r\n", limits: limits)
        #expect(result == [.error(.requestLineTooLong)])
    }

    @Test func requestLineAtLimitIsAccepted() throws {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        let line = "GET /" + String(repeating: "a", count: 64 - 14) + " HTTP/1.1"
        #expect(line.utf8.count == 64)
        #expect(try #require(onlyHead(parseAllWays("\(line)\r\nHost: x\r\n\r\n", limits: limits))).method == .get)
    }

    @Test func endlessRequestLineIsCutWhileArriving() {
        // No LF ever arrives; the limit still trips once the bytes pass it.
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        #expect(parseAllWays("GET /" + String(repeating: "a", count: 200), limits: limits) == [.error(.requestLineTooLong)])
    }

    @Test func headerSectionOverLimitIsTooLarge() {
        let big = String(repeating: "v", count: 16 * 1024)
        #expect(parseAllWays("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n") == [.error(.headersTooLarge)])
    }

    @Test func headerSectionCountsFieldsNotRequestLine() throws {
        // SPEC §7: the 16 KiB counts the fields, not the request line.
        var limits = HTTPLimits()
        limits.maxHeaderBytes = 100
        let result = parseAllWays("GET /\(String(repeating: "p", count: 300)) HTTP/1.1\r\nHost: x\r\n\r\n", limits: limits)
        #expect(try #require(onlyHead(result)).method == .get)
    }

    @Test func hundredHeaderFieldsIncludingHostAreAccepted() throws {
        let fields = (1..<100).map { "X-\($0): v\r\n" }.joined()
        let request = try #require(onlyHead(parseAllWays("GET / HTTP/1.1\r\nHost: x\r\n\(fields)\r\n")))
        #expect(request.headers.count == 100)
    }

    @Test func hundredAndOneHeaderFieldsAreTooMany() {
        let fields = (1...100).map { "X-\($0): v\r\n" }.joined()
        #expect(parseAllWays("GET / HTTP/1.1\r\nHost: x\r\n\(fields)\r\n") == [.error(.tooManyHeaderFields)])
    }

    @Test func majorVersionTwoIsNotSupported() {
        #expect(parseAllWays("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == [.error(.unsupportedVersion("HTTP/2.0"))])
    }

    @Test func higherMinorVersionIsServedAsHTTP11() throws {
        #expect(try #require(onlyHead(parseAllWays("GET / HTTP/1.7\r\nHost: x\r\n\r\n"))).version == .http1_1)
    }

    @Test func absoluteFormTargetIsRoutedByItsPath() throws {
        let request = try #require(onlyHead(parseAllWays("GET http://example.com/v1/x?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")))
        #expect(request.path == "/v1/x")
        #expect(request.query == "q=1")
    }

    @Test func asteriskFormIsOnlyForOptions() throws {
        #expect(try #require(onlyHead(parseAllWays("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"))).method == .options)
        #expect(isMalformed(parseAllWays("GET * HTTP/1.1\r\nHost: x\r\n\r\n")))
    }

    @Test func connectionCloseAndKeepAliveFollowRFC9112() throws {
        #expect(try #require(onlyHead(parseAllWays("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))).keepAlive)
        #expect(try !#require(onlyHead(parseAllWays("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n"))).keepAlive)
        #expect(try #require(onlyHead(parseAllWays("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))).keepAlive)
    }

    @Test func expectContinueIsRecognisedOnlyOnHTTP11() throws {
        #expect(try #require(onlyHead(parseAllWays("PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n"))).expectsContinue)
        #expect(try !#require(onlyHead(parseAllWays("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n"))).expectsContinue)
    }

    @Test func parserRefusesEverythingAfterAnError() throws {
        var parser = RequestParser()
        let bad = Array("BAD\r\n\r\n".utf8)
        #expect(throws: HTTPParseError.self) { try bad.withUnsafeBytes { _ = try parser.consume($0) } }
        let good = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        #expect(throws: HTTPParseError.self) { try good.withUnsafeBytes { _ = try parser.consume($0) } }
    }
}

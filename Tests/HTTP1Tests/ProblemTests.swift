import Foundation
import HTTP1
import Testing

@Suite struct ProblemTests {
    @Test func encodesTheFiveRFC9457MembersAsValidJSON() throws {
        let problem = Problem(status: .unprocessableContent, code: "length_mismatch", detail: "expected 3 \"floats\"\n got 2\u{1}")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(problem.encoded())) as? [String: Any])
        #expect(object["type"] as? String == "about:blank")
        #expect(object["title"] as? String == "Unprocessable Content")
        #expect(object["status"] as? Int == 422)
        #expect(object["detail"] as? String == "expected 3 \"floats\"\n got 2\u{1}")
        #expect(object["code"] as? String == "length_mismatch")
        #expect(object.count == 5)
    }

    @Test func parseErrorsMapToTheirStableCodes() {
        let limits = HTTPLimits()
        #expect(HTTPParseError.malformed("x").problem(limits: limits).code == "bad_request")
        #expect(HTTPParseError.requestLineTooLong.problem(limits: limits).status.code == 414)
        #expect(HTTPParseError.requestLineTooLong.problem(limits: limits).code == "uri_too_long")
        #expect(HTTPParseError.headersTooLarge.problem(limits: limits).status.code == 431)
        #expect(HTTPParseError.tooManyHeaderFields.problem(limits: limits).code == "headers_too_large")
        #expect(HTTPParseError.bodyTooLarge.problem(limits: limits).code == "body_too_large")
        #expect(HTTPParseError.unsupportedTransferCoding("gzip").problem(limits: limits).status.code == 501)
    }

    @Test func unavailableProblemsCarryRetryAfter() {
        #expect(Problem.shuttingDown(retryAfter: 2).headers["Retry-After"] == "2")
        #expect(Problem.serverBusy(retryAfter: 1).code == "server_busy")
    }
}

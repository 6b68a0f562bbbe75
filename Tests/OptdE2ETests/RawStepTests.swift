import Foundation
import Testing

/// Raw float32 steps on an in-memory session: the gradient is checked for NaN and infinity as
/// it arrives, piece by piece, and the answer is written by the update itself. A bad value in
/// any piece (the last bytes included) must still change nothing, and be refused only after the
/// checks that came first before (`If-Match`, idempotent replay).
@Suite(.serialized) struct RawStepTests {
    /// 4 MB: received in many `recv`s, but below the large-session threshold.
    static let size = 1_000_000

    static func gradient(seed: Int) -> [Float] {
        (0..<size).map { i in Float(((i &* 2_654_435_761 &+ seed &* 97) % 2001) - 1000) * 1e-6 }
    }

    static func params(_ client: HTTPTestClient) throws -> [UInt8] {
        try client.request("GET", "/v1/sessions/m/params", headers: [("Accept", "application/octet-stream")]).body
    }

    @Test func aNonFiniteValueInTheFirstMiddleOrLastBytesChangesNothing() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"m","optimizer":"adam","size":\#(Self.size)}"#).status == 201)
        #expect(try client.raw("POST", "/v1/sessions/m/step", Self.gradient(seed: 1)).status == 200)
        let before = try Self.params(client)
        for (index, bad) in [(Self.size - 1, Float.nan), (0, .infinity), (Self.size / 2 + 3, -.infinity)] {
            var gradient = Self.gradient(seed: 2)
            gradient[index] = bad
            let refused = try client.raw("POST", "/v1/sessions/m/step", gradient)
            #expect(refused.status == 422 && refused.code == "non_finite", "\(refused.status) \(refused.text)")
            #expect(refused.text.contains("\(index)"), "the problem names the element: \(refused.text)")
        }
        // The same connection still works (each body was read whole), and nothing moved.
        #expect(try Self.params(client) == before, "the parameters are bit for bit those before the refused steps")
        let session = try client.request("GET", "/v1/sessions/m").json as? [String: Any]
        #expect(session?["step"] as? Int == 1)
    }

    @Test func aStaleIfMatchOrAKnownIdempotencyKeyIsAnsweredBeforeANonFiniteGradientIsRefused() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"m","optimizer":"adam","size":\#(Self.size)}"#).status == 201)
        let first = try client.raw("POST", "/v1/sessions/m/step", Self.gradient(seed: 1), headers: [("Idempotency-Key", "k1")])
        #expect(first.status == 200)
        var bad = Self.gradient(seed: 2)
        bad[Self.size - 1] = .nan
        let stale = try client.raw("POST", "/v1/sessions/m/step", bad, headers: [("If-Match", "\"0\"")])
        #expect(stale.status == 412, "\(stale.status) \(stale.text)")
        let replayed = try client.raw("POST", "/v1/sessions/m/step", bad, headers: [("Idempotency-Key", "k1")])
        #expect(replayed.status == 200 && replayed.body == first.body, "the first answer again: \(replayed.status)")
    }

    @Test func eachAnswerIsTheParametersRightAfterItsStepWithOrWithoutAKey() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"m","optimizer":"adam","size":\#(Self.size)}"#).status == 201)
        for (seed, headers) in [(1, []), (2, [("Idempotency-Key", "k2")]), (3, [])] as [(Int, [(String, String)])] {
            let answer = try client.raw("POST", "/v1/sessions/m/step", Self.gradient(seed: seed), headers: headers)
            #expect(answer.status == 200 && answer.header("ETag") == "\"\(seed)\"")
            #expect(answer.body == (try Self.params(client)), "step \(seed)")
        }
    }
}

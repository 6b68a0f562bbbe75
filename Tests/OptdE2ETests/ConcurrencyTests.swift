import Foundation
import Testing

/// Steps on one session are serialised and each answer holds the parameters right after its own
/// step; retries and preconditions behave (SPEC §3).
@Suite(.serialized) struct ConcurrencyTests {
    @Test func eightClientsTwoHundredStepsEach() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        // SGD with lr 1 on gradient 1 moves each parameter by exactly -1 per step: the answer to
        // step N must be exactly -N, whoever sent it.
        #expect(try optd.client().json("POST", "/v1/sessions", #"{"id":"shared","optimizer":{"name":"sgd","learning_rate":1.0},"size":3}"#).status == 201)
        let results = LockedBox<[(etag: String, params: [Float])]>([])
        let failures = LockedBox<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            do {
                let client = try optd.client()
                for i in 0..<200 {
                    let json = (worker + i) % 2 == 0
                    let r = json
                        ? try client.json("POST", "/v1/sessions/shared/step", "[1,1,1]", headers: [("Accept", "application/octet-stream")])
                        : try client.raw("POST", "/v1/sessions/shared/step", [1, 1, 1])
                    guard r.status == 200, let etag = r.header("ETag") else {
                        failures.update { $0.append("worker \(worker) step \(i): \(r.status) \(r.text)") }
                        continue
                    }
                    results.update { $0.append((etag, r.floats)) }
                }
            } catch {
                failures.update { $0.append("worker \(worker): \(error)") }
            }
        }
        #expect(failures.value.isEmpty, "\(failures.value.prefix(3))")
        let answers = results.value
        #expect(answers.count == 1600)
        #expect(Set(answers.map(\.etag)).count == 1600, "1600 distinct ETags")
        for answer in answers {
            let n = Float(answer.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))) ?? .nan
            #expect(answer.params == [-n, -n, -n], "answer with ETag \(answer.etag) holds \(answer.params)")
        }
        let final = try optd.client().request("GET", "/v1/sessions/shared")
        #expect((final.json as? [String: Any])?["step"] as? Int == 1600)
    }

    @Test func idempotencyKeyRetryReturnsTheFirstAnswerAndAppliesNothing() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"s","optimizer":"adam","params":[1,2,3]}"#).status == 201)
        let key = [("Idempotency-Key", "step-0001")]
        let first = try client.json("POST", "/v1/sessions/s/step", "[0.1,0.2,0.3]", headers: key)
        let retry = try client.json("POST", "/v1/sessions/s/step", "[0.1,0.2,0.3]", headers: key)
        #expect(first.status == 200 && retry.status == 200)
        #expect(retry.body == first.body, "the retry gets the first answer byte for byte")
        #expect(retry.header("ETag") == "\"1\"")
        // The retry may even ask for the other representation: same step, same parameters.
        let rawRetry = try client.json("POST", "/v1/sessions/s/step", "[9,9,9]", headers: key + [("Accept", "application/octet-stream")])
        #expect(rawRetry.floats == paramsOf(jsonAnswer: first.text))
        let session = try client.request("GET", "/v1/sessions/s").json as? [String: Any]
        #expect(session?["step"] as? Int == 1, "nothing was applied twice")
        // After the session moves on, the first answer is still replayed (it is small enough to keep).
        _ = try client.json("POST", "/v1/sessions/s/step", "[1,1,1]")
        let late = try client.json("POST", "/v1/sessions/s/step", "[0.1,0.2,0.3]", headers: key)
        #expect(late.body == first.body)
    }

    @Test func concurrentRetriesOfOneKeyApplyOnce() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        #expect(try optd.client().json("POST", "/v1/sessions", #"{"id":"s","optimizer":"sgd","size":2}"#).status == 201)
        let bodies = LockedBox<[[UInt8]]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let r = try? optd.client().json("POST", "/v1/sessions/s/step", "[1,1]", headers: [("Idempotency-Key", "same")]), r.status == 200 {
                bodies.update { $0.append(r.body) }
            }
        }
        #expect(bodies.value.count == 8)
        #expect(Set(bodies.value).count == 1, "every retry got the first answer")
        let session = try optd.client().request("GET", "/v1/sessions/s").json as? [String: Any]
        #expect(session?["step"] as? Int == 1)
    }

    @Test func staleIfMatchIsRefused() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"s","optimizer":"sgd","size":2}"#).status == 201)
        let ok = try client.json("POST", "/v1/sessions/s/step", "[1,1]", headers: [("If-Match", "\"0\"")])
        #expect(ok.status == 200 && ok.header("ETag") == "\"1\"")
        let stale = try client.json("POST", "/v1/sessions/s/step", "[1,1]", headers: [("If-Match", "\"0\"")])
        #expect(stale.status == 412 && stale.code == "precondition_failed")
        #expect(stale.header("ETag") == "\"1\"", "the 412 tells the current ETag")
        let params = try client.request("GET", "/v1/sessions/s/params")
        #expect(params.header("ETag") == "\"1\"", "nothing applied")
    }
}

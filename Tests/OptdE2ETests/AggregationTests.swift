import Foundation
import Testing

/// Synchronous aggregation (`"aggregate": {"workers": K, "timeout_seconds": T}`): K workers, one
/// step per round, everyone answered alike; rounds that cannot complete time out cleanly.
@Suite(.serialized) struct AggregationTests {
    static let size = 48

    /// Worker `w`'s gradient for round `r`: deterministic, different per worker and round, with
    /// magnitudes that make float32 summation order matter.
    static func gradient(worker w: Int, round r: Int) -> [Float] {
        var state = UInt64(w * 1_000_003 + r * 7919 + 17)
        return (0..<size).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Float(state >> 40) / Float(1 << 24) - 0.5
            return unit * (i % 3 == 0 ? 1000 : 0.001) * Float(w + 1)
        }
    }

    /// The documented mean: sum in worker-name order in float32, then divide by K.
    static func mean(_ gradients: [[Float]]) -> [Float] {
        var acc = gradients[0]
        for g in gradients.dropFirst() { for i in acc.indices { acc[i] = acc[i] + g[i] } }
        let k = Float(gradients.count)
        return acc.map { $0 / k }
    }

    /// A worker name per index; not in the order the workers happen to arrive, and sorting
    /// by name differs from sorting by index ("w10" < "w2").
    static let names = ["w2", "w10", "w3", "w1"]

    static let config = #""optimizer":{"name":"adam","learning_rate":0.01},"convention":"pytorch""#

    static func createBody(id: String, aggregate: String?) -> String {
        let params = (0..<size).map { String(Float($0) / 10 - 2) }.joined(separator: ",")
        return "{\"id\":\"\(id)\",\(config),\"params\":[\(params)]" + (aggregate.map { ",\"aggregate\":\($0)" } ?? "") + "}"
    }

    static func rawBytes(_ values: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// 4 workers × 100 rounds, JSON and raw bodies mixed. In round 50 worker "w1" dies in the
    /// middle of uploading its gradient: the other three get 504 `round_timeout` and nothing is
    /// applied; a restarted "w1" and the others send round 50 again and the run goes on. The
    /// result equals, bit for bit, a plain session stepped with the documented means; every
    /// answer of a round is the same; the journal replays it after kill -9.
    @Test func fourWorkersHundredRoundsMatchASingleProcessRun() throws {
        let data = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(data) }
        let optd = try OptdProcess(arguments: ["--wal", "always"], dataDirectory: data)
        let create = try optd.client().json("POST", "/v1/sessions",
                                            Self.createBody(id: "agg", aggregate: #"{"workers":4,"timeout_seconds":2}"#))
        #expect(create.status == 201, "\(create.text)")
        let metadata = create.json as? [String: Any]
        #expect((metadata?["aggregate"] as? [String: Any])?["workers"] as? Int == 4)

        let rounds = 100, crashRound = 50
        // answers[worker][round] = (ETag, params), the 200 answer each worker finally got.
        let answers = LockedBox([[(String, [Float])]](repeating: [], count: 4))
        let failures = LockedBox<[String]>([])
        let timedOut = LockedBox<[String]>([])
        let othersTimedOut = DispatchSemaphore(value: 0)
        // One thread per worker (concurrentPerform would run only as many as there are cores).
        runConcurrently(4) { w in
            let name = Self.names[w]
            do {
                var client = try optd.client()
                var round = 0
                while round < rounds {
                    let g = Self.gradient(worker: w, round: round)
                    if name == "w1", round == crashRound, timedOut.value.isEmpty {
                        // Dies mid-upload: half the body, then the socket closes.
                        var head = "POST /v1/sessions/agg/step HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                        head += "Optd-Worker: w1\r\nContent-Length: \(Self.size * 4)\r\n\r\n"
                        try client.send(Array(head.utf8) + Self.rawBytes(g).prefix(Self.size * 2))
                        client = try optd.client()  // the old connection is dropped (closed) here
                        for _ in 0..<3 { othersTimedOut.wait() }  // restarted once the round failed
                        continue
                    }
                    let headers = [("Optd-Worker", name), ("Idempotency-Key", "round-\(round)"), ("Accept", "application/octet-stream")]
                    let r = (w + round) % 2 == 0
                        ? try client.json("POST", "/v1/sessions/agg/step", "[" + g.map { "\($0)" }.joined(separator: ",") + "]", headers: headers)
                        : try client.raw("POST", "/v1/sessions/agg/step", g, headers: headers)
                    if r.status == 504, r.code == "round_timeout" {
                        // Round 50 times out because w1 died; on a very loaded machine another
                        // round might too. Either way: nothing was applied, send it again.
                        if round == crashRound {
                            timedOut.update { $0.append(name) }
                            othersTimedOut.signal()
                        }
                        continue
                    }
                    guard r.status == 200, let etag = r.header("ETag") else {
                        failures.update { $0.append("\(name) round \(round): \(r.status) \(r.text)") }
                        return
                    }
                    answers.update { $0[w].append((etag, r.floats)) }
                    round += 1
                }
            } catch {
                failures.update { $0.append("\(name): \(error)") }
            }
        }
        #expect(failures.value.isEmpty, "\(failures.value.prefix(3))")
        #expect(Set(timedOut.value) == ["w2", "w10", "w3"], "the three live workers saw round \(crashRound) time out")
        #expect(timedOut.value.count >= 3)
        let all = answers.value
        try #require(all.allSatisfy { $0.count == rounds })
        for round in 0..<rounds {
            let etags = Set(all.map { $0[round].0 })
            #expect(etags == ["\"\(round + 1)\""], "round \(round): ETags \(etags)")
            #expect(all.allSatisfy { $0[round].1 == all[0][round].1 }, "round \(round): every worker got the same parameters")
        }

        // The single-process run: the same means, in the documented order, one plain step each.
        let client = try optd.client()
        #expect(try client.json("POST", "/v1/sessions", Self.createBody(id: "single", aggregate: nil)).status == 201)
        let order = Self.names.enumerated().sorted { Array($0.element.utf8).lexicographicallyPrecedes(Array($1.element.utf8)) }.map(\.offset)
        for round in 0..<rounds {
            let m = Self.mean(order.map { Self.gradient(worker: $0, round: round) })
            let r = try client.raw("POST", "/v1/sessions/single/step", m)
            #expect(r.status == 200)
            #expect(r.floats == all[0][round].1, "round \(round): aggregated answer differs from the single-process step")
        }
        let aggregated = try client.request("GET", "/v1/sessions/agg/params", headers: [("Accept", "application/octet-stream")])
        let single = try client.request("GET", "/v1/sessions/single/params", headers: [("Accept", "application/octet-stream")])
        #expect(aggregated.header("ETag") == "\"100\"")
        #expect(aggregated.floats == single.floats)

        // A retry of a completed round replays its answer and applies nothing.
        let retry = try client.raw("POST", "/v1/sessions/agg/step", Self.gradient(worker: 0, round: 7),
                                   headers: [("Optd-Worker", "w2"), ("Idempotency-Key", "round-7"), ("Accept", "application/octet-stream")])
        #expect(retry.status == 200 && retry.header("ETag") == "\"8\"" && retry.floats == all[0][7].1)

        // kill -9 and restart: the journal (one step record per round) rebuilds the same state.
        optd.kill9()
        let restarted = try OptdProcess(arguments: ["--wal", "always"], dataDirectory: data)
        defer { #expect(restarted.stop() == 0) }
        let after = try restarted.client().request("GET", "/v1/sessions/agg/params", headers: [("Accept", "application/octet-stream")])
        #expect(after.header("ETag") == "\"100\"" && after.floats == single.floats)
        let session = try restarted.client().request("GET", "/v1/sessions/agg").json as? [String: Any]
        #expect((session?["aggregate"] as? [String: Any])?["timeout_seconds"] as? Double == 2)
    }

    /// A worker that posts twice in one round is refused (409) and counted once; a retry with
    /// the same Idempotency-Key joins the wait instead and gets the round's answer.
    @Test func duplicateWorkerIsRefusedAndRetryWaitsWithItsRound() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        #expect(try optd.client().json("POST", "/v1/sessions",
                                       #"{"id":"a","optimizer":{"name":"sgd","learning_rate":1},"size":2,"aggregate":{"workers":2,"timeout_seconds":8}}"#).status == 201)
        let first = LockedBox<HTTPTestClient.Response?>(nil)
        let retried = LockedBox<HTTPTestClient.Response?>(nil)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            first.value = try? optd.client().json("POST", "/v1/sessions/a/step", "[2,4]", headers: [("Optd-Worker", "x"), ("Idempotency-Key", "k1")])
        }
        let client = try optd.client()
        // Poll (with a deadline) until the session shows x waiting in the open round.
        func waiting() throws -> [String]? {
            ((try client.request("GET", "/v1/sessions/a").json as? [String: Any])?["aggregate"] as? [String: Any])?["waiting"] as? [String]
        }
        let deadline = Date().addingTimeInterval(5)
        while try waiting() != ["x"], Date() < deadline { usleep(1000) }
        #expect(try waiting() == ["x"])
        let duplicate = try client.json("POST", "/v1/sessions/a/step", "[100,100]", headers: [("Optd-Worker", "x")])
        #expect(duplicate.status == 409 && duplicate.code == "duplicate_worker", "\(duplicate.text)")
        DispatchQueue.global().async(group: group) {
            retried.value = try? optd.client().json("POST", "/v1/sessions/a/step", "[2,4]", headers: [("Optd-Worker", "x"), ("Idempotency-Key", "k1")])
        }
        let y = try client.json("POST", "/v1/sessions/a/step", "[4,8]", headers: [("Optd-Worker", "y")])
        group.wait()
        // (2 + 4) / 2 = 3 and (4 + 8) / 2 = 6: one step of lr 1 from zeros.
        #expect(y.status == 200 && paramsOf(jsonAnswer: y.text) == [-3, -6] && y.header("ETag") == "\"1\"", "\(y.text)")
        #expect(first.value?.body == y.body)
        // The retry either joined the round (same answer) or came after it (replayed): the same.
        #expect(retried.value?.body == y.body)
        let session = try client.request("GET", "/v1/sessions/a").json as? [String: Any]
        #expect(session?["step"] as? Int == 1)

        // Deleting the session ends its open round at once: the waiting worker gets 404.
        let lone = LockedBox<HTTPTestClient.Response?>(nil)
        group.enter()
        Thread.detachNewThread {
            lone.value = try? optd.client().json("POST", "/v1/sessions/a/step", "[1,1]", headers: [("Optd-Worker", "x")])
            group.leave()
        }
        let waitUntil = Date().addingTimeInterval(5)
        while try waiting() != ["x"], Date() < waitUntil { usleep(1000) }
        #expect(try client.request("DELETE", "/v1/sessions/a").status == 204)
        group.wait()
        #expect(lone.value?.status == 404 && lone.value?.code == "session_not_found")
    }

    /// At most 96 requests wait in rounds at once (each holds a server thread): the 97th is
    /// refused with 503 at once, the server keeps answering others meanwhile, and the waiting
    /// ones end with round_timeout.
    @Test func waitingWorkersAreBounded() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        for id in ["big1", "big2"] {
            #expect(try client.json("POST", "/v1/sessions", "{\"id\":\"\(id)\",\"optimizer\":\"sgd\",\"size\":2,\"aggregate\":{\"workers\":64,\"timeout_seconds\":8}}").status == 201)
        }
        let statuses = LockedBox<[Int]>([])
        let waiters = DispatchGroup()
        for i in 0..<96 {
            let (id, worker) = i < 63 ? ("big1", "w\(i)") : ("big2", "w\(i)")
            waiters.enter()
            Thread.detachNewThread {
                let r = try? optd.client().json("POST", "/v1/sessions/\(id)/step", "[1,1]", headers: [("Optd-Worker", worker)])
                statuses.update { $0.append(r?.status ?? -1) }
                waiters.leave()
            }
        }
        func waiting(_ id: String) throws -> Int {
            (((try client.request("GET", "/v1/sessions/\(id)").json as? [String: Any])?["aggregate"] as? [String: Any])?["waiting"] as? [Any])?.count ?? -1
        }
        let deadline = Date().addingTimeInterval(6)
        while try waiting("big1") + waiting("big2") < 96, Date() < deadline { usleep(2000) }
        #expect(try waiting("big1") == 63 && waiting("big2") == 33)
        let refused = try client.json("POST", "/v1/sessions/big2/step", "[1,1]", headers: [("Optd-Worker", "late")])
        #expect(refused.status == 503 && refused.code == "aggregation_busy" && refused.header("Retry-After") == "1", "\(refused.text)")
        #expect(try client.request("GET", "/healthz").status == 200)
        waiters.wait()
        #expect(statuses.value.count == 96 && statuses.value.allSatisfy { $0 == 504 })
        let session = try client.request("GET", "/v1/sessions/big1").json as? [String: Any]
        #expect(session?["step"] as? Int == 0)
    }

    @Test func badAggregateAndWorkerHeadersAreRefused() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        for bad in [#"{"workers":0}"#, #"{"workers":65}"#, #"{"workers":2.5}"#, #"{"workers":2,"timeout_seconds":0}"#,
                    #"{"workers":2,"extra":1}"#, #""four""#] {
            let r = try client.json("POST", "/v1/sessions", #"{"id":"b","optimizer":"sgd","size":2,"aggregate":"# + bad + "}")
            #expect(r.status == 400 && r.code == "invalid_aggregate", "\(bad): \(r.text)")
        }
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"a","optimizer":"sgd","size":2,"aggregate":{"workers":2}}"#).status == 201)
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"p","optimizer":"sgd","size":2}"#).status == 201)
        let missing = try client.json("POST", "/v1/sessions/a/step", "[1,1]")
        #expect(missing.status == 400 && missing.code == "invalid_worker")
        let badName = try client.json("POST", "/v1/sessions/a/step", "[1,1]", headers: [("Optd-Worker", "-x")])
        #expect(badName.status == 400 && badName.code == "invalid_worker")
        let notAggregating = try client.json("POST", "/v1/sessions/p/step", "[1,1]", headers: [("Optd-Worker", "x")])
        #expect(notAggregating.status == 400 && notAggregating.code == "invalid_worker")
        let wrongLength = try client.json("POST", "/v1/sessions/a/step", "[1,1,1]", headers: [("Optd-Worker", "x")])
        #expect(wrongLength.status == 422 && wrongLength.code == "length_mismatch")
        let session = try client.request("GET", "/v1/sessions/a").json as? [String: Any]
        #expect(session?["step"] as? Int == 0)
    }
}

/// Runs `body(0..<n)` on n threads of their own at once and returns when all have finished.
func runConcurrently(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchGroup()
    for i in 0..<n {
        done.enter()
        Thread.detachNewThread {
            body(i)
            done.leave()
        }
    }
    done.wait()
}

import Foundation
import Testing

/// Steps on large sessions (16 MiB and more per vector): they take turns, a raw gradient is
/// checked and parked outside optd's memory before it is applied, and the result is the one the
/// in-memory path gives (README, Decisions: "Large sessions").
@Suite(.serialized) struct LargeStepTests {
    /// 18 MB of float32: above the 16 MiB threshold, and not a multiple of the 4 MB blocks or
    /// 16 K-float pieces the gradient is applied in, so the tails are exercised too.
    static let size = 4_500_001

    /// A deterministic gradient of small values with both signs, different for each `seed`.
    static func gradient(seed: Int) -> [Float] {
        (0..<size).map { i in Float(((i &* 2_654_435_761 &+ seed &* 97) % 2001) - 1000) * 1e-6 }
    }

    static func rawBytes(_ values: [Float]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }  // little-endian hosts only, as optd's raw format
    }

    static func peakRSS(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test func aLargeStepWithANaNAtTheEndOrAnInfinityAtTheStartChangesNothing() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"big","optimizer":"adam","size":\#(Self.size)}"#).status == 201)
        var good = Self.gradient(seed: 1)
        #expect(try client.raw("POST", "/v1/sessions/big/step", good).status == 200)
        let before = try client.request("GET", "/v1/sessions/big/params", headers: [("Accept", "application/octet-stream")])
        #expect(before.status == 200 && before.body.count == Self.size * 4)

        good[Self.size - 1] = .nan
        let nanAtEnd = try client.raw("POST", "/v1/sessions/big/step", good)
        #expect(nanAtEnd.status == 422 && nanAtEnd.code == "non_finite", "\(nanAtEnd.status) \(nanAtEnd.text)")
        #expect(nanAtEnd.text.contains("\(Self.size - 1)"), "the problem names the element: \(nanAtEnd.text)")
        good[Self.size - 1] = 0
        good[0] = .infinity
        let infinityFirst = try client.raw("POST", "/v1/sessions/big/step", good)
        #expect(infinityFirst.status == 422 && infinityFirst.code == "non_finite", "\(infinityFirst.status) \(infinityFirst.text)")

        // The same connection still works (the whole body was read), and nothing moved.
        let after = try client.request("GET", "/v1/sessions/big/params", headers: [("Accept", "application/octet-stream")])
        #expect(after.body == before.body, "the parameters are bit for bit those before the refused steps")
        #expect(after.header("ETag") == "\"1\"")
        let session = try client.request("GET", "/v1/sessions/big").json as? [String: Any]
        #expect(session?["step"] as? Int == 1)
    }

    @Test func concurrentLargeStepsEachApplyOnceAnswerTheirOwnStepAndHoldNoBodyInMemory() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        // SGD with lr 1 on gradient 1: the answer to step N is exactly -N everywhere.
        #expect(try optd.client().json("POST", "/v1/sessions",
                                       #"{"id":"big","optimizer":{"name":"sgd","learning_rate":1.0},"size":\#(Self.size)}"#).status == 201)
        let baseline = Self.peakRSS(optd.process.processIdentifier)
        let body = Self.rawBytes([Float](repeating: 1, count: Self.size))
        let answers = LockedBox<[(etag: String, ok: Bool)]>([])
        let failures = LockedBox<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                let client = try optd.client()
                for _ in 0..<2 {
                    let r = try client.request("POST", "/v1/sessions/big/step",
                                               headers: [("Content-Type", "application/octet-stream")], body: body)
                    guard r.status == 200, let etag = r.header("ETag"), r.body.count == Self.size * 4 else {
                        failures.update { $0.append("worker \(worker): \(r.status) \(r.text.prefix(200))") }
                        continue
                    }
                    let n = Float(etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))) ?? .nan
                    let ok = r.body.withUnsafeBytes { raw in
                        raw.bindMemory(to: Float.self).allSatisfy { $0 == -n }
                    }
                    answers.update { $0.append((etag, ok)) }
                }
            } catch {
                failures.update { $0.append("worker \(worker): \(error)") }
            }
        }
        #expect(failures.value.isEmpty, "\(failures.value.prefix(3))")
        #expect(answers.value.count == 8)
        #expect(Set(answers.value.map(\.etag)) == Set((1...8).map { "\"\($0)\"" }), "each step applied once, in some order")
        let allRight = answers.value.allSatisfy { $0.ok }
        #expect(allRight, "each answer holds exactly the parameters right after its own step")
        let session = try optd.client().request("GET", "/v1/sessions/big").json as? [String: Any]
        #expect(session?["step"] as? Int == 8)
        // Eight 18 MB uploads and answers went through; optd's peak memory grew by less than
        // one of them: no body or answer was held whole.
        let growth = Self.peakRSS(optd.process.processIdentifier) - baseline
        #expect(growth < Self.size * 4, "peak RSS grew by \(growth) bytes")
    }

    @Test func largeStepsGiveBitForBitTheParametersOfTheInMemoryPath() throws {
        // With --wal everysec a large step is read into memory (its journal record holds the
        // whole gradient); without a journal it is applied piecewise from the spool file.
        let sessions = [
            #"{"id":"adam","optimizer":{"name":"adam","learning_rate":0.01,"weight_decay":0.01,"use_ema":true,"clipvalue":0.0005},"size":\#(Self.size)}"#,
            #"{"id":"torch","optimizer":{"name":"adamw","amsgrad":true},"convention":"pytorch","size":\#(Self.size)}"#,
            // torch SGD creates its momentum buffer from the first gradient: that step is applied
            // whole, the later ones piecewise.
            #"{"id":"sgd","optimizer":{"name":"sgd","momentum":0.9,"nesterov":true},"convention":"pytorch","size":\#(Self.size)}"#,
        ]
        var results: [[String: [UInt8]]] = []
        for arguments in [["--wal", "off"], ["--wal", "everysec"]] {
            let optd = try OptdProcess(arguments: arguments)
            defer { #expect(optd.stop() == 0) }
            let client = try optd.client()
            var answers: [String: [UInt8]] = [:]
            for create in sessions {
                let created = try client.json("POST", "/v1/sessions", create)
                #expect(created.status == 201, "\(created.text)")
                let id = (created.json as? [String: Any])?["id"] as? String ?? ""
                for seed in 1...2 {
                    let r = try client.raw("POST", "/v1/sessions/\(id)/step", Self.gradient(seed: seed))
                    #expect(r.status == 200, "\(id) step \(seed): \(r.status) \(r.text.prefix(200))")
                    answers["\(id) \(seed)"] = r.body
                }
                let ema = try client.request("GET", "/v1/sessions/\(id)/params?ema=true", headers: [("Accept", "application/octet-stream")])
                if ema.status == 200 { answers["\(id) ema"] = ema.body }
            }
            results.append(answers)
        }
        #expect(results[0].count == 7)
        for (key, streamed) in results[0].sorted(by: { $0.key < $1.key }) {
            #expect(streamed == results[1][key], "\(key): piecewise and in-memory answers differ")
        }
    }
}

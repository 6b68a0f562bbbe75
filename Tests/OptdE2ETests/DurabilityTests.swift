import Foundation
import Testing

/// SPEC §5 with the real binary: restarts continue exactly, `--wal always` loses no acknowledged
/// step under kill -9, snapshot writes are atomic at every crash point, damaged files are
/// quarantined while everything else loads.
@Suite(.serialized) struct DurabilityTests {
    /// One configuration per optimizer and convention, with every state buffer switched on.
    static let configurations: [(id: String, body: String)] = {
        var list: [(String, String)] = []
        let extras: [String: String] = [
            "sgd": #""momentum":0.9"#, "adagrad": #""initial_accumulator_value":0.2"#,
            "rmsprop": #""momentum":0.5,"centered":true"#, "adam": #""amsgrad":true"#, "adamw": #""amsgrad":true"#,
        ]
        for name in ["sgd", "adagrad", "rmsprop", "adam", "adamw"] {
            for convention in ["keras", "pytorch"] {
                var optimizer = #""name":"\#(name)","learning_rate":0.01,\#(extras[name]!)"#
                if convention == "keras" { optimizer += #","use_ema":true,"gradient_accumulation_steps":2"# }
                list.append(("\(name)-\(convention)", #"{"id":"\#(name)-\#(convention)","convention":"\#(convention)","optimizer":{\#(optimizer)},"params":[0.5,-1.5,2,0.25]}"#))
            }
        }
        return list
    }()

    static func gradient(_ k: Int) -> [Float] { [0.3, -0.2, 0.1, 0.05].map { $0 * Float(k % 7 + 1) } }

    @Test(arguments: ["off", "everysec", "always"])
    func restartContinuesExactlyLikeAnUninterruptedTwin(wal: String) throws {
        let twin = try OptdProcess()
        defer { twin.stop() }
        let dir = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(dir) }
        var server = try OptdProcess(arguments: ["--wal", wal], dataDirectory: dir)
        for c in Self.configurations {
            #expect(try twin.client().json("POST", "/v1/sessions", c.body).status == 201)
            #expect(try server.client().json("POST", "/v1/sessions", c.body).status == 201)
        }
        for round in 0..<3 {
            let t = try twin.client(), s = try server.client()
            for c in Self.configurations {
                for k in 0..<5 {
                    let g = Self.gradient(round * 5 + k)
                    let a = try t.raw("POST", "/v1/sessions/\(c.id)/step", g)
                    let b = try s.raw("POST", "/v1/sessions/\(c.id)/step", g)
                    #expect(a.status == 200 && b.body == a.body && b.header("ETag") == a.header("ETag"),
                            "\(c.id) after \(round) restarts, step \(k)")
                }
                let ema = c.id.hasSuffix("keras")
                if ema {
                    #expect(try s.request("GET", "/v1/sessions/\(c.id)/params?ema=true", headers: [("Accept", "application/octet-stream")]).body
                            == (try t.request("GET", "/v1/sessions/\(c.id)/params?ema=true", headers: [("Accept", "application/octet-stream")]).body))
                }
            }
            #expect(server.stop() == 0)
            server = try OptdProcess(arguments: ["--wal", wal], dataDirectory: dir)
        }
        server.stop()
    }

    /// kill -9 while 8 clients step, 50 times. Each client gives every logical step its own
    /// Idempotency-Key and retries an unanswered one after the restart. Nothing acknowledged may be
    /// lost and nothing applied twice: in the end the session's step equals the number of keys.
    @Test func killNineUnderWALAlwaysLosesNothing() throws {
        let dir = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(dir) }
        var server = try OptdProcess(arguments: ["--wal", "always", "--snapshot-interval", "0.2"], dataDirectory: dir)
        #expect(try server.client().json("POST", "/v1/sessions", #"{"id":"k","optimizer":{"name":"sgd","learning_rate":1.0},"size":2}"#).status == 201)
        let keysIssued = LockedBox(0)
        var highestAcknowledged = 0
        var inFlight = [String?](repeating: nil, count: 8)
        for cycle in 0..<50 {
            let port = server.port
            let acknowledged = LockedBox<[Int]>([])
            let pending = LockedBox<[Int: String]>([:])
            let stop = LockedBox(false)
            let retries = inFlight
            let group = DispatchGroup()
            for worker in 0..<8 {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    guard let client = try? HTTPTestClient(port: port) else { return }
                    var key = retries[worker]
                    while !stop.value {
                        if key == nil {
                            keysIssued.update { $0 += 1 }
                            key = "c\(cycle)-w\(worker)-\(UUID().uuidString)"
                        }
                        pending.update { $0[worker] = key }
                        guard let r = try? client.json("POST", "/v1/sessions/k/step", "[1,1]", headers: [("Idempotency-Key", key!), ("Accept", "application/octet-stream")]),
                              r.status == 200, let etag = r.header("ETag"), let step = Int(etag.dropFirst().dropLast()) else { return }
                        // SGD with lr 1 on gradient 1: the answer to step N is exactly -N.
                        if r.floats != [Float(-step), Float(-step)] { acknowledged.update { $0.append(-1) } }
                        acknowledged.update { $0.append(step) }
                        pending.update { $0[worker] = nil }
                        key = nil
                    }
                }
            }
            usleep(useconds_t(20_000 + (cycle * 7919 % 150) * 1000))
            server.kill9()
            stop.value = true
            group.wait()
            #expect(!acknowledged.value.contains(-1), "an answer did not hold the parameters of its own step")
            highestAcknowledged = max(highestAcknowledged, acknowledged.value.max() ?? 0)
            inFlight = (0..<8).map { pending.value[$0] }
            server = try OptdProcess(arguments: ["--wal", "always", "--snapshot-interval", "0.2"], dataDirectory: dir)
            let params = try server.client().request("GET", "/v1/sessions/k/params", headers: [("Accept", "application/octet-stream")])
            let step = Int(params.header("ETag")?.dropFirst().dropLast() ?? "") ?? -1
            #expect(step >= highestAcknowledged, "cycle \(cycle): restored step \(step) < acknowledged \(highestAcknowledged)")
            #expect(params.floats == [Float(-step), Float(-step)], "cycle \(cycle): params do not belong to step \(step)")
        }
        // Retry what was still unanswered, then count.
        let client = try server.client()
        for key in inFlight.compactMap({ $0 }) {
            #expect(try client.json("POST", "/v1/sessions/k/step", "[1,1]", headers: [("Idempotency-Key", key)]).status == 200)
        }
        let final = try client.request("GET", "/v1/sessions/k").json as? [String: Any]
        #expect(final?["step"] as? Int == keysIssued.value, "every key applied exactly once")
        #expect(server.stop() == 0)
    }

    /// A crash between each pair of steps of a snapshot write leaves the old or the new file.
    @Test(arguments: [("snapshot.after_write", 1), ("snapshot.after_fsync", 1), ("snapshot.after_rename", 2), ("snapshot.after_dir_fsync", 2)])
    func crashDuringSnapshotLeavesOldOrNew(point: String, expectedStep: Int) throws {
        let dir = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(dir) }
        let args = ["--snapshot-interval", "0"]
        let first = try OptdProcess(arguments: args, dataDirectory: dir)
        let c = try first.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"snap","optimizer":"adam","params":[1,2,3]}"#).status == 201)
        #expect(try c.json("POST", "/v1/sessions/snap/step", "[1,1,1]").status == 200)
        #expect(try c.request("POST", "/v1/sessions/snap/snapshot").status == 200)
        first.kill9()

        let crashing = try OptdProcess(arguments: args, environment: ["OPTD_FAULT": point], dataDirectory: dir)
        let d = try crashing.client()
        #expect(try d.json("POST", "/v1/sessions/snap/step", "[1,1,1]").status == 200)
        _ = try? d.request("POST", "/v1/sessions/snap/snapshot")  // the process dies inside
        #expect(crashing.waitForExit() == 137, "\(point) was reached")

        let restarted = try OptdProcess(arguments: args, dataDirectory: dir)
        defer { restarted.stop() }
        let session = try restarted.client().request("GET", "/v1/sessions/snap").json as? [String: Any]
        #expect(session?["step"] as? Int == expectedStep, "\(point): expected the \(expectedStep == 1 ? "old" : "new") snapshot")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sessions").path)
        #expect(files == ["snap.safetensors"], "no temp file left: \(files)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("quarantine").path).isEmpty)
    }

    enum Damage: String, CaseIterable, Sendable { case flippedHeaderByte, truncated, headerLengthTooLarge, wrongDtype, notSafetensors }

    @Test(arguments: Damage.allCases)
    func corruptSnapshotIsQuarantinedAndTheRestLoads(damage: Damage) throws {
        let dir = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(dir) }
        let first = try OptdProcess(dataDirectory: dir)
        let c = try first.client()
        for id in ["a", "b", "c"] {
            #expect(try c.json("POST", "/v1/sessions", #"{"id":"\#(id)","optimizer":"rmsprop","params":[1,2,3,4]}"#).status == 201)
            #expect(try c.json("POST", "/v1/sessions/\(id)/step", "[1,1,1,1]").status == 200)
        }
        #expect(first.stop() == 0)  // graceful: every session snapshotted
        let file = dir.appendingPathComponent("sessions/b.safetensors")
        var bytes = [UInt8](try Data(contentsOf: file))
        switch damage {
        case .flippedHeaderByte: bytes[20] ^= 0x5A
        case .truncated: bytes.removeLast(bytes.count / 2)
        case .headerLengthTooLarge: bytes[0] = 0xFF; bytes[1] = 0xFF
        case .wrongDtype:
            let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"F32\"", with: "\"F16\"")
            bytes = Array(text.utf8)
        case .notSafetensors: bytes = Array("hello".utf8)
        }
        try Data(bytes).write(to: file)

        let second = try OptdProcess(dataDirectory: dir)
        defer { second.stop() }
        let d = try second.client()
        #expect(try d.request("GET", "/readyz").status == 200)
        #expect(try d.request("GET", "/v1/sessions/a").status == 200)
        #expect(try d.request("GET", "/v1/sessions/c").status == 200)
        #expect(try d.request("GET", "/v1/sessions/b").code == "session_not_found")
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("quarantine").path)
        #expect(quarantined.count == 1 && quarantined[0].hasPrefix("b.safetensors"), "\(quarantined)")
        #expect(second.stderr.contains("quarantined"), "a log line names it")
    }

    @Test func tornJournalTailIsTruncatedAndDamageInTheMiddleIsQuarantined() throws {
        for middle in [false, true] {
            let dir = OptdProcess.temporaryDataDirectory()
            defer { OptdProcess.removeDirectory(dir) }
            let first = try OptdProcess(arguments: ["--wal", "always", "--snapshot-interval", "0"], dataDirectory: dir)
            let c = try first.client()
            #expect(try c.json("POST", "/v1/sessions", #"{"id":"j","optimizer":{"name":"sgd","learning_rate":1.0},"size":2}"#).status == 201)
            for _ in 0..<2 { #expect(try c.json("POST", "/v1/sessions/j/step", "[1,1]").status == 200) }
            #expect(try c.request("POST", "/v1/sessions/j/snapshot").status == 200)  // the file holds step 2
            for _ in 0..<3 { #expect(try c.json("POST", "/v1/sessions/j/step", "[1,1]").status == 200) }
            first.kill9()
            let journal = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix("journal-") })
            let url = dir.appendingPathComponent(journal)
            var bytes = [UInt8](try Data(contentsOf: url))
            // A step record here: 8 bytes of framing, kind, LSN, id "j", an empty key, two floats.
            let stepRecord = 8 + 1 + 8 + 2 + 1 + 2 + 8
            if middle {
                bytes[bytes.count - 3 * stepRecord + 20] ^= 0xFF  // inside step 3, with steps 4 and 5 after it
            } else {
                bytes.removeLast(3)                                // step 5 torn by a crash mid-write
            }
            try Data(bytes).write(to: url)
            let second = try OptdProcess(arguments: ["--wal", "always"], dataDirectory: dir)
            defer { second.stop() }
            let session = try second.client().request("GET", "/v1/sessions/j").json as? [String: Any]
            if middle {
                #expect(second.stderr.contains("corrupt"), "a log line says so")
                let quarantined = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("quarantine").path)
                #expect(quarantined.contains { $0.hasPrefix("journal-") })
                #expect(session?["step"] as? Int == 2, "the snapshot, and nothing from the damaged record on")
            } else {
                #expect(session?["step"] as? Int == 4, "the torn last step is dropped, the ones before it kept")
                #expect(second.stderr.contains("torn tail"))
            }
            #expect(try second.client().request("GET", "/readyz").status == 200)
        }
    }

    /// Runs as root where mkfs.ext4 exists (CI does): a 16 MiB loop-mounted file system.
    static var canMountLoopDevices: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/sbin/mkfs.ext4")
    }

    /// P8: a snapshot that does not fit fails cleanly: 507 `storage_failed`, the previous
    /// snapshot and nothing else on disk, the server goes on serving.
    @Test(.enabled(if: canMountLoopDevices)) func fullDiskKeepsThePreviousSnapshot() throws {
        let image = FileManager.default.temporaryDirectory.appendingPathComponent("optd-disk-\(UUID().uuidString).img")
        let mountPoint = OptdProcess.temporaryDataDirectory()
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        func run(_ command: String, _ arguments: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: command)
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(command) \(arguments)")
        }
        try run("/usr/bin/truncate", ["-s", "16M", image.path])
        try run("/sbin/mkfs.ext4", ["-q", image.path])
        try run("/bin/mount", ["-o", "loop", image.path, mountPoint.path])
        defer {
            try? run("/bin/umount", [mountPoint.path])
            try? FileManager.default.removeItem(at: image)
            try? FileManager.default.removeItem(at: mountPoint)
        }
        let args = ["--snapshot-interval", "0"]
        let first = try OptdProcess(arguments: args, dataDirectory: mountPoint)
        let c = try first.client()
        // Adam, 600k parameters: a 7.2 MB snapshot fits once, but not beside its replacement.
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"full","optimizer":"adam","size":600000}"#).status == 201)
        let gradient = [Float](repeating: 0.5, count: 600_000)
        #expect(try c.raw("POST", "/v1/sessions/full/step", gradient).status == 200)
        #expect(try c.request("POST", "/v1/sessions/full/snapshot").status == 200)
        #expect(try c.raw("POST", "/v1/sessions/full/step", gradient).status == 200)
        let failed = try c.request("POST", "/v1/sessions/full/snapshot")
        #expect(failed.status == 507 && failed.code == "storage_failed", "\(failed.status) \(failed.text)")
        #expect(first.waitForLog("No space left"), "the log names the cause")
        let files = try FileManager.default.contentsOfDirectory(atPath: mountPoint.appendingPathComponent("sessions").path)
        #expect(files == ["full.safetensors"], "the temp file is gone: \(files)")
        #expect(try c.raw("POST", "/v1/sessions/full/step", gradient).status == 200, "still serving")
        first.kill9()
        let second = try OptdProcess(arguments: args, dataDirectory: mountPoint)
        let session = try second.client().request("GET", "/v1/sessions/full").json as? [String: Any]
        #expect(session?["step"] as? Int == 1, "the previous snapshot loads")
        second.kill9()
    }

    /// Review finding: after a clean stop (journal segments deleted) journal numbers must not
    /// restart below what the snapshots remember, or the next crash drops acknowledged steps.
    @Test func stepsAfterACleanRestartSurviveKillNine() throws {
        let dir = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(dir) }
        let args = ["--wal", "always", "--snapshot-interval", "0"]
        let first = try OptdProcess(arguments: args, dataDirectory: dir)
        let c = try first.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"a","optimizer":{"name":"sgd","learning_rate":1.0},"size":2}"#).status == 201)
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"doomed","optimizer":"sgd","size":2}"#).status == 201)
        for _ in 0..<3 { #expect(try c.json("POST", "/v1/sessions/a/step", "[1,1]").status == 200) }
        #expect(first.stop() == 0)
        for round in 0..<2 {
            let server = try OptdProcess(arguments: args, dataDirectory: dir)
            let d = try server.client()
            for _ in 0..<2 { #expect(try d.json("POST", "/v1/sessions/a/step", "[1,1]").status == 200) }
            if round == 0 { #expect(try d.request("DELETE", "/v1/sessions/doomed").status == 204) }
            server.kill9()
        }
        let last = try OptdProcess(arguments: args, dataDirectory: dir)
        defer { last.stop() }
        let params = try last.client().request("GET", "/v1/sessions/a/params")
        #expect(params.header("ETag") == "\"7\"", "3 + 2 + 2 acknowledged steps")
        #expect(try last.client().request("GET", "/v1/sessions/doomed").status == 404, "the deletion survived too")
    }

    /// Review finding: a damaged length field in the first record is damage, not a torn tail;
    /// and whatever a torn-tail truncation cuts off is kept in quarantine.
    @Test func damagedLengthFieldIsCorruptNotATornTail() throws {
        let dir = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(dir) }
        let first = try OptdProcess(arguments: ["--wal", "always", "--snapshot-interval", "0"], dataDirectory: dir)
        let c = try first.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"a","optimizer":"sgd","size":2}"#).status == 201)
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"b","optimizer":"sgd","size":2}"#).status == 201)
        for _ in 0..<3 { #expect(try c.json("POST", "/v1/sessions/b/step", "[1,1]").status == 200) }
        first.kill9()
        let journal = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix("journal-") })
        let url = dir.appendingPathComponent(journal)
        var bytes = [UInt8](try Data(contentsOf: url))
        let firstRecordEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8  // the segment's base record
        bytes[firstRecordEnd + 3] ^= 0x10  // the length of the record that creates "a": now far past the end
        try Data(bytes).write(to: url)
        let second = try OptdProcess(arguments: ["--wal", "always"], dataDirectory: dir)
        defer { second.stop() }
        #expect(second.stderr.contains("corrupt"), "\(second.stderr)")
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("quarantine").path)
        #expect(quarantined.contains { $0.hasPrefix("journal-") }, "the damaged journal is kept aside, not truncated away")
    }

    /// Review finding: a checkpoint with absurd idempotency metadata is refused, not a crash.
    @Test func hostileCheckpointMetadataIsRefused() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let c = try optd.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"src","optimizer":"sgd","size":2}"#).status == 201)
        let good = try c.request("GET", "/v1/sessions/src/checkpoint").body
        // Byte-level edit of the JSON header (the tensor bytes after it are not text).
        let needle = Array(#""idempotency_keys":"[]""#.utf8)
        let replacement = Array(#""idempotency_keys":"[[\"k\",1e300]]""#.utf8)
        let at = try #require(good.firstRange(of: needle))
        var forged = good
        forged.replaceSubrange(at, with: replacement)
        // Fix the header length for the longer JSON (little-endian u64 at the start).
        let headerLength = UInt64(forged.count - good.count) + good.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        withUnsafeBytes(of: headerLength.littleEndian) { for i in 0..<8 { forged[i] = $0[i] } }
        let put = try c.request("PUT", "/v1/sessions/dst/checkpoint", headers: [("Content-Type", "application/octet-stream")], body: forged)
        #expect(put.status == 400 && put.code == "invalid_checkpoint" && put.text.contains("idempotency_keys"), "\(put.status) \(put.text)")
        #expect(try c.request("GET", "/healthz").status == 200, "still up")
    }

    @Test func deleteSurvivesKillNine() throws {
        for wal in ["off", "always"] {
            let dir = OptdProcess.temporaryDataDirectory()
            defer { OptdProcess.removeDirectory(dir) }
            let first = try OptdProcess(arguments: ["--wal", wal], dataDirectory: dir)
            let c = try first.client()
            #expect(try c.json("POST", "/v1/sessions", #"{"id":"gone","optimizer":"sgd","size":2}"#).status == 201)
            #expect(try c.request("POST", "/v1/sessions/gone/snapshot").status == 200)
            #expect(try c.request("DELETE", "/v1/sessions/gone").status == 204)
            first.kill9()
            let second = try OptdProcess(arguments: ["--wal", wal], dataDirectory: dir)
            defer { second.stop() }
            #expect(try second.client().request("GET", "/v1/sessions/gone").status == 404, "wal \(wal)")
        }
    }

    /// Under `--wal always` every acknowledged change is durable, not only steps (SPEC §7).
    @Test func everyAcknowledgedChangeSurvivesKillNineUnderWALAlways() throws {
        let dir = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(dir) }
        let first = try OptdProcess(arguments: ["--wal", "always", "--snapshot-interval", "0"], dataDirectory: dir)
        let c = try first.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"x","optimizer":"adam","size":3}"#).status == 201)
        #expect(try c.json("PATCH", "/v1/sessions/x", #"{"optimizer":{"learning_rate":0.5}}"#).status == 200)
        #expect(try c.raw("PUT", "/v1/sessions/x/params", [4, 5, 6]).status == 200)
        let stepped = try c.json("POST", "/v1/sessions/x/step", "[1,1,1]", headers: [("Idempotency-Key", "once")])
        first.kill9()
        let second = try OptdProcess(arguments: ["--wal", "always"], dataDirectory: dir)
        defer { second.stop() }
        let d = try second.client()
        let session = try #require(try d.request("GET", "/v1/sessions/x").json as? [String: Any])
        #expect((session["optimizer"] as? [String: Any])?["learning_rate"] as? Double == 0.5)
        #expect(session["step"] as? Int == 1)
        #expect(try d.request("GET", "/v1/sessions/x/params").text == stepped.text)
        let retry = try d.json("POST", "/v1/sessions/x/step", "[1,1,1]", headers: [("Idempotency-Key", "once")])
        #expect(retry.text == stepped.text, "the key survived the crash: the retry applies nothing")
    }

    @Test func checkpointRoundTripsAndMovesASession() throws {
        let a = try OptdProcess()
        defer { a.stop() }
        let b = try OptdProcess()
        defer { b.stop() }
        let c = try a.client()
        #expect(try c.json("POST", "/v1/sessions", #"{"id":"mv","optimizer":{"name":"adam","amsgrad":true},"convention":"pytorch","params":[1,2]}"#).status == 201)
        for _ in 0..<3 { _ = try c.json("POST", "/v1/sessions/mv/step", "[0.5,-0.5]") }
        let checkpoint = try c.request("GET", "/v1/sessions/mv/checkpoint")
        #expect(checkpoint.status == 200 && checkpoint.header("Content-Type") == "application/octet-stream")
        let put = try b.client().request("PUT", "/v1/sessions/mv/checkpoint", headers: [("Content-Type", "application/octet-stream")], body: checkpoint.body)
        #expect(put.status == 201, "\(put.text)")
        // Both continue identically.
        for _ in 0..<3 {
            let x = try c.raw("POST", "/v1/sessions/mv/step", [0.25, 1])
            let y = try b.client().raw("POST", "/v1/sessions/mv/step", [0.25, 1])
            #expect(x.body == y.body && x.header("ETag") == y.header("ETag"))
        }
        // Re-uploading a downloaded checkpoint round-trips it bit for bit (fenced by If-Match).
        let again = try b.client().request("GET", "/v1/sessions/mv/checkpoint")
        let replace = try b.client().request("PUT", "/v1/sessions/mv/checkpoint",
                                             headers: [("Content-Type", "application/octet-stream"), ("If-Match", "\"6\"")], body: again.body)
        #expect(replace.status == 200)
        let stale = try b.client().request("PUT", "/v1/sessions/mv/checkpoint",
                                           headers: [("Content-Type", "application/octet-stream"), ("If-Match", "\"1\"")], body: again.body)
        #expect(stale.status == 412)
        let bad = try b.client().request("PUT", "/v1/sessions/mv/checkpoint", headers: [("Content-Type", "application/octet-stream")],
                                         body: Array(again.body.prefix(40)))
        #expect(bad.status == 400 && bad.code == "invalid_checkpoint")
        #expect(try b.client().request("GET", "/v1/sessions/mv/checkpoint").body == again.body, "nothing replaced by the bad upload")
    }
}

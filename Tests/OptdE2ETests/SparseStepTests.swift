import Foundation
import Testing

/// Sparse steps over HTTP: the torch-made trajectories of Tests/OptimizerCoreTests/Fixtures/sparse
/// replayed through a live optd, alternating the JSON and binary media types.
@Suite(.serialized) struct SparseStepTests {
    struct Fixture {
        let name: String
        let optimizer: String
        let hyperparameters: [String: Any]
        let initial: [Float]
        let untouched: [Int]
        let steps: [(indices: [Int], values: [Float], params: [Float])]
    }

    static func fixture(_ name: String) throws -> Fixture {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("OptimizerCoreTests/Fixtures/sparse/sparse-\(name).json")
        let o = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        func floats(_ a: Any?) -> [Float] { (a as! [NSNumber]).map { Float($0.doubleValue) } }
        return Fixture(name: name, optimizer: o["optimizer"] as! String, hyperparameters: o["hyperparameters"] as! [String: Any],
                       initial: floats(o["initial_params"]), untouched: (o["untouched"] as! [NSNumber]).map(\.intValue),
                       steps: (o["trajectory"] as! [[String: Any]]).map { s in
                           ((s["indices"] as! [NSNumber]).map(\.intValue), floats(s["values"]), floats(s["params"]))
                       })
    }

    /// `u32 count | i32 indices | f32 values`, little-endian.
    static func binary(_ indices: [Int], _ values: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt32(indices.count).littleEndian) { out.append(contentsOf: $0) }
        for i in indices { withUnsafeBytes(of: Int32(i).littleEndian) { out.append(contentsOf: $0) } }
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    static func json(_ indices: [Int], _ values: [Float]) -> String {
        "{\"indices\":[\(indices.map(String.init).joined(separator: ","))],\"values\":[\(values.map { "\($0)" }.joined(separator: ","))]}"
    }

    static func createBody(_ f: Fixture, id: String) throws -> String {
        var optimizer = f.hyperparameters
        optimizer["name"] = f.optimizer
        let body: [String: Any] = ["id": id, "convention": "pytorch", "optimizer": optimizer, "params": f.initial.map(Double.init)]
        return String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
    }

    /// Each step within SPEC §2 of torch; untouched coordinates bit-identical to the start; a
    /// kill -9 under `--wal always` replays the sparse records to the same bits.
    @Test(arguments: ["adam-defaults", "adagrad-lr_decay-init-eps", "sgd-lr"])
    func torchTrajectoryThroughHTTP(name: String) throws {
        let f = try Self.fixture(name)
        let data = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(data) }
        let optd = try OptdProcess(arguments: ["--wal", "always"], dataDirectory: data)
        let client = try optd.client()
        let created = try client.json("POST", "/v1/sessions", try Self.createBody(f, id: "emb"))
        #expect(created.status == 201, "\(created.text)")
        var last: [Float] = []
        for (t, step) in f.steps.enumerated() {
            let r = t % 2 == 0
                ? try client.request("POST", "/v1/sessions/emb/step", headers: [("Content-Type", "application/vnd.optd.sparse"), ("Accept", "application/octet-stream")],
                                     body: Self.binary(step.indices, step.values))
                : try client.request("POST", "/v1/sessions/emb/step", headers: [("Content-Type", "application/vnd.optd.sparse+json"), ("Accept", "application/octet-stream")],
                                     body: Array(Self.json(step.indices, step.values).utf8))
            #expect(r.status == 200 && r.header("ETag") == "\"\(t + 1)\"", "step \(t): \(r.status) \(r.text)")
            #expect(errorRatio(r.floats, step.params) <= 1, "\(name) step \(t): error ratio \(errorRatio(r.floats, step.params))")
            for i in f.untouched { #expect(r.floats[i].bitPattern == f.initial[i].bitPattern, "coordinate \(i) moved") }
            last = r.floats
        }
        optd.kill9()
        let restarted = try OptdProcess(arguments: ["--wal", "always"], dataDirectory: data)
        defer { #expect(restarted.stop() == 0) }
        let after = try restarted.client().request("GET", "/v1/sessions/emb/params", headers: [("Accept", "application/octet-stream")])
        #expect(after.header("ETag") == "\"\(f.steps.count)\"" && after.floats == last, "the journal replays sparse steps exactly")
    }

    @Test func badSparseStepsAreRefusedAndChangeNothing() throws {
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"s","optimizer":"adagrad","convention":"pytorch","params":[1,2,3]}"#).status == 201)
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"k","optimizer":"adam","params":[1,2,3]}"#).status == 201)
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"r","optimizer":"rmsprop","convention":"pytorch","params":[1,2,3]}"#).status == 201)
        let sparseJSON = [("Content-Type", "application/vnd.optd.sparse+json")]
        let sparseBinary = [("Content-Type", "application/vnd.optd.sparse")]
        let cases: [(String, [(String, String)], [UInt8], Int, String)] = [
            ("s", sparseJSON, Array(#"{"indices":[0,3],"values":[1,1]}"#.utf8), 422, "index_out_of_range"),
            ("s", sparseJSON, Array(#"{"indices":[-1],"values":[1]}"#.utf8), 422, "index_out_of_range"),
            ("s", sparseJSON, Array(#"{"indices":[0,1],"values":[1,1e39]}"#.utf8), 422, "non_finite"),
            ("s", sparseJSON, Array(#"{"indices":[0,1],"values":[1]}"#.utf8), 422, "length_mismatch"),
            ("s", sparseJSON, Array(#"{"indices":[0.5],"values":[1]}"#.utf8), 400, "invalid_json"),
            ("s", sparseJSON, Array(#"{"indices":[0],"values":[1],"gradient":[1]}"#.utf8), 400, "invalid_json"),
            ("s", sparseBinary, Self.binary([0, 7], [1, 1]), 422, "index_out_of_range"),
            ("s", sparseBinary, Self.binary([0], [.infinity]), 422, "non_finite"),
            ("s", sparseBinary, Array(Self.binary([0, 1], [1, 1]).dropLast(4)), 400, "invalid_sparse_body"),
            ("s", sparseBinary, [2, 0, 0, 0] + Self.binary([0], [1]).dropFirst(4), 400, "invalid_sparse_body"),
            ("k", sparseJSON, Array(#"{"indices":[0],"values":[1]}"#.utf8), 422, "sparse_unsupported"),
            ("r", sparseJSON, Array(#"{"indices":[0],"values":[1]}"#.utf8), 422, "sparse_unsupported"),
        ]
        for (id, headers, body, status, code) in cases {
            let r = try client.request("POST", "/v1/sessions/\(id)/step", headers: headers, body: body)
            #expect(r.status == status && r.code == code, "\(String(decoding: body, as: UTF8.self)): \(r.status) \(r.text)")
            #expect(r.header("Content-Type") == "application/problem+json")
        }
        for id in ["s", "k", "r"] {
            let p = try client.request("GET", "/v1/sessions/\(id)/params")
            #expect(p.header("ETag") == "\"0\"" && paramsOf(jsonAnswer: p.text) == [1, 2, 3], "\(id) unchanged")
        }
        // A valid one still goes through, and repeated indices are summed (torch coalesces).
        let twice = try client.request("POST", "/v1/sessions/s/step", headers: sparseJSON, body: Array(#"{"indices":[2,2],"values":[0.5,0.25]}"#.utf8))
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"t","optimizer":"adagrad","convention":"pytorch","params":[1,2,3]}"#).status == 201)
        let once = try client.request("POST", "/v1/sessions/t/step", headers: sparseJSON, body: Array(#"{"indices":[2],"values":[0.75]}"#.utf8))
        #expect(twice.status == 200 && twice.body == once.body)
        #expect(paramsOf(jsonAnswer: twice.text)[0...1] == [1, 2])
    }
}

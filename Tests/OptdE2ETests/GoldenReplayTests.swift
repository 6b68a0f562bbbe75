import Foundation
import Testing

/// Every public golden case through HTTP: two sessions replay it, alternating JSON and raw
/// float32 bodies (and answers) in opposite phase, so at every step one answer arrived as JSON
/// and the other as raw bytes. Both must be bit-identical and within SPEC §2 of the framework.
@Suite(.serialized) struct GoldenReplayTests {
    @Test func everyGoldenCaseThroughHTTP() throws {
        let cases = try Golden.all()
        #expect(cases.count >= 28)
        let optd = try OptdProcess()
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        for golden in cases {
            for id in ["a-\(golden.name)", "b-\(golden.name)"] {
                let created = try client.json("POST", "/v1/sessions", try golden.createBody(id: id))
                #expect(created.status == 201, "\(golden.name): \(created.text)")
            }
            var worst = 0.0
            for (k, gradient) in golden.gradients.enumerated() {
                let jsonFirst = k % 2 == 0
                let a = try step(client, "a-\(golden.name)", gradient, json: jsonFirst)
                let b = try step(client, "b-\(golden.name)", gradient, json: !jsonFirst)
                #expect(a.etag == "\"\(k + 1)\"" && b.etag == "\"\(k + 1)\"", "\(golden.name) step \(k)")
                #expect(a.params.map(\.bitPattern) == b.params.map(\.bitPattern),
                        "\(golden.name) step \(k): JSON and raw answers differ")
                let ratio = errorRatio(a.params, golden.params[k])
                worst = max(worst, ratio)
                #expect(ratio <= 1, "\(golden.name) step \(k): error ratio \(ratio)")
            }
            print("e2e golden \(golden.name): worst error ratio \(worst)")
        }
    }

    func step(_ client: HTTPTestClient, _ id: String, _ gradient: [Float], json: Bool) throws -> (params: [Float], etag: String?) {
        if json {
            let r = try client.json("POST", "/v1/sessions/\(id)/step", jsonArray(gradient), headers: [("Accept", "application/json")])
            #expect(r.status == 200 && r.header("Content-Type") == "application/json", "\(r.status) \(r.text)")
            return (paramsOf(jsonAnswer: r.text), r.header("ETag"))
        }
        let r = try client.raw("POST", "/v1/sessions/\(id)/step", gradient, headers: [("Accept", "application/octet-stream")])
        #expect(r.status == 200 && r.header("Content-Type") == "application/octet-stream", "\(r.status)")
        return (r.floats, r.header("ETag"))
    }
}

import Foundation

/// The public golden trajectories (../shared/golden beside the checkout, or `OPTD_GOLDEN_DIR`).
struct Golden {
    let name: String
    let convention: String
    let optimizer: String
    let hyperparameters: Any
    let initialParams: [Float]
    let gradients: [[Float]]
    let params: [[Float]]

    static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["OPTD_GOLDEN_DIR"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/golden")
    }

    static func all() throws -> [Golden] {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("index.json"))) as! [[String: Any]]
        return try index.map { try Golden(file: directory.appendingPathComponent($0["file"] as! String)) }
    }

    init(file: URL) throws {
        let o = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        func floats(_ any: Any?) -> [Float] { (any as! [NSNumber]).map { Float($0.doubleValue) } }
        name = o["name"] as! String
        convention = o["convention"] as! String
        optimizer = o["optimizer"] as! String
        hyperparameters = o["hyperparameters"]!
        initialParams = floats(o["initial_params"])
        gradients = (o["gradients"] as! [Any]).map(floats)
        params = (o["params"] as! [Any]).map(floats)
    }

    /// The create body for this case.
    func createBody(id: String) throws -> String {
        var optimizer = hyperparameters as! [String: Any]
        optimizer["name"] = self.optimizer
        let optimizerJSON = String(decoding: try JSONSerialization.data(withJSONObject: optimizer), as: UTF8.self)
        return #"{"id":"\#(id)","convention":"\#(convention)","optimizer":\#(optimizerJSON),"params":\#(jsonArray(initialParams))}"#
    }
}

func jsonArray(_ values: [Float]) -> String { "[" + values.map(\.description).joined(separator: ",") + "]" }

/// The float32s of a `{"step": N, "params": [...]}` answer, each read with strtof (correct
/// float32 rounding, unlike a detour through Double).
func paramsOf(jsonAnswer text: String) -> [Float] {
    guard let start = text.range(of: "\"params\":[")?.upperBound, let end = text[start...].firstIndex(of: "]") else { return [] }
    return text[start..<end].split(separator: ",").map { String($0).withCString { strtof($0, nil) } }
}

/// SPEC §2: |optd − ref| ≤ 1e-5 · max(1, |ref|); the ratio to that allowance.
func errorRatio(_ actual: [Float], _ reference: [Float]) -> Double {
    zip(actual, reference).map { abs(Double($0) - Double($1)) / (1e-5 * max(1, abs(Double($1)))) }.max() ?? .infinity
}

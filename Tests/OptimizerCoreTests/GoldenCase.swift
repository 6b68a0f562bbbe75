import Foundation
import OptimizerCore

/// A reference trajectory produced by the real torch.optim or Keras (../shared/golden/, read at
/// test time, and the extra cases in Fixtures/ generated the same way).
struct GoldenCase {
    /// `<folder>/<case name>`, unique across the public golden set and the fixtures.
    let id: String
    let name: String
    let convention: Convention
    let kind: OptimizerKind
    let hyperparameters: [String: ConfigValue]
    let initialParams: [Float]
    let gradients: [[Float]]
    let params: [[Float]]
    let learningRates: [Float]?
    let emaAverage: [[Float]]?

    init(file: URL) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        name = object["name"] as! String
        id = file.deletingLastPathComponent().lastPathComponent + "/" + name
        convention = Convention(rawValue: object["convention"] as! String)!
        kind = OptimizerKind(rawValue: object["optimizer"] as! String)!
        hyperparameters = (object["hyperparameters"] as! [String: Any]).mapValues(ConfigValue.init(json:))
        initialParams = Self.floats(object["initial_params"])
        gradients = (object["gradients"] as! [Any]).map(Self.floats)
        params = (object["params"] as! [Any]).map(Self.floats)
        learningRates = object["learning_rates"].map(Self.floats)
        emaAverage = (object["ema_average"] as? [Any])?.map(Self.floats)
    }

    /// Numbers carry 9 significant digits, so Double → Float gives back the exact float32.
    static func floats(_ any: Any?) -> [Float] {
        (any as! [NSNumber]).map { Float($0.doubleValue) }
    }

    /// Every case in the public golden folder and in the test fixtures.
    static func all() throws -> [GoldenCase] {
        try TestPaths.goldenFiles().map { try GoldenCase(file: $0) }
    }
}

extension ConfigValue {
    /// Bridges a JSONSerialization value (tests only; the service has its own parser).
    init(json: Any) {
        switch json {
        case is NSNull: self = .null
        case let n as NSNumber where String(cString: n.objCType) == "c": self = .bool(n.boolValue)
        case let n as NSNumber: self = .number(n.doubleValue)
        case let s as String: self = .string(s)
        case let a as [Any]: self = .array(a.map(ConfigValue.init(json:)))
        case let o as [String: Any]: self = .object(o.mapValues(ConfigValue.init(json:)))
        default: fatalError("unexpected JSON value \(json)")
        }
    }
}

enum TestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/golden` beside the checkout (as CI lays it out), or `OPTD_GOLDEN_DIR`.
    static var goldenDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["OPTD_GOLDEN_DIR"] { return URL(fileURLWithPath: dir) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/golden")
    }

    static var fixturesDirectory: URL {
        packageRoot.appendingPathComponent("Tests/OptimizerCoreTests/Fixtures")
    }

    /// The case files listed by each folder's index.json.
    static func goldenFiles() throws -> [URL] {
        var files: [URL] = []
        for dir in [goldenDirectory, fixturesDirectory] {
            let index = dir.appendingPathComponent("index.json")
            guard FileManager.default.fileExists(atPath: index.path) else {
                // The public golden folder is required; the fixtures folder is optional.
                if dir == goldenDirectory { throw MissingGolden(path: index.path) }
                continue
            }
            let entries = try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as! [[String: Any]]
            files += entries.map { dir.appendingPathComponent($0["file"] as! String) }
        }
        return files
    }

    struct MissingGolden: Error, CustomStringConvertible {
        let path: String
        var description: String { "golden index not found at \(path); set OPTD_GOLDEN_DIR" }
    }
}

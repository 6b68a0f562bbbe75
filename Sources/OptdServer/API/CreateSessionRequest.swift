import OptimizerCore

/// `POST /v1/sessions`:
/// `{"id"?, "optimizer": "adam" | {"name": "adam", <hyperparameters>}, "convention"?, "params" | "size"}`.
///
/// `params` is parsed straight into float32 memory; everything else as a small document. Unknown
/// top-level fields are refused naming the field (SPEC §7).
struct CreateSessionRequest {
    var id: String?
    var config: OptimizerConfig
    var params: FloatBuffer
    /// `"aggregate": {"workers": K, "timeout_seconds": T}` (AggregateConfig).
    var aggregate: AggregateConfig?

    static let fields = ["id", "optimizer", "convention", "params", "size", "aggregate"]

    init(json bytes: [UInt8], maxSize: Int) throws(ServiceError) {
        var fields: [String: ConfigValue] = [:]
        var params: FloatBuffer?
        var unknown: String?
        try bytes.withBytesTyped { (raw) throws(ServiceError) in
            var reader = JSONReader(raw)
            do throws(JSONDecodeError) {
                reader.skipWhitespace()
                guard reader.peek() == UInt8(ascii: "{") else { throw reader.fail("the body must be a JSON object") }
                try reader.readObject { (key, r) throws(JSONDecodeError) in
                    if key == "params", r.peek() == UInt8(ascii: "[") {
                        var sink = FloatSink(growingFrom: 1024)
                        try r.readFloatArray(into: &sink)
                        params = FloatBuffer(sink.stored)
                    } else {
                        if !Self.fields.contains(key) { unknown = unknown ?? key }
                        fields[key] = try r.readValue()
                    }
                }
                try reader.expectEnd()
            } catch {
                throw ServiceError(error)
            }
        }
        if let unknown {
            throw .invalidJSON("unknown field \"\(unknown)\"; a create body has " + Self.fields.joined(separator: ", "))
        }

        switch fields["id"] {
        case nil, .null?: id = nil
        case .string(let s)?:
            try SessionID.validate(s)
            id = s
        case let other?: throw .invalidSessionID("id must be a string, got \(other.typeName)")
        }

        let convention: Convention
        switch fields["convention"] {
        case nil, .null?: convention = .keras
        case .string(let s)?:
            guard let c = Convention(rawValue: s) else { throw .invalidConvention("\"\(s)\"") }
            convention = c
        case let other?: throw .invalidConvention(other.summary)
        }

        config = try Self.optimizerConfig(fields["optimizer"], convention: convention)
        aggregate = try AggregateConfig(fields["aggregate"])

        let size: Int? = switch fields["size"] {
        case nil, .null?: nil
        case .number(let n)? where n == n.rounded() && n >= 1 && n <= Double(maxSize): Int(n)
        case .number(let n)? where n == n.rounded() && n > Double(maxSize):
            throw .invalidSize("size \(ConfigValue.number(n).summary) is beyond the limit of \(maxSize) parameters")
        case let other?: throw .invalidSize("size must be a positive integer, got \(other.summary)")
        }
        if fields["params"] != nil, params == nil {
            throw .invalidJSON("params must be an array of numbers")
        }
        if let params {
            guard params.count >= 1 else { throw .invalidSize("params is empty; a session has at least one parameter") }
            guard params.count <= maxSize else { throw .invalidSize("\(params.count) parameters is beyond the limit of \(maxSize)") }
            if let size, size != params.count {
                throw .invalidSize("size \(size) disagrees with the \(params.count) values in params")
            }
            self.params = params
        } else if let size {
            self.params = FloatBuffer(count: size)
        } else {
            throw .invalidSize("give params (the initial values) or size (start from zeros)")
        }
    }

    /// `"adam"` or `{"name": "adam", ...hyperparameters}`.
    static func optimizerConfig(_ value: ConfigValue?, convention: Convention) throws(ServiceError) -> OptimizerConfig {
        var hyperparameters: [String: ConfigValue] = [:]
        let name: ConfigValue?
        switch value {
        case nil, .null?:
            throw .invalidHyperparameter(.missingField(field: "optimizer"))
        case .string?:
            name = value
        case .object(var fields)?:
            name = fields.removeValue(forKey: "name")
            hyperparameters = fields
        case let other?:
            throw .invalidHyperparameter(.wrongType(field: "optimizer", expected: "a name or an object", got: other.typeName))
        }
        guard case .string(let n)? = name else { throw .invalidHyperparameter(.missingField(field: "optimizer.name")) }
        guard let kind = OptimizerKind(rawValue: n) else { throw .invalidHyperparameter(.unknownOptimizer(name: n)) }
        do throws(ConfigError) {
            return try OptimizerConfig(kind: kind, convention: convention, hyperparameters: hyperparameters)
        } catch {
            throw .invalidHyperparameter(error)
        }
    }
}

/// `PATCH /v1/sessions/{id}`: `{"optimizer": {<hyperparameters>}}`. `name` and `convention`
/// may be repeated but not changed.
struct PatchSessionRequest {
    var hyperparameters: [String: ConfigValue]

    init(json bytes: [UInt8], current: OptimizerConfig) throws(ServiceError) {
        let document: ConfigValue
        do throws(JSONDecodeError) {
            document = try JSONReader.document(bytes)
        } catch {
            throw ServiceError(error)
        }
        guard case .object(let fields) = document else { throw .invalidJSON("the body must be a JSON object") }
        for key in fields.keys.sorted() where key != "optimizer" && key != "convention" {
            throw .invalidJSON("unknown field \"\(key)\"; a PATCH body has optimizer (and convention, unchanged)")
        }
        if let convention = fields["convention"], convention != .string(current.convention.rawValue) {
            throw .invalidConvention("\(convention.summary): a session's convention cannot change")
        }
        switch fields["optimizer"] {
        case nil:
            hyperparameters = [:]
        case .string(let name)?:
            guard name == current.kind.rawValue else {
                throw .invalidHyperparameter(.conflict(field: "optimizer.name", reason: "a session's optimizer cannot change (it is \(current.kind.rawValue))"))
            }
            hyperparameters = [:]
        case .object(var object)?:
            if let name = object.removeValue(forKey: "name"), name != .string(current.kind.rawValue) {
                throw .invalidHyperparameter(.conflict(field: "optimizer.name", reason: "a session's optimizer cannot change (it is \(current.kind.rawValue))"))
            }
            hyperparameters = object
        case let other?:
            throw .invalidHyperparameter(.wrongType(field: "optimizer", expected: "an object of hyperparameters", got: other.typeName))
        }
    }
}

/// Reading a schedule object such as
/// `{"schedule": "exponential_decay", "initial_learning_rate": 0.1, "decay_steps": 1000, "decay_rate": 0.96}`
/// with Keras's argument names and defaults. Errors name the nested field
/// (`learning_rate.decay_steps`).
extension LearningRateSchedule {
    /// The schedule names SPEC §2 accepts, one per Keras class.
    public static let names = [
        "exponential_decay", "piecewise_constant_decay", "polynomial_decay",
        "inverse_time_decay", "cosine_decay", "cosine_decay_restarts",
    ]

    /// A field of a schedule object. `defaultValue == nil` means required.
    struct Field {
        let name: String
        let type: HyperparameterType
        let defaultValue: ConfigValue?
        let range: ValueRange?
    }

    static func fields(of schedule: String) -> [Field] {
        let initial = Field(name: "initial_learning_rate", type: .number, defaultValue: nil, range: .atLeast(0))
        let decaySteps = Field(name: "decay_steps", type: .number, defaultValue: nil, range: .above(0))
        switch schedule {
        case "exponential_decay", "inverse_time_decay":
            return [initial, decaySteps,
                    Field(name: "decay_rate", type: .number, defaultValue: nil, range: .atLeast(0)),
                    Field(name: "staircase", type: .boolean, defaultValue: .bool(false), range: nil)]
        case "piecewise_constant_decay":
            // Arrays are checked by hand in `parse`.
            return []
        case "polynomial_decay":
            return [initial, decaySteps,
                    Field(name: "end_learning_rate", type: .number, defaultValue: .number(1e-4), range: .atLeast(0)),
                    Field(name: "power", type: .number, defaultValue: .number(1), range: .atLeast(0)),
                    Field(name: "cycle", type: .boolean, defaultValue: .bool(false), range: nil)]
        case "cosine_decay":
            return [initial, decaySteps,
                    Field(name: "alpha", type: .number, defaultValue: .number(0), range: .closed(0, 1)),
                    Field(name: "warmup_target", type: .number, defaultValue: .null, range: .atLeast(0)),
                    Field(name: "warmup_steps", type: .integer, defaultValue: .number(0), range: .closed(0, int32Max))]
        case "cosine_decay_restarts":
            return [initial,
                    Field(name: "first_decay_steps", type: .number, defaultValue: nil, range: .above(0)),
                    // Below 1 the periods shrink geometrically and the schedule runs out (NaN)
                    // after 1/(1 − t_mul) first periods.
                    Field(name: "t_mul", type: .number, defaultValue: .number(2), range: .atLeast(1)),
                    Field(name: "m_mul", type: .number, defaultValue: .number(1), range: .atLeast(0)),
                    Field(name: "alpha", type: .number, defaultValue: .number(0), range: .closed(0, 1))]
        default:
            return []
        }
    }

    /// Parses a schedule object; `path` is the field it sits in, for error messages.
    public init(parsing value: ConfigValue, path: String = "learning_rate") throws(ConfigError) {
        guard case .object(let object) = value else {
            throw .wrongType(field: path, expected: "a number or a schedule object", got: value.typeName)
        }
        guard let nameValue = object["schedule"] else { throw .missingField(field: "\(path).schedule") }
        guard case .string(let name) = nameValue, Self.names.contains(name) else {
            throw .outOfRange(field: "\(path).schedule", value: nameValue.summary,
                              range: "one of " + Self.names.joined(separator: ", "))
        }
        if name == "piecewise_constant_decay" {
            self = try Self.parsePiecewise(object, path: path)
            return
        }
        let fields = Self.fields(of: name)
        for key in object.keys.sorted() where key != "schedule" && !fields.contains(where: { $0.name == key }) {
            throw .unknownField(field: "\(path).\(key)")
        }
        var resolved: [String: ConfigValue] = [:]
        for field in fields {
            // As at the top level: `null` only where the default is null (SPEC §7).
            if let given = object[field.name] {
                resolved[field.name] = try Validation.check(given, type: field.type, range: field.range,
                                                            nullable: field.defaultValue == .null,
                                                            field: "\(path).\(field.name)")
            } else if let fallback = field.defaultValue {
                resolved[field.name] = fallback
            } else {
                throw .missingField(field: "\(path).\(field.name)")
            }
        }
        func number(_ key: String) -> Double { if case .number(let d) = resolved[key] { d } else { 0 } }
        func optionalNumber(_ key: String) -> Double? { if case .number(let d) = resolved[key] { d } else { nil } }
        func flag(_ key: String) -> Bool { resolved[key] == .bool(true) }
        switch name {
        case "exponential_decay":
            self = .exponentialDecay(initial: number("initial_learning_rate"), decaySteps: number("decay_steps"),
                                     decayRate: number("decay_rate"), staircase: flag("staircase"))
        case "inverse_time_decay":
            self = .inverseTimeDecay(initial: number("initial_learning_rate"), decaySteps: number("decay_steps"),
                                     decayRate: number("decay_rate"), staircase: flag("staircase"))
        case "polynomial_decay":
            self = .polynomialDecay(initial: number("initial_learning_rate"), decaySteps: number("decay_steps"),
                                    end: number("end_learning_rate"), power: number("power"), cycle: flag("cycle"))
        case "cosine_decay":
            self = .cosineDecay(initial: number("initial_learning_rate"), decaySteps: number("decay_steps"),
                                alpha: number("alpha"), warmupTarget: optionalNumber("warmup_target"),
                                warmupSteps: Int(number("warmup_steps")))
        default:
            self = .cosineDecayRestarts(initial: number("initial_learning_rate"),
                                        firstDecaySteps: number("first_decay_steps"),
                                        tMul: number("t_mul"), mMul: number("m_mul"), alpha: number("alpha"))
        }
    }

    /// Boundaries are integer steps in strictly increasing order (Keras does not check the order,
    /// but an unordered list has no sensible meaning); one more value than boundaries.
    private static func parsePiecewise(_ object: [String: ConfigValue], path: String) throws(ConfigError) -> Self {
        for key in object.keys.sorted() where !["schedule", "boundaries", "values"].contains(key) {
            throw .unknownField(field: "\(path).\(key)")
        }
        func array(_ key: String) throws(ConfigError) -> [ConfigValue] {
            guard let value = object[key] else { throw .missingField(field: "\(path).\(key)") }
            guard case .array(let items) = value else {
                throw .wrongType(field: "\(path).\(key)", expected: "an array", got: value.typeName)
            }
            return items
        }
        let boundaryItems = try array("boundaries"), valueItems = try array("values")
        guard !boundaryItems.isEmpty else {
            throw .outOfRange(field: "\(path).boundaries", value: "[]", range: "at least one boundary")
        }
        var boundaries: [Int] = []
        for (i, item) in boundaryItems.enumerated() {
            let checked = try Validation.check(item, type: .integer, range: .closed(0, int32Max), nullable: false,
                                               field: "\(path).boundaries[\(i)]")
            guard case .number(let b) = checked else { continue }
            if let last = boundaries.last, Int(b) <= last {
                throw .outOfRange(field: "\(path).boundaries[\(i)]", value: item.summary,
                                  range: "greater than the previous boundary \(last)")
            }
            boundaries.append(Int(b))
        }
        guard valueItems.count == boundaries.count + 1 else {
            throw .conflict(field: "\(path).values",
                            reason: "needs \(boundaries.count + 1) values (one more than boundaries), got \(valueItems.count)")
        }
        var values: [Double] = []
        for (i, item) in valueItems.enumerated() {
            let checked = try Validation.check(item, type: .number, range: .atLeast(0), nullable: false,
                                               field: "\(path).values[\(i)]")
            if case .number(let v) = checked { values.append(v) }
        }
        return .piecewiseConstantDecay(boundaries: boundaries, values: values)
    }

    /// The schedule as a resolved document, every field present, for echoing back to clients.
    public var document: ConfigValue {
        switch self {
        case let .exponentialDecay(initial, decaySteps, decayRate, staircase):
            .object(["schedule": .string("exponential_decay"), "initial_learning_rate": .number(initial),
                     "decay_steps": .number(decaySteps), "decay_rate": .number(decayRate), "staircase": .bool(staircase)])
        case let .inverseTimeDecay(initial, decaySteps, decayRate, staircase):
            .object(["schedule": .string("inverse_time_decay"), "initial_learning_rate": .number(initial),
                     "decay_steps": .number(decaySteps), "decay_rate": .number(decayRate), "staircase": .bool(staircase)])
        case let .piecewiseConstantDecay(boundaries, values):
            .object(["schedule": .string("piecewise_constant_decay"),
                     "boundaries": .array(boundaries.map { .number(Double($0)) }),
                     "values": .array(values.map(ConfigValue.number))])
        case let .polynomialDecay(initial, decaySteps, end, power, cycle):
            .object(["schedule": .string("polynomial_decay"), "initial_learning_rate": .number(initial),
                     "decay_steps": .number(decaySteps), "end_learning_rate": .number(end),
                     "power": .number(power), "cycle": .bool(cycle)])
        case let .cosineDecay(initial, decaySteps, alpha, warmupTarget, warmupSteps):
            .object(["schedule": .string("cosine_decay"), "initial_learning_rate": .number(initial),
                     "decay_steps": .number(decaySteps), "alpha": .number(alpha),
                     "warmup_target": warmupTarget.map(ConfigValue.number) ?? .null,
                     "warmup_steps": .number(Double(warmupSteps))])
        case let .cosineDecayRestarts(initial, firstDecaySteps, tMul, mMul, alpha):
            .object(["schedule": .string("cosine_decay_restarts"), "initial_learning_rate": .number(initial),
                     "first_decay_steps": .number(firstDecaySteps), "t_mul": .number(tMul),
                     "m_mul": .number(mMul), "alpha": .number(alpha)])
        }
    }
}

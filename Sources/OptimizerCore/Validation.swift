/// Type and range checks shared by hyperparameters and schedule fields.
enum Validation {
    /// Returns `value` if it has `type` and lies in `range`; `null` passes only when `nullable`.
    static func check(_ value: ConfigValue, type: HyperparameterType, range: ValueRange?,
                      nullable: Bool, field: String) throws(ConfigError) -> ConfigValue {
        switch (type, value) {
        case (_, .null) where nullable:
            return .null
        case (.boolean, .bool):
            return value
        case (.number, .number(let x)), (.learningRate, .number(let x)):
            try checkRange(x, range, field: field, shown: value)
            return value
        case (.integer, .number(let x)):
            guard x.isFinite, x == x.rounded() else {
                throw .wrongType(field: field, expected: "an integer", got: value.summary)
            }
            try checkRange(x, range, field: field, shown: value)
            return value
        default:
            throw .wrongType(field: field, expected: description(of: type, nullable: nullable),
                             got: value.typeName)
        }
    }

    private static func checkRange(_ x: Double, _ range: ValueRange?, field: String, shown: ConfigValue) throws(ConfigError) {
        if let range, !range.contains(x) {
            throw .outOfRange(field: field, value: shown.summary, range: range.notation)
        }
        if !x.isFinite {
            throw .outOfRange(field: field, value: shown.summary, range: "finite numbers")
        }
    }

    private static func description(of type: HyperparameterType, nullable: Bool) -> String {
        let base = switch type {
        case .number: "a number"
        case .integer: "an integer"
        case .boolean: "a boolean"
        case .learningRate: "a number or a schedule object"
        }
        return nullable ? base + " or null" : base
    }
}

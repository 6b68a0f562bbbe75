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
            try checkRange(x, range, field: field, shown: value, asFloat32: true)
            return value
        case (.integer, .number(let x)):
            guard x.isFinite, x == x.rounded() else {
                throw .wrongType(field: field, expected: "an integer", got: value.summary)
            }
            try checkRange(x, range, field: field, shown: value, asFloat32: false)
            return value
        default:
            throw .wrongType(field: field, expected: description(of: type, nullable: nullable),
                             got: value.typeName)
        }
    }

    /// Both frameworks compute with the float32 rounding of a hyperparameter, so that rounding
    /// must be finite and in range too: `beta_1: 0.99999999` is 1 in float32, `clipnorm: 1e-50`
    /// is 0, `learning_rate: 1e39` is infinite; each would turn the parameters into NaN or inf.
    private static func checkRange(_ x: Double, _ range: ValueRange?, field: String, shown: ConfigValue,
                                   asFloat32: Bool) throws(ConfigError) {
        guard x.isFinite, !asFloat32 || abs(x) <= Double(Float.greatestFiniteMagnitude) else {
            throw .outOfRange(field: field, value: shown.summary, range: "finite float32 numbers")
        }
        if let range, !range.contains(x) || (asFloat32 && !range.contains(Double(Float(x)))) {
            throw .outOfRange(field: field, value: shown.summary,
                              range: range.contains(x) ? range.notation + " after rounding to float32" : range.notation)
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

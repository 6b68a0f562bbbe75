import Testing
@testable import OptimizerCore

/// The frameworks' defaults, written out independently of the catalogue from torch.optim 2.15 and
/// Keras 3.15 (reference/optimizers.md §1-§7). `nil` = the option exists and is off (`None`).
/// Every default is written as a float where the framework has a float.
private let kerasBase: [String: ConfigValue] = [
    "weight_decay": nil, "clipnorm": nil, "clipvalue": nil, "global_clipnorm": nil,
    "loss_scale_factor": nil, "gradient_accumulation_steps": nil, "ema_momentum": 0.99,
    "ema_overwrite_frequency": nil,
]
private let frameworkDefaults: [OptimizerKind: [Convention: [String: ConfigValue]]] = [
    .sgd: [
        .keras: ["learning_rate": 0.01, "momentum": 0.0, "nesterov": false, "use_ema": false].merging(kerasBase) { a, _ in a },
        .pytorch: ["learning_rate": 0.001, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": false, "maximize": false],
    ],
    .adagrad: [
        .keras: ["learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7, "use_ema": false].merging(kerasBase) { a, _ in a },
        .pytorch: ["learning_rate": 0.01, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "epsilon": 1e-10, "maximize": false],
    ],
    .rmsprop: [
        .keras: ["learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": false, "use_ema": false].merging(kerasBase) { a, _ in a },
        .pytorch: ["learning_rate": 0.01, "rho": 0.99, "epsilon": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": false, "maximize": false],
    ],
    .adam: [
        .keras: ["learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": false, "use_ema": false].merging(kerasBase) { a, _ in a },
        .pytorch: ["learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8, "weight_decay": 0.0, "amsgrad": false, "maximize": false],
    ],
    .adamw: [
        .keras: ["learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": false, "use_ema": false]
            .merging(kerasBase.merging(["weight_decay": 0.004]) { _, b in b }) { a, _ in a },
        .pytorch: ["learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8, "weight_decay": 0.01, "amsgrad": false, "maximize": false],
    ],
]


struct KindAndConvention: CustomTestStringConvertible, Sendable {
    let kind: OptimizerKind
    let convention: Convention
    var testDescription: String { "\(kind.rawValue)/\(convention.rawValue)" }
    static let all = OptimizerKind.allCases.flatMap { k in Convention.allCases.map { KindAndConvention(kind: k, convention: $0) } }
}

/// One catalogue row under one convention, for tests that iterate over the whole table.
struct CatalogueRow: CustomTestStringConvertible, Sendable {
    let kind: OptimizerKind
    let convention: Convention
    let name: String
    var testDescription: String { "\(kind.rawValue)/\(convention.rawValue)/\(name)" }
    var entry: Hyperparameter { Catalogue.hyperparameters(of: kind).first { $0.name == name }! }

    static let all = KindAndConvention.all.flatMap { kc in
        Catalogue.hyperparameters(of: kc.kind, in: kc.convention).map { CatalogueRow(kind: kc.kind, convention: kc.convention, name: $0.name) }
    }
}

@Suite struct CatalogueTests {
    @Test(arguments: KindAndConvention.all)
    func defaultsAreTheFrameworks(_ kc: KindAndConvention) throws {
        let expected = try #require(frameworkDefaults[kc.kind]?[kc.convention])
        let rows = Catalogue.hyperparameters(of: kc.kind, in: kc.convention)
        #expect(Set(rows.map(\.name)) == Set(expected.keys), "hyperparameter names of \(kc.testDescription)")
        for row in rows {
            #expect(row.defaults[kc.convention] == expected[row.name], "default of \(row.name)")
        }
        // The resolved configuration with nothing given carries exactly those defaults.
        let config = try OptimizerConfig(kind: kc.kind, convention: kc.convention)
        for (name, value) in expected { #expect(config.values[name] == value, "resolved \(name)") }
    }

    @Test(arguments: CatalogueRow.all)
    func wrongTypeIsRejectedNamingTheField(_ row: CatalogueRow) {
        let wrong: ConfigValue = row.entry.type == .boolean ? .number(1) : .string("0.5")
        expectRejected(row, wrong)
        expectRejected(row, .array([.number(1)]))
    }

    @Test(arguments: CatalogueRow.all.filter { $0.entry.range != nil })
    func outOfRangeIsRejectedNamingTheField(_ row: CatalogueRow) throws {
        for value in outside(try #require(row.entry.range)) { expectRejected(row, .number(value)) }
        expectRejected(row, .number(.infinity))
        if row.entry.type == .integer { expectRejected(row, .number(2.5)) }
    }

    @Test(arguments: CatalogueRow.all.filter { $0.entry.range != nil })
    func rangeEdgesInsideAreAccepted(_ row: CatalogueRow) throws {
        for value in inside(try #require(row.entry.range)) {
            #expect(throws: Never.self, "\(row.testDescription) = \(value)") {
                try OptimizerConfig(kind: row.kind, convention: row.convention, hyperparameters: [row.name: .number(value)])
            }
        }
    }

    @Test(arguments: CatalogueRow.all)
    func nullOnlyWhereTheDefaultIsNull(_ row: CatalogueRow) throws {
        if row.entry.defaults[row.convention] == .null {
            let config = try OptimizerConfig(kind: row.kind, convention: row.convention, hyperparameters: [row.name: .null])
            #expect(config.values[row.name] == .null)
        } else {
            expectRejected(row, .null)
        }
    }

    @Test(arguments: KindAndConvention.all)
    func unknownNamesAreRejectedNamingTheField(_ kc: KindAndConvention) {
        var unknown = ["lr", "betas", "not_a_field"]
        // A name of the other convention is unknown in this one.
        unknown.append(kc.convention == .keras ? "maximize" : "clipnorm")
        for name in unknown {
            #expect(throws: ConfigError.unknownField(field: name)) {
                try OptimizerConfig(kind: kc.kind, convention: kc.convention, hyperparameters: [name: .number(1)])
            }
        }
    }

    @Test func twoClippingOptionsConflict() {
        #expect(throws: ConfigError.self) {
            try OptimizerConfig(kind: .adam, convention: .keras, hyperparameters: ["clipnorm": .number(1), "clipvalue": .number(1)])
        }
        do {
            _ = try OptimizerConfig(kind: .adam, convention: .keras,
                                    hyperparameters: ["clipnorm": .number(1), "global_clipnorm": .number(1)])
            Issue.record("accepted two clipping options")
        } catch {
            #expect(error.field == "global_clipnorm")
        }
    }

    @Test func torchNesterovNeedsMomentumAndNoDampening() throws {
        #expect(throws: ConfigError.self) {
            try OptimizerConfig(kind: .sgd, convention: .pytorch, hyperparameters: ["nesterov": .bool(true)])
        }
        #expect(throws: ConfigError.self) {
            try OptimizerConfig(kind: .sgd, convention: .pytorch,
                                hyperparameters: ["nesterov": .bool(true), "momentum": .number(0.9), "dampening": .number(0.1)])
        }
        _ = try OptimizerConfig(kind: .sgd, convention: .pytorch,
                                hyperparameters: ["nesterov": .bool(true), "momentum": .number(0.9)])
        // Keras allows nesterov without momentum (it then does nothing).
        _ = try OptimizerConfig(kind: .sgd, convention: .keras, hyperparameters: ["nesterov": .bool(true)])
    }

    /// The frameworks compute with float32 hyperparameters: values whose float32 rounding falls
    /// outside the range (or overflows) would make NaN or inf parameters.
    @Test func float32RoundingMustStayInRange() {
        for (kind, name, value) in [(OptimizerKind.adam, "beta_1", 0.99999999), (.adam, "beta_2", 0.999999999),
                                    (.sgd, "learning_rate", 1e39), (.sgd, "clipnorm", 1e-50), (.sgd, "loss_scale_factor", 1e-46)] {
            #expect(throws: ConfigError.self, "\(name) = \(value)") {
                try OptimizerConfig(kind: kind, convention: .keras, hyperparameters: [name: .number(value)])
            }
        }
        #expect(throws: ConfigError.self) {
            try LearningRateSchedule(parsing: ["schedule": "cosine_decay_restarts", "initial_learning_rate": 0.1,
                                               "first_decay_steps": 8, "t_mul": 0.5])
        }
    }

    @Test func integersAcceptIntegralNumbers() throws {
        let config = try OptimizerConfig(kind: .sgd, convention: .keras, hyperparameters: ["gradient_accumulation_steps": .number(3.0)])
        #expect(config.gradientAccumulationSteps == 3)
    }

    @Test func errorMessagesNameFieldAndValue() {
        do {
            _ = try OptimizerConfig(kind: .adam, convention: .keras, hyperparameters: ["beta_1": .number(1.5)])
            Issue.record("accepted beta_1 = 1.5")
        } catch {
            #expect(error.field == "beta_1")
            #expect(error.message.contains("beta_1") && error.message.contains("1.5") && error.message.contains("[0, 1)"))
        }
    }

    @Test func patchMergesAndRevalidates() throws {
        let config = try OptimizerConfig(kind: .adam, convention: .keras, hyperparameters: ["learning_rate": .number(0.01), "beta_1": .number(0.8)])
        let patched = try config.updating(["learning_rate": .number(0.0005)])
        #expect(patched.values["learning_rate"] == .number(0.0005))
        #expect(patched.values["beta_1"] == .number(0.8))
        #expect(throws: ConfigError.outOfRange(field: "learning_rate", value: "-1", range: "[0, inf)")) {
            try config.updating(["learning_rate": .number(-1)])
        }
        // null turns an option back off.
        let clipped = try config.updating(["clipnorm": .number(1)])
        #expect(try clipped.updating(["clipnorm": .null]).clipnorm == nil)
    }

    private func expectRejected(_ row: CatalogueRow, _ value: ConfigValue, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try OptimizerConfig(kind: row.kind, convention: row.convention, hyperparameters: [row.name: value])
            Issue.record("\(row.testDescription) accepted \(value.summary)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.field.hasPrefix(row.name), "\(row.testDescription): error names \(error.field)", sourceLocation: sourceLocation)
        }
    }

    private func outside(_ range: ValueRange) -> [Double] {
        switch range {
        case .atLeast(let lo): [lo - 1, lo.nextDown]
        case .above(let lo): [lo, lo - 1]
        case .closed(let lo, let hi): [lo - 1, hi + 1, hi.nextUp]
        case .closedOpen(let lo, let hi): [lo - 1, hi]
        }
    }

    private func inside(_ range: ValueRange) -> [Double] {
        switch range {
        case .atLeast(let lo): [lo, lo + 1]
        case .above(let lo): [lo + 1]
        case .closed(let lo, let hi): [lo, hi]
        case .closedOpen(let lo, let hi): [lo, Double(Float(hi).nextDown)]
        }
    }
}

/// A learning rate: a constant, or a Keras schedule evaluated at each update.
public enum LearningRate: Sendable, Equatable {
    case constant(Double)
    case schedule(LearningRateSchedule)

    /// The rate used at Keras iteration `iteration` (0 for the first update), as float32.
    public func value(at iteration: Int) -> Float {
        switch self {
        case .constant(let lr): Float(lr)
        case .schedule(let schedule): schedule.value(at: iteration)
        }
    }

    /// The rate as torch's Python float: the constant itself, or the schedule's float32 value.
    func double(at iteration: Int) -> Double {
        switch self {
        case .constant(let lr): lr
        case .schedule(let schedule): Double(schedule.value(at: iteration))
        }
    }
}

/// A validated, fully resolved optimizer configuration: every hyperparameter of `kind` under
/// `convention`, defaults filled in.
///
/// Built from the catalogue, so the same table decides what is accepted, what is listed and
/// what the kernels see. Fields an optimizer lacks hold neutral values the kernels ignore.
public struct OptimizerConfig: Sendable, Equatable {
    public let kind: OptimizerKind
    public let convention: Convention
    /// The resolved hyperparameters by name (schedules as documents, "off" options as `.null`).
    public let values: [String: ConfigValue]

    public let learningRate: LearningRate
    public let momentum: Double
    public let nesterov: Bool
    public let dampening: Double
    public let initialAccumulatorValue: Double
    public let epsilon: Double
    public let lrDecay: Double
    public let rho: Double
    public let centered: Bool
    public let beta1: Double
    public let beta2: Double
    public let amsgrad: Bool
    /// Keras: decoupled decay, nil when off. PyTorch: L2 (decoupled for adamw), 0 when off.
    public let weightDecay: Double?
    public let maximize: Bool
    public let clipnorm: Double?
    public let clipvalue: Double?
    public let globalClipnorm: Double?
    public let lossScaleFactor: Double?
    public let gradientAccumulationSteps: Int?
    public let useEMA: Bool
    public let emaMomentum: Double
    public let emaOverwriteFrequency: Int?

    /// Validates `given` against the catalogue. Omitted names take the convention's default;
    /// `null` is accepted only where that default is `null`.
    public init(kind: OptimizerKind, convention: Convention, hyperparameters given: [String: ConfigValue] = [:]) throws(ConfigError) {
        let table = Catalogue.hyperparameters(of: kind, in: convention)
        for name in given.keys.sorted() where !table.contains(where: { $0.name == name }) {
            throw .unknownField(field: name)
        }
        var values: [String: ConfigValue] = [:]
        var learningRate = LearningRate.constant(0)
        for entry in table {
            let fallback = entry.defaults[convention]!
            let value = given[entry.name] ?? fallback
            if entry.type == .learningRate, case .object = value {
                let schedule = try LearningRateSchedule(parsing: value, path: entry.name)
                learningRate = .schedule(schedule)
                values[entry.name] = schedule.document
                continue
            }
            let checked = try Validation.check(value, type: entry.type, range: entry.range,
                                               nullable: fallback == .null, field: entry.name)
            if entry.type == .learningRate, case .number(let lr) = checked { learningRate = .constant(lr) }
            values[entry.name] = checked
        }
        func number(_ name: String) -> Double? { if case .number(let x) = values[name] { x } else { nil } }
        func flag(_ name: String) -> Bool { values[name] == .bool(true) }

        self.kind = kind
        self.convention = convention
        self.values = values
        self.learningRate = learningRate
        momentum = number("momentum") ?? 0
        nesterov = flag("nesterov")
        dampening = number("dampening") ?? 0
        initialAccumulatorValue = number("initial_accumulator_value") ?? 0
        epsilon = number("epsilon") ?? 0
        lrDecay = number("lr_decay") ?? 0
        rho = number("rho") ?? 0
        centered = flag("centered")
        beta1 = number("beta_1") ?? 0
        beta2 = number("beta_2") ?? 0
        amsgrad = flag("amsgrad")
        weightDecay = number("weight_decay")
        maximize = flag("maximize")
        clipnorm = number("clipnorm")
        clipvalue = number("clipvalue")
        globalClipnorm = number("global_clipnorm")
        lossScaleFactor = number("loss_scale_factor")
        gradientAccumulationSteps = number("gradient_accumulation_steps").map { Int($0) }
        useEMA = flag("use_ema")
        emaMomentum = number("ema_momentum") ?? 0
        emaOverwriteFrequency = number("ema_overwrite_frequency").map { Int($0) }
        try checkCombinations()
    }

    /// Merges `patch` into this configuration (PATCH semantics: named fields replaced, `null`
    /// back to the default where the default is `null`) and validates the result.
    public func updating(_ patch: [String: ConfigValue]) throws(ConfigError) -> OptimizerConfig {
        try OptimizerConfig(kind: kind, convention: convention,
                            hyperparameters: values.merging(patch) { _, new in new })
    }

    /// Rules between fields that the frameworks enforce at construction.
    private func checkCombinations() throws(ConfigError) {
        // Keras `_clip_gradients` honours one option; its constructor refuses two.
        let clipping = ["clipnorm", "global_clipnorm", "clipvalue"].filter { values[$0].map { $0 != .null } ?? false }
        if clipping.count > 1 {
            throw .conflict(field: clipping[1], reason: "only one of clipnorm, global_clipnorm and clipvalue may be set, got \(clipping.joined(separator: " and "))")
        }
        // torch.optim.SGD: "Nesterov momentum requires a momentum and zero dampening".
        if kind == .sgd, convention == .pytorch, nesterov, momentum <= 0 || dampening != 0 {
            throw .conflict(field: "nesterov", reason: "nesterov requires momentum > 0 and dampening = 0")
        }
    }
}

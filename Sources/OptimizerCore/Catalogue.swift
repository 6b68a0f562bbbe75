/// The one table of optimizers and hyperparameters. It drives validation, `GET /v1/optimizers`,
/// the docs and the table-driven tests.
///
/// Defaults are the frameworks' own: Keras 3.15 `keras.optimizers.*` and torch.optim 2.15
/// (reference/optimizers.md §1-§7). Names are Keras's; torch's `lr`, `alpha`, `betas` and `eps`
/// appear as `learning_rate`, `rho`, `beta_1`/`beta_2` and `epsilon`.
public enum Catalogue {
    /// The hyperparameters of `kind`, under every convention (see `Hyperparameter.defaults`).
    public static func hyperparameters(of kind: OptimizerKind) -> [Hyperparameter] {
        switch kind {
        case .sgd: sgd
        case .adagrad: adagrad
        case .rmsprop: rmsprop
        case .adam: adam
        case .adamw: adamw
        }
    }

    /// The hyperparameters a session of `kind` under `convention` accepts, in catalogue order.
    public static func hyperparameters(of kind: OptimizerKind, in convention: Convention) -> [Hyperparameter] {
        hyperparameters(of: kind).filter { $0.isAvailable(in: convention) }
    }

    static let sgd: [Hyperparameter] = merged([
        learningRate(keras: 0.01, pytorch: 0.001),  // torch's default since PR #114467
        number("momentum", keras: 0.0, pytorch: 0.0, .closed(0, 1)),
        boolean("nesterov", keras: false, pytorch: false),
        number("dampening", keras: nil, pytorch: 0.0, .closed(0, 1)),
    ] + kerasBase(weightDecay: nil) + pytorchBase(weightDecay: 0))

    static let adagrad: [Hyperparameter] = merged([
        learningRate(keras: 0.001, pytorch: 0.01),
        number("initial_accumulator_value", keras: 0.1, pytorch: 0.0, .atLeast(0)),
        number("epsilon", keras: 1e-7, pytorch: 1e-10, .atLeast(0)),
        number("lr_decay", keras: nil, pytorch: 0.0, .atLeast(0)),
    ] + kerasBase(weightDecay: nil) + pytorchBase(weightDecay: 0))

    static let rmsprop: [Hyperparameter] = merged([
        learningRate(keras: 0.001, pytorch: 0.01),
        number("rho", keras: 0.9, pytorch: 0.99, .closed(0, 1)),  // torch calls it alpha
        number("momentum", keras: 0.0, pytorch: 0.0, .closed(0, 1)),
        number("epsilon", keras: 1e-7, pytorch: 1e-8, .atLeast(0)),
        boolean("centered", keras: false, pytorch: false),
    ] + kerasBase(weightDecay: nil) + pytorchBase(weightDecay: 0))

    static let adam: [Hyperparameter] = merged(adamFamily + kerasBase(weightDecay: nil) + pytorchBase(weightDecay: 0))

    /// Keras rejects `AdamW(weight_decay=None)`, so its default is a number and `null` is refused.
    static let adamw: [Hyperparameter] = merged(adamFamily + kerasBase(weightDecay: 0.004) + pytorchBase(weightDecay: 0.01))

    private static let adamFamily: [Hyperparameter] = [
        learningRate(keras: 0.001, pytorch: 0.001),
        number("beta_1", keras: 0.9, pytorch: 0.9, .closedOpen(0, 1)),
        number("beta_2", keras: 0.999, pytorch: 0.999, .closedOpen(0, 1)),
        number("epsilon", keras: 1e-7, pytorch: 1e-8, .atLeast(0)),
        boolean("amsgrad", keras: false, pytorch: false),
    ]

    /// Keras's base-optimizer options (`base_optimizer.py`), present on every Keras optimizer.
    /// Zero is out of range where Keras treats it as "off": `null` is the way to say off.
    private static func kerasBase(weightDecay: Double?) -> [Hyperparameter] {
        [
            Hyperparameter(name: "weight_decay", type: .number,
                           defaults: [.keras: weightDecay.map(ConfigValue.number) ?? .null],
                           range: .atLeast(0)),
            optionalNumber("clipnorm", .above(0)),
            optionalNumber("clipvalue", .above(0)),
            optionalNumber("global_clipnorm", .above(0)),
            optionalNumber("loss_scale_factor", .above(0)),
            Hyperparameter(name: "gradient_accumulation_steps", type: .integer,
                           defaults: [.keras: .null], range: .closed(2, int32Max)),
            boolean("use_ema", keras: false, pytorch: nil),
            number("ema_momentum", keras: 0.99, pytorch: nil, .closed(0, 1)),
            Hyperparameter(name: "ema_overwrite_frequency", type: .integer,
                           defaults: [.keras: .null], range: .closed(1, int32Max)),
        ]
    }

    /// torch.optim's options shared by all five. `weight_decay` merges into the Keras row of the
    /// same name (one hyperparameter, two defaults).
    private static func pytorchBase(weightDecay: Double) -> [Hyperparameter] {
        [
            number("weight_decay", keras: nil, pytorch: weightDecay, .atLeast(0)),
            boolean("maximize", keras: nil, pytorch: false),
        ]
    }

    /// Folds rows of the same name into one, uniting their per-convention defaults; the first
    /// row's position, type and range win.
    private static func merged(_ rows: [Hyperparameter]) -> [Hyperparameter] {
        var result: [Hyperparameter] = []
        for row in rows {
            if let i = result.firstIndex(where: { $0.name == row.name }) {
                let first = result[i]
                result[i] = Hyperparameter(name: first.name, type: first.type,
                                           defaults: first.defaults.merging(row.defaults) { a, _ in a },
                                           range: first.range)
            } else {
                result.append(row)
            }
        }
        return result
    }

    private static func learningRate(keras: Double, pytorch: Double) -> Hyperparameter {
        Hyperparameter(name: "learning_rate", type: .learningRate,
                       defaults: [.keras: .number(keras), .pytorch: .number(pytorch)], range: .atLeast(0))
    }

    private static func number(_ name: String, keras: Double?, pytorch: Double?, _ range: ValueRange) -> Hyperparameter {
        var defaults: [Convention: ConfigValue] = [:]
        if let keras { defaults[.keras] = .number(keras) }
        if let pytorch { defaults[.pytorch] = .number(pytorch) }
        return Hyperparameter(name: name, type: .number, defaults: defaults, range: range)
    }

    private static func optionalNumber(_ name: String, _ range: ValueRange) -> Hyperparameter {
        Hyperparameter(name: name, type: .number, defaults: [.keras: .null], range: range)
    }

    private static func boolean(_ name: String, keras: Bool?, pytorch: Bool?) -> Hyperparameter {
        var defaults: [Convention: ConfigValue] = [:]
        if let keras { defaults[.keras] = .bool(keras) }
        if let pytorch { defaults[.pytorch] = .bool(pytorch) }
        return Hyperparameter(name: name, type: .boolean, defaults: defaults, range: nil)
    }
}

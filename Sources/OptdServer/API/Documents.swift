import OptimizerCore

/// The JSON documents the service answers with (SPEC §3, §7).
enum Documents {
    /// `<session>`: `{"id", "optimizer": {"name", every hyperparameter resolved}, "convention",
    /// "size", "step", "created", "updated"}`.
    static func session(_ m: Session.Metadata, into writer: inout JSONWriter) {
        writer.raw("{\"id\":")
        writer.string(m.id)
        writer.raw(",\"optimizer\":")
        optimizer(m.config, into: &writer)
        writer.raw(",\"convention\":")
        writer.string(m.config.convention.rawValue)
        writer.raw(",\"size\":")
        writer.number(Double(m.size))
        writer.raw(",\"step\":")
        writer.number(Double(m.step))
        writer.raw(",\"created\":")
        writer.string(m.created.rfc3339)
        writer.raw(",\"updated\":")
        writer.string(m.updated.rfc3339)
        if let aggregate = m.aggregate {
            writer.raw(",\"aggregate\":")
            var json = aggregate.json
            if let waiting = m.waiting, case .object(var fields) = json {
                fields["waiting"] = .array(waiting.map(ConfigValue.string))
                json = .object(fields)
            }
            writer.value(json, keyOrder: AggregateConfig.fields)
        }
        writer.raw("}")
    }

    static func session(_ m: Session.Metadata) -> [UInt8] {
        var writer = JSONWriter()
        session(m, into: &writer)
        return writer.bytes
    }

    /// `{"name": ..., <hyperparameters in catalogue order>}`.
    static func optimizer(_ config: OptimizerConfig, into writer: inout JSONWriter) {
        writer.raw("{\"name\":")
        writer.string(config.kind.rawValue)
        for entry in Catalogue.hyperparameters(of: config.kind, in: config.convention) {
            writer.raw(",")
            writer.string(entry.name)
            writer.raw(":")
            writer.value(config.values[entry.name] ?? .null, keyOrder: scheduleKeyOrder)
        }
        writer.raw("}")
    }

    /// `{"sessions": [<session>...]}`
    static func sessionList(_ sessions: [Session.Metadata]) -> [UInt8] {
        var writer = JSONWriter()
        writer.raw("{\"sessions\":[")
        for (i, m) in sessions.enumerated() {
            if i > 0 { writer.raw(",") }
            session(m, into: &writer)
        }
        writer.raw("]}")
        return writer.bytes
    }

    /// `{"step": N, "params": [...]}`
    static func vector(step: Int, values: FloatBuffer) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: values.count * 12 + 32)
        writer.raw("{\"step\":")
        writer.number(Double(step))
        writer.raw(",\"params\":")
        writer.floatArray(UnsafeBufferPointer(values.buffer))
        writer.raw("}")
        return writer.bytes
    }

    /// `GET /v1/optimizers`: `{"optimizers": [{"name", "conventions", "hyperparameters":
    /// [{"name", "type", "defaults": {"keras": v, "pytorch": v}, "range"}]}]}`. A convention that
    /// lacks a hyperparameter has no key under `defaults`; `range` is interval notation, or null
    /// for booleans.
    static let catalogue: [UInt8] = {
        var writer = JSONWriter(reservingCapacity: 8192)
        writer.raw("{\"optimizers\":[")
        for (i, kind) in OptimizerKind.allCases.enumerated() {
            if i > 0 { writer.raw(",") }
            writer.raw("{\"name\":")
            writer.string(kind.rawValue)
            writer.raw(",\"conventions\":[\"keras\",\"pytorch\"],\"hyperparameters\":[")
            for (j, entry) in Catalogue.hyperparameters(of: kind).enumerated() {
                if j > 0 { writer.raw(",") }
                writer.raw("{\"name\":")
                writer.string(entry.name)
                writer.raw(",\"type\":")
                writer.string(entry.type.rawValue)
                writer.raw(",\"defaults\":{")
                let conventions = Convention.allCases.filter { entry.defaults[$0] != nil }
                for (k, convention) in conventions.enumerated() {
                    if k > 0 { writer.raw(",") }
                    writer.string(convention.rawValue)
                    writer.raw(":")
                    writer.value(entry.defaults[convention]!)
                }
                writer.raw("},\"range\":")
                if let range = entry.range { writer.string(range.notation) } else { writer.raw("null") }
                writer.raw("}")
            }
            writer.raw("]}")
        }
        writer.raw("],\"schedules\":")
        writer.value(.array(LearningRateSchedule.names.map(ConfigValue.string)))
        writer.raw("}")
        return writer.bytes
    }()

    private static let scheduleKeyOrder = ["schedule", "initial_learning_rate", "decay_steps", "first_decay_steps"]
}

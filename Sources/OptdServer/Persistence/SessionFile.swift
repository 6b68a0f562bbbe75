import OptimizerCore

/// A session as a safetensors file (SPEC §5): tensors `params` and every optimizer state buffer
/// (F32, shape [size]); `__metadata__` with `format` = `optd-session/1`, `id`, `optimizer` (the
/// resolved JSON), `convention`, `step`, `created`, `updated`, and optd's own `journal_lsn` (the
/// last journal record the file includes) and `idempotency_keys` (recent keys and their steps, so
/// a retry after a restart is still never applied twice).
enum SessionFile {
    static let format = "optd-session/1"

    enum Error: Swift.Error, Equatable {
        case invalid(String)
        var message: String { if case .invalid(let m) = self { m } else { "" } }
    }

    static func file(_ capture: Session.Capture) -> Safetensors.File {
        var writer = JSONWriter()
        Documents.optimizer(capture.config, into: &writer)
        let optimizerJSON = String(decoding: writer.bytes, as: UTF8.self)
        var keys = JSONWriter()
        keys.value(.array(capture.idempotencyKeys.map { .array([.string($0.key), .number(Double($0.step))]) }))
        var metadata = [
            "format": format, "id": capture.id, "optimizer": optimizerJSON,
            "convention": capture.config.convention.rawValue, "step": String(capture.step),
            "size": String(capture.params.count),
            "created": capture.created.rfc3339, "updated": capture.updated.rfc3339,
            "journal_lsn": String(capture.journalLSN),
            "idempotency_keys": String(decoding: keys.bytes, as: UTF8.self),
        ]
        if let aggregate = capture.aggregate {
            var w = JSONWriter()
            w.value(aggregate.json)
            metadata["aggregate"] = String(decoding: w.bytes, as: UTF8.self)
        }
        var tensors = [Safetensors.Tensor(name: "params", values: capture.params)]
        tensors += capture.slots.sorted { $0.name < $1.name }.map { Safetensors.Tensor(name: $0.name, values: $0.buffer) }
        return Safetensors.File(metadata: metadata, tensors: tensors)
    }

    /// Everything needed to rebuild the session, validated.
    struct Restored {
        let id: String
        let config: OptimizerConfig
        let params: FloatBuffer
        let step: Int
        let slots: [String: FloatBuffer]
        let created: Timestamp
        let updated: Timestamp
        let journalLSN: UInt64
        let idempotencyKeys: [(key: String, step: Int)]
        /// `aggregate` metadata (AggregateConfig), absent for ordinary sessions.
        var aggregate: AggregateConfig? = nil

        func optimizer() -> Optimizer {
            try! Optimizer(config: config, params: params, step: step, slots: slots)
        }
    }

    /// Validates everything, including that the tensors fit the optimizer (`Restored.optimizer`
    /// then cannot fail).
    static func restore(_ bytes: UnsafeRawBufferPointer, maxSize: Int) throws(Error) -> Restored {
        let file: Safetensors.File
        do throws(Safetensors.DecodeError) {
            file = try Safetensors.decode(bytes)
        } catch {
            guard case .invalid(let reason) = error else { throw .invalid("not a safetensors file") }
            throw .invalid(reason)
        }
        let m = file.metadata
        guard m["format"] == format else { throw .invalid("metadata format is \(m["format"] ?? "missing"), expected \(format)") }
        guard let id = m["id"] else { throw .invalid("metadata id is missing") }
        do throws(ServiceError) { try SessionID.validate(id) } catch { throw .invalid("metadata id \"\(id)\" is not a valid session id") }
        guard let conventionText = m["convention"], let convention = Convention(rawValue: conventionText) else {
            throw .invalid("metadata convention is missing or unknown")
        }
        guard let stepText = m["step"], let step = Int(stepText), step >= 0 else { throw .invalid("metadata step is missing or invalid") }
        guard let createdText = m["created"], let created = Timestamp(rfc3339: createdText),
              let updatedText = m["updated"], let updated = Timestamp(rfc3339: updatedText) else {
            throw .invalid("metadata created/updated are missing or not RFC 3339")
        }
        let journalLSN = m["journal_lsn"].flatMap { UInt64($0) } ?? 0
        let config: OptimizerConfig
        do throws(ServiceError) {
            let document = try parseJSON(m["optimizer"] ?? "")
            config = try CreateSessionRequest.optimizerConfig(document, convention: convention)
        } catch {
            throw .invalid("metadata optimizer: \(error.problem.detail)")
        }
        var tensors: [String: FloatBuffer] = [:]
        for t in file.tensors { tensors[t.name] = t.values }
        guard let params = tensors.removeValue(forKey: "params") else { throw .invalid("tensor params is missing") }
        guard params.count >= 1, params.count <= maxSize else {
            throw .invalid("params has \(params.count) elements; a session has 1 to \(maxSize)")
        }
        // Non-finite values are kept: a diverged run is still the state the client made.
        do throws(StateError) {
            _ = try Optimizer(config: config, params: params, step: step, slots: tensors)
        } catch {
            throw .invalid(error.message)
        }
        var keys: [(String, Int)] = []
        if let text = m["idempotency_keys"] {
            guard case .array(let items)? = try? parseJSON(text), items.count <= IdempotencyCache.capacity else {
                throw .invalid("metadata idempotency_keys is not a list of at most \(IdempotencyCache.capacity) [key, step] pairs")
            }
            for item in items {
                guard case .array(let pair) = item, pair.count == 2, case .string(let key) = pair[0], (1...AggregateConfig.maxScopedKeyBytes).contains(key.utf8.count),
                      case .number(let s) = pair[1], s == s.rounded(), s >= 0, s <= Double(Optimizer.maxStep) else {
                    throw .invalid("metadata idempotency_keys holds an entry that is not [key, step]")
                }
                keys.append((key, Int(s)))
            }
        }
        var restored = Restored(id: id, config: config, params: params, step: step, slots: tensors, created: created, updated: updated,
                                journalLSN: journalLSN, idempotencyKeys: keys)
        if let text = m["aggregate"] {
            do throws(ServiceError) {
                restored.aggregate = try AggregateConfig(try parseJSON(text))
            } catch {
                throw .invalid("metadata aggregate: \(error.problem.detail)")
            }
        }
        return restored
    }

    private static func parseJSON(_ text: String) throws(ServiceError) -> ConfigValue {
        do throws(JSONDecodeError) {
            return try JSONReader.document(Array(text.utf8))
        } catch {
            throw ServiceError(error)
        }
    }
}

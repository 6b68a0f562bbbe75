import OptimizerCore

/// A session's synchronous aggregation (`"aggregate": {"workers": K, "timeout_seconds": T}` at
/// creation): every round collects one gradient from each of K workers, averages them
/// (`GradientAverage`, workers in byte order of their names) and applies ONE optimizer step.
/// A round that has not gathered K gradients T seconds after its first one fails for everyone
/// waiting in it (504 `round_timeout`) and applies nothing.
///
/// K is at most `maxWorkers`: each worker's request holds a Dispatch worker thread while it
/// waits (HTTP1 handlers are synchronous), and the pool has about 255. Service-wide at most
/// `maxWaiting` requests wait in rounds at once (beyond it 503 `aggregation_busy`); with HTTP1's
/// own 128 slow-peer waits that stays below the pool, so the K-th worker of a round always gets
/// a thread and waiting can never deadlock.
struct AggregateConfig: Equatable, Sendable {
    let workers: Int
    let timeoutSeconds: Double

    static let maxWorkers = 64
    static let maxWaiting = 96
    static let defaultTimeout = 60.0
    static let maxTimeout = 3600.0
    static let fields = ["workers", "timeout_seconds"]
    /// A scoped idempotency key: a 64-byte worker name, "/", a 255-byte key.
    static let maxScopedKeyBytes = 64 + 1 + 255

    init(workers: Int, timeoutSeconds: Double) {
        self.workers = workers
        self.timeoutSeconds = timeoutSeconds
    }

    /// Parses the create body's `aggregate` member; nil for absent or null.
    init?(_ value: ConfigValue?) throws(ServiceError) {
        switch value {
        case nil, .null?: return nil
        case .object(let fields)?:
            for key in fields.keys.sorted() where !Self.fields.contains(key) {
                throw .invalidAggregate("unknown field \"\(key)\"; aggregate has workers and timeout_seconds")
            }
            guard case .number(let k)? = fields["workers"], k == k.rounded(), k >= 1, k <= Double(Self.maxWorkers) else {
                throw .invalidAggregate("workers must be an integer from 1 to \(Self.maxWorkers), got \(fields["workers"]?.summary ?? "nothing")")
            }
            let timeout: Double
            switch fields["timeout_seconds"] {
            case nil, .null?: timeout = Self.defaultTimeout
            case .number(let t)? where t > 0 && t <= Self.maxTimeout: timeout = t
            case let other?: throw .invalidAggregate("timeout_seconds must be a number in (0, \(Int(Self.maxTimeout))], got \(other.summary)")
            }
            self.init(workers: Int(k), timeoutSeconds: timeout)
        case let other?:
            throw .invalidAggregate("aggregate must be an object {\"workers\": K, \"timeout_seconds\": T}, got \(other.typeName)")
        }
    }

    var json: ConfigValue {
        .object(["workers": .number(Double(workers)), "timeout_seconds": .number(timeoutSeconds)])
    }

    /// Worker names (`Optd-Worker`): `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`, so a name is never
    /// part of another's idempotency scope and sorts the same everywhere (ASCII bytes).
    static func validateWorker(_ name: String) throws(ServiceError) {
        let bytes = Array(name.utf8)
        func alphanumeric(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
        }
        guard (1...64).contains(bytes.count), alphanumeric(bytes[0]),
              bytes.dropFirst().allSatisfy({ alphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else {
            throw .invalidWorker("Optd-Worker must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
        }
    }

    /// A worker's `Idempotency-Key`, scoped by its name: two workers may use the same keys.
    static func scopedKey(worker: String, key: String) -> String { "\(worker)/\(key)" }
}

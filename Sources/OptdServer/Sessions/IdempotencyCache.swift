import OptimizerCore

/// The last 1024 `Idempotency-Key`s a session applied, with what each step answered (SPEC §3).
///
/// Answers are parameter vectors, which can be large, so their copies are kept only within a
/// byte budget, newest first; an older key is still recognised (never applied twice) and keeps
/// its step number. A retry whose answer was dropped is answered from the live parameters if the
/// session has not moved since, and refused otherwise (`idempotency_answer_expired`).
struct IdempotencyCache {
    struct Entry {
        let step: Int
        /// The parameters right after that step, nil once dropped for the byte budget.
        var params: FloatBuffer?
    }

    static let capacity = 1024
    let byteBudget: Int
    private var entries: [String: Entry] = [:]
    /// Keys oldest first.
    private var order: [String] = []
    private var heldBytes = 0
    /// How many entries share each kept vector: an aggregation round records one answer under
    /// all its workers' keys, and it is held (and counted) once.
    private var holders: [ObjectIdentifier: Int] = [:]

    init(byteBudget: Int = 64 << 20) {
        self.byteBudget = byteBudget
    }

    func lookup(_ key: String) -> Entry? { entries[key] }

    /// Records `key`'s step and, unless nil (a large session's answer is never copied), its answer.
    mutating func record(_ key: String, step: Int, params: FloatBuffer?) {
        if entries[key] != nil { return }
        entries[key] = Entry(step: step, params: params)
        order.append(key)
        if let params { hold(params) }
        if order.count > Self.capacity {
            let oldest = order.removeFirst()
            if let dropped = entries.removeValue(forKey: oldest), let p = dropped.params { release(p) }
        }
        // Drop vectors oldest first until within budget; the newest answer is always kept.
        let newest = params.map(ObjectIdentifier.init)
        var i = 0
        while heldBytes > byteBudget, i < order.count - 1 {
            if let p = entries[order[i]]?.params, ObjectIdentifier(p) != newest {
                release(p)
                entries[order[i]]?.params = nil
            }
            i += 1
        }
    }

    private mutating func hold(_ vector: FloatBuffer) {
        let id = ObjectIdentifier(vector)
        if holders[id] == nil { heldBytes += vector.count * 4 }
        holders[id, default: 0] += 1
    }

    private mutating func release(_ vector: FloatBuffer) {
        let id = ObjectIdentifier(vector)
        guard let n = holders[id] else { return }
        if n > 1 {
            holders[id] = n - 1
        } else {
            holders[id] = nil
            heldBytes -= vector.count * 4
        }
    }

    var count: Int { order.count }

    /// Keys and their steps, oldest first (persisted with snapshots; vectors are not).
    var keys: [(key: String, step: Int)] { order.map { ($0, entries[$0]!.step) } }

    /// Restores keys without their answers (after a restart).
    mutating func restore(_ keys: [(key: String, step: Int)]) {
        for (key, step) in keys.suffix(Self.capacity) where entries[key] == nil {
            entries[key] = Entry(step: step, params: nil)
            order.append(key)
        }
    }
}

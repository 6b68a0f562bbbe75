import Synchronization

/// All sessions by id. The map's lock is held only to find, add or remove a session; work on a
/// session happens under that session's own lock.
final class SessionStore: Sendable {
    private let sessions = Mutex<[String: Session]>([:])

    func get(_ id: String) throws(ServiceError) -> Session {
        guard let session = sessions.withLock({ $0[id] }) else { throw .sessionNotFound(id) }
        return session
    }

    /// Adds `session`; 409 `session_exists` if the id is taken.
    func insert(_ session: Session) throws(ServiceError) {
        let added = sessions.withLock { map -> Bool in
            if map[session.id] != nil { return false }
            map[session.id] = session
            return true
        }
        if !added { throw .sessionExists(session.id) }
    }

    /// Adds or replaces the session under its id.
    func upsert(_ session: Session) {
        sessions.withLock { $0[session.id] = session }
    }

    /// Removes and returns the session; 404 if absent.
    @discardableResult
    func remove(_ id: String) throws(ServiceError) -> Session {
        guard let session = sessions.withLock({ $0.removeValue(forKey: id) }) else { throw .sessionNotFound(id) }
        return session
    }

    /// Every session, by id.
    var all: [Session] {
        sessions.withLock { Array($0.values) }.sorted { $0.id < $1.id }
    }

    var count: Int { sessions.withLock { $0.count } }
}

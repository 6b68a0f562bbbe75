import Synchronization

/// Counters for `/metrics` (Prometheus text exposition format 0.0.4).
final class Metrics: Sendable {
    private let steps = Atomic<Int>(0)
    private let sessionsCreated = Atomic<Int>(0)

    func countStep() { steps.add(1, ordering: .relaxed) }
    func countSessionCreated() { sessionsCreated.add(1, ordering: .relaxed) }

    func render(sessions: Int) -> String {
        """
        # HELP optd_sessions Sessions held in memory.
        # TYPE optd_sessions gauge
        optd_sessions \(sessions)
        # HELP optd_sessions_created_total Sessions created since start.
        # TYPE optd_sessions_created_total counter
        optd_sessions_created_total \(sessionsCreated.load(ordering: .relaxed))
        # HELP optd_steps_total Optimizer steps applied since start.
        # TYPE optd_steps_total counter
        optd_steps_total \(steps.load(ordering: .relaxed))

        """
    }
}

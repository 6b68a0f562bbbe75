import HTTP1
import Testing

/// Timeouts driven by a hand-advanced clock: no sleeping.
@Suite struct ConnectionLifecycleTests {
    let t0 = Instant(nanoseconds: 1_000_000_000)
    func at(_ seconds: Double) -> Instant { t0.advanced(by: .milliseconds(Int(seconds * 1000))) }

    @Test func silentNewConnectionClosesAtHeaderDeadlineWithoutAnswer() {
        var lifecycle = ConnectionLifecycle(limits: HTTPLimits(), acceptedAt: t0)
        #expect(lifecycle.expire(at: at(9.999)) == .none)
        #expect(lifecycle.expire(at: at(10)) == .close)
        #expect(lifecycle.phase == .closed)
    }

    @Test func partialHeadIsAnswered408AtTenSecondsFromAccept() {
        var lifecycle = ConnectionLifecycle(limits: HTTPLimits(), acceptedAt: t0)
        lifecycle.bytesReceived(at: at(1))
        lifecycle.bytesReceived(at: at(9))  // drips do not extend a total deadline
        #expect(lifecycle.deadline == at(10))
        #expect(lifecycle.expire(at: at(10)) == .respondTimeoutAndClose)
    }

    @Test func keptAliveConnectionIdlesSixtySeconds() {
        var lifecycle = ConnectionLifecycle(limits: HTTPLimits(), acceptedAt: t0)
        lifecycle.headReceived()
        lifecycle.responseFinished(at: at(1), nextRequestStarted: false)
        #expect(lifecycle.expire(at: at(60)) == .none)
        #expect(lifecycle.expire(at: at(61)) == .close)
    }

    @Test func laterRequestHeadDeadlineRunsFromItsFirstByte() {
        var lifecycle = ConnectionLifecycle(limits: HTTPLimits(), acceptedAt: t0)
        lifecycle.headReceived()
        lifecycle.responseFinished(at: at(1), nextRequestStarted: false)
        lifecycle.bytesReceived(at: at(30))
        #expect(lifecycle.deadline == at(40))
        #expect(lifecycle.expire(at: at(39.9)) == .none)
        #expect(lifecycle.expire(at: at(40)) == .respondTimeoutAndClose)
    }

    @Test func pipelinedRequestHeadDeadlineRunsFromEndOfPreviousAnswer() {
        var lifecycle = ConnectionLifecycle(limits: HTTPLimits(), acceptedAt: t0)
        lifecycle.headReceived()
        lifecycle.responseFinished(at: at(5), nextRequestStarted: true)
        #expect(lifecycle.deadline == at(15))
    }

    @Test func runningHandlerHasNoDeadline() {
        var lifecycle = ConnectionLifecycle(limits: HTTPLimits(), acceptedAt: t0)
        lifecycle.headReceived()
        #expect(lifecycle.deadline == nil)
        #expect(lifecycle.expire(at: at(100_000)) == .none)
    }

    @Test func bodyReadTimesOutThirtySecondsAfterLastBytes() {
        var lifecycle = ConnectionLifecycle(limits: HTTPLimits(), acceptedAt: t0)
        lifecycle.headReceived()
        lifecycle.bodyProgress(at: at(1))
        lifecycle.bodyProgress(at: at(20))  // bytes arrived: the gap restarts
        #expect(lifecycle.expire(at: at(49.9)) == .none)
        #expect(lifecycle.expire(at: at(50)) == .respondTimeoutAndClose)
    }

    @Test func stalledWriteClosesAfterSixtySeconds() {
        var lifecycle = ConnectionLifecycle(limits: HTTPLimits(), acceptedAt: t0)
        lifecycle.headReceived()
        lifecycle.writeProgress(at: at(2))
        #expect(lifecycle.expire(at: at(61.9)) == .none)
        #expect(lifecycle.expire(at: at(62)) == .close)
    }

    @Test func socketWaitEndingReturnsToHandlingWithoutDeadline() {
        var lifecycle = ConnectionLifecycle(limits: HTTPLimits(), acceptedAt: t0)
        lifecycle.headReceived()
        lifecycle.bodyProgress(at: at(1))
        lifecycle.socketWaitEnded()
        #expect(lifecycle.phase == .handling)
        #expect(lifecycle.deadline == nil)
    }

    @Test func configuredLimitsAreUsed() {
        var limits = HTTPLimits()
        limits.headerTimeout = .seconds(2)
        var lifecycle = ConnectionLifecycle(limits: limits, acceptedAt: t0)
        #expect(lifecycle.deadline == at(2))
        #expect(lifecycle.expire(at: at(2)) == .close)
    }
}

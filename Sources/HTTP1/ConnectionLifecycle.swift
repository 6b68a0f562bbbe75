/// The timeout rules of one connection as a value-type state machine.
///
/// The connection tells it what happened and when (`now` is passed in, never read here), asks for
/// the next ``deadline``, and on expiry calls ``expire(at:)`` to learn what to do. Tests drive it
/// with hand-made ``Instant`` values instead of sleeping.
///
/// Rules (SPEC §4, §7):
/// - first request: its head must be complete within ``HTTPLimits/headerTimeout`` of accept;
/// - later requests: the connection may idle ``HTTPLimits/keepAliveIdleTimeout`` after the last
///   answer; once a byte of the next request arrives, its head must be complete within
///   ``HTTPLimits/headerTimeout`` of the later of that byte and the end of the last answer;
/// - a body read may wait at most ``HTTPLimits/bodyReadTimeout`` for bytes;
/// - a response write may make no progress for at most ``HTTPLimits/writeStallTimeout``.
/// A head or body timeout with part of a request received is answered 408; anything else closes.
public struct ConnectionLifecycle: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        /// Waiting for (the rest of) a request head.
        case awaitingRequest(since: Instant, firstByte: Instant?, isFirst: Bool)
        /// A handler runs; it is not waiting on the socket.
        case handling
        /// A handler waits for body bytes; `lastProgress` is when bytes last arrived (or the wait began).
        case readingBody(lastProgress: Instant)
        /// A response write waits for the peer; `lastProgress` is when bytes last left.
        case writing(lastProgress: Instant)
        case closed
    }

    public enum Action: Sendable, Equatable {
        case none
        /// Answer 408 `request_timeout`, then close.
        case respondTimeoutAndClose
        /// Close without an answer.
        case close
    }

    public let limits: HTTPLimits
    public private(set) var phase: Phase

    public init(limits: HTTPLimits, acceptedAt: Instant) {
        self.limits = limits
        phase = .awaitingRequest(since: acceptedAt, firstByte: nil, isFirst: true)
    }

    /// Bytes of a request head arrived.
    public mutating func bytesReceived(at now: Instant) {
        if case .awaitingRequest(let since, nil, let isFirst) = phase {
            phase = .awaitingRequest(since: since, firstByte: now, isFirst: isFirst)
        }
    }

    /// A complete head arrived; the handler takes over.
    public mutating func headReceived() {
        if phase != .closed { phase = .handling }
    }

    /// The handler starts waiting for body bytes, or bytes just arrived while it waits.
    public mutating func bodyProgress(at now: Instant) {
        if phase != .closed { phase = .readingBody(lastProgress: now) }
    }

    /// A response write starts waiting for the peer, or bytes just left.
    public mutating func writeProgress(at now: Instant) {
        if phase != .closed { phase = .writing(lastProgress: now) }
    }

    /// The handler's wait on the socket ended (bytes moved); it computes again.
    public mutating func socketWaitEnded() {
        switch phase {
        case .readingBody, .writing: phase = .handling
        default: break
        }
    }

    /// The answer is fully written and the connection stays open. `nextRequestStarted` is true
    /// when bytes of a pipelined next request are already buffered.
    public mutating func responseFinished(at now: Instant, nextRequestStarted: Bool) {
        if phase != .closed {
            phase = .awaitingRequest(since: now, firstByte: nextRequestStarted ? now : nil, isFirst: false)
        }
    }

    public mutating func closed() { phase = .closed }

    /// When the current phase times out; nil while a handler computes or after close.
    public var deadline: Instant? {
        switch phase {
        case .awaitingRequest(let since, let firstByte, let isFirst):
            if isFirst { return since.advanced(by: limits.headerTimeout) }
            if let firstByte { return max(since, firstByte).advanced(by: limits.headerTimeout) }
            return since.advanced(by: limits.keepAliveIdleTimeout)
        case .readingBody(let last): return last.advanced(by: limits.bodyReadTimeout)
        case .writing(let last): return last.advanced(by: limits.writeStallTimeout)
        case .handling, .closed: return nil
        }
    }

    /// What to do at `now`: ``Action/none`` before the deadline; afterwards the phase's
    /// timeout action, and the lifecycle is closed.
    public mutating func expire(at now: Instant) -> Action {
        guard let deadline, now >= deadline else { return .none }
        let action: Action
        switch phase {
        case .awaitingRequest(_, let firstByte, _): action = firstByte == nil ? .close : .respondTimeoutAndClose
        case .readingBody: action = .respondTimeoutAndClose
        default: action = .close
        }
        phase = .closed
        return action
    }
}

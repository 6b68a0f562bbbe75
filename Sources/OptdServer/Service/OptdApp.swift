import Dispatch
import Foundation
import OptimizerCore
import HTTP1

/// Builds and runs optd: the thin `main` calls `OptdApp.main`, tests call `OptdApp.start`.
public enum OptdApp {
    /// A started server.
    public struct Running: Sendable {
        public let service: OptdService
        public let server: HTTPServer
        public let port: Int
    }

    /// Starts serving in the background (/healthz answers at once, /readyz 503 until the
    /// sessions are restored), restores the sessions, starts the snapshot timer, and returns.
    public static func start(_ options: ServiceOptions) throws -> Running {
        try FileManager.default.createDirectory(atPath: options.dataDirectory, withIntermediateDirectories: true)
        let service = OptdService(options: options)
        let log = AccessLog.writer(options.logFormat), metrics = service.metrics
        let server = HTTPServer(configuration: .init(host: options.host, port: options.port, limits: options.limits,
                                                     accessLog: { record in metrics.observe(record); log(record) },
                                                     busyPoll: .microseconds(options.busyPollMicroseconds)),
                                router: service.router())
        metrics.observeBusyPolling { server.busyPollStats }
        let port = try server.start()
        try service.restore()
        service.markReady()
        startSnapshotTimer(service)
        return Running(service: service, server: server, port: port)
    }

    /// Every `--snapshot-interval` seconds, snapshots the sessions that changed.
    private static func startSnapshotTimer(_ service: OptdService) {
        guard service.options.snapshotInterval > 0 else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "optd.snapshots"))
        let interval = DispatchTimeInterval.milliseconds(Int(service.options.snapshotInterval * 1000))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { service.persistence?.snapshotAll(service.store) }
        timer.resume()
        timers.append(timer)
    }

    /// Graceful stop: refuse new work, let in-flight requests finish, snapshot every changed
    /// session, flush the journal.
    public static func stop(_ running: Running, grace: Double) {
        running.service.markShuttingDown()
        running.server.shutdown(gracePeriod: .milliseconds(Int(grace * 1000)))
        running.service.persistence?.snapshotAll(running.service.store)
        running.service.journal?.close()
        StandardErrorBuffer.shared.flush()
    }

    nonisolated(unsafe) private static var timers: [DispatchSourceTimer] = []

    /// `optd [options]` or `optd healthcheck`. Never returns while serving; exits 0 after a
    /// graceful SIGTERM/SIGINT shutdown.
    public static func main(_ arguments: [String], environment: [String: String]) -> Never {
        installStopSignalHandler()
        if arguments.first == "healthcheck" {
            exit(Healthcheck.run(Array(arguments.dropFirst()), environment: environment))
        }
        if arguments.contains("--help") || arguments.contains("-h") {
            print(ServiceOptions.usage)
            exit(0)
        }
        let options: ServiceOptions
        do {
            options = try ServiceOptions.parse(arguments, environment: environment)
        } catch {
            Log.message("\(error)\n\(ServiceOptions.usage)")
            exit(2)
        }
        Log.format = options.logFormat
        let running: Running
        do {
            running = try start(options)
        } catch {
            Log.message("cannot start: \(error)")
            exit(1)
        }
        // Handlers first: whoever reads the line below may send SIGTERM at once.
        handleSignals(running, grace: options.shutdownGrace)
        Log.message("kernels: \(InstructionSet.current.rawValue), threads per long step: \(KernelExecutor.maxThreads)")
        switch options.logFormat {
        case .text: Log.standardError("optd listening on \(options.host):\(running.port)\n")
        case .json:
            var w = JSONWriter(reservingCapacity: 128)
            w.raw("{\"time\":"); w.string(Timestamp.now().rfc3339)
            w.raw(",\"level\":\"info\",\"msg\":\"listening\",\"host\":"); w.string(options.host)
            w.raw(",\"port\":"); w.number(Double(running.port))
            w.raw("}\n")
            Log.standardError(String(decoding: w.bytes, as: UTF8.self))
        }
        dispatchMain()
    }

    /// SIGTERM and SIGINT get a real handler from the first line of `main`, installed
    /// synchronously, that writes the signal number into a pipe (the self-pipe trick: a write is
    /// async-signal-safe); one thread reads the pipe and stops the server. Whichever thread the
    /// kernel picks runs the handler, so no signal is lost or takes its default action. (A
    /// dispatch signal source registers asynchronously: a SIGTERM sent right after the listening
    /// line went missing.)
    nonisolated(unsafe) private static var signalPipe: [Int32] = [-1, -1]

    private static func installStopSignalHandler() {
        pipe(&signalPipe)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(OptdApp.signalPipe[1], &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGTERM, &action, nil)
        sigaction(SIGINT, &action, nil)
    }

    /// SIGTERM/SIGINT: stop taking work, let in-flight requests finish, exit 0.
    private static func handleSignals(_ running: Running, grace: Double) {
        let readEnd = signalPipe[0]
        let waiter = Thread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) != 1 {}
            stop(running, grace: grace)
            Log.message("stopped")
            exit(0)
        }
        waiter.name = "optd-signals"
        waiter.start()
    }
}

import Foundation
import Testing

/// The real `optd` binary, started on a free loopback port with a temporary data dir, and
/// stopped by its PID. Start-up is synchronised on its `optd listening on HOST:PORT` line.
final class OptdProcess: @unchecked Sendable {  // fields set once in init; stderr guarded by lock
    let process = Process()
    let port: Int
    let dataDirectory: URL
    private let log = LockedBox(Data())
    /// Signalled when stderr reaches end of file (the process and its pipe are done).
    private let stderrClosed = DispatchSemaphore(value: 0)

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The binary SwiftPM built beside the test bundle (or `OPTD_BINARY`).
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["OPTD_BINARY"] { return URL(fileURLWithPath: path) }
        var dir = Bundle.main.bundleURL
        if dir.pathExtension == "xctest" { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("optd")
    }

    /// Whether `stop()` removes the data directory (not when a test restarts on it).
    let ownsDataDirectory: Bool

    init(arguments: [String] = [], environment: [String: String] = [:], dataDirectory existing: URL? = nil) throws {
        ownsDataDirectory = existing == nil
        dataDirectory = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("optd-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        process.executableURL = Self.binary
        process.arguments = ["--host", "127.0.0.1", "--port", "0", "--data-dir", dataDirectory.path] + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let listening = DispatchSemaphore(value: 0)
        let found = LockedBox<Int?>(nil)
        let log = self.log, closed = stderrClosed
        let fd = pipe.fileHandleForReading.fileDescriptor
        try process.run()
        // A plain thread with blocking reads (not FileHandle.readabilityHandler, whose dispatch
        // source crashed the test process once under many concurrent pipes).
        Thread.detachNewThread {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                log.update { $0.append(contentsOf: chunk[..<n]) }
                if found.value == nil, let port = Self.listeningPort(in: String(decoding: log.value, as: UTF8.self)) {
                    found.value = port
                    listening.signal()
                }
            }
            listening.signal()
            closed.signal()
            withExtendedLifetime(pipe) {}
        }
        guard listening.wait(timeout: .now() + 30) == .success, let port = found.value else {
            process.terminate()
            throw Failure(description: "optd did not report its port; stderr: \(String(decoding: log.value, as: UTF8.self))")
        }
        self.port = port
    }

    var stderr: String { String(decoding: log.value, as: UTF8.self) }

    /// From `optd listening on HOST:PORT`, or the JSON record `{"msg":"listening",...,"port":N}`.
    static func listeningPort(in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.contains("\"msg\":\"listening\"") && line.hasSuffix("}") {
            guard let key = line.range(of: "\"port\":") else { continue }
            return Int(line[key.upperBound...].prefix { $0.isNumber })
        }
        guard let range = text.range(of: "optd listening on ") else { return nil }
        let line = text[range.upperBound...].prefix { $0 != "\n" }
        guard text[range.upperBound...].contains("\n"), let colon = line.lastIndex(of: ":") else { return nil }
        return Int(line[line.index(after: colon)...])
    }

    /// SIGTERM by PID; returns the exit status.
    @discardableResult
    func stop() -> Int32 { signalAndWait(SIGTERM) }

    /// kill -9 by PID (no cleanup, no snapshot); returns the exit status.
    @discardableResult
    func kill9() -> Int32 { signalAndWait(SIGKILL) }

    /// Waits for the process to end by itself (e.g. at an injected crash point).
    func waitForExit() -> Int32 {
        process.waitUntilExit()
        _ = stderrClosed.wait(timeout: .now() + 10)
        return process.terminationStatus
    }

    /// Waits (up to 10 s) until the captured stderr contains `text`: log lines reach the test
    /// through a pipe, after the answer that caused them may already have arrived.
    func waitForLog(_ text: String) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while !stderr.contains(text) {
            if Date() > deadline { return false }
            usleep(1000)
        }
        return true
    }

    private func signalAndWait(_ signal: Int32) -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            // Everything it wrote is in `stderr` once the pipe reports end of file.
            _ = stderrClosed.wait(timeout: .now() + 10)
        }
        if ownsDataDirectory { try? FileManager.default.removeItem(at: dataDirectory) }
        return process.terminationStatus
    }

    /// Removes the data directory (for tests that restart on their own one).
    static func removeDirectory(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    static func temporaryDataDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("optd-e2e-\(UUID().uuidString)")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    func client() throws -> HTTPTestClient { try HTTPTestClient(port: port) }
}

final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    init(_ value: T) { _value = value }
    var value: T {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
    func update(_ body: (inout T) -> Void) { lock.withLock { body(&_value) } }
}

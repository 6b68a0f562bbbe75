import Foundation
import Testing

/// `--busy-poll-us`: after answering, an event loop polls for the next request for that long
/// instead of sleeping. The answers must not depend on it; it must happen (the
/// `optd_http_busy_poll*` metrics count it), also again after a worker handed a connection back;
/// and it must stop: a server that has answered a stream of steps and then hears nothing uses
/// no CPU.
@Suite(.serialized) struct BusyPollTests {
    /// User plus system CPU time of process `pid` so far, in seconds (/proc/PID/stat fields 14, 15).
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name, which is in parentheses and may contain spaces.
        let fields = stat[stat.range(of: ")", options: .backwards)!.upperBound...].split(separator: " ")
        let ticks = Double(fields[11])! + Double(fields[12])!  // fields 14 and 15 of the whole line
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func polls(_ client: HTTPTestClient) throws -> (polls: Double, hits: Double) {
        let page = try Exposition(client.request("GET", "/metrics").text)
        return (page.value("optd_http_busy_polls_total"), page.value("optd_http_busy_poll_hits_total"))
    }

    static func step(_ client: HTTPTestClient, _ i: Int) throws -> [UInt8] {
        let gradient = "[\(Float(i) * 0.01),-0.25,\(Float(i % 7) - 3),1e-3]"
        let answer = try client.json("POST", "/v1/sessions/p/step", #"{"gradient":\#(gradient)}"#)
        #expect(answer.status == 200, "\(answer.status) \(answer.text)")
        return answer.body
    }

    /// Steps of a small Adam session from two connections in turn (each request arrives while
    /// the loop may be polling after the other's answer): the answers' bytes, and the polls
    /// counted by then.
    static func stepInTurns(_ optd: OptdProcess, steps: Int) throws -> (answers: [[UInt8]], polls: Double, hits: Double) {
        let first = try optd.client(), second = try optd.client()
        #expect(try first.json("POST", "/v1/sessions", #"{"id":"p","optimizer":"adam","params":[0.5,-1.25,2.0,3.5]}"#).status == 201)
        let answers = try (0..<steps).map { i in try step(i % 2 == 0 ? first : second, i) }
        let (polls, hits) = try Self.polls(first)
        return (answers, polls, hits)
    }

    @Test func answersAreTheSameWithPollingOffAndWithALongPoll() throws {
        let off = try OptdProcess(arguments: ["--busy-poll-us", "0"])
        let (offAnswers, offPolls, _) = try Self.stepInTurns(off, steps: 60)
        #expect(off.stop() == 0)
        let long = try OptdProcess(arguments: ["--busy-poll-us", "10000"])
        let (longAnswers, longPolls, longHits) = try Self.stepInTurns(long, steps: 60)
        #expect(long.stop() == 0)
        #expect(offAnswers.count == 60)
        #expect(offAnswers == longAnswers)
        #expect(String(decoding: longAnswers.last!, as: UTF8.self).contains(#""step":60"#))
        #expect(offPolls == 0)
        // Every answered step is followed by a poll (the last ones may still be polling when the
        // page is rendered); the next request came within 10 ms at least once.
        #expect(longPolls >= 50, "\(longPolls) polls")
        #expect(longHits >= 1 && longHits <= longPolls, "\(longHits) hits of \(longPolls) polls")
    }

    @Test func pollingResumesAfterAWorkerHandsTheConnectionBack() throws {
        let optd = try OptdProcess(arguments: ["--busy-poll-us", "10000", "--snapshot-interval", "0"])
        defer { #expect(optd.stop() == 0) }
        let client = try optd.client()
        #expect(try client.json("POST", "/v1/sessions", #"{"id":"p","optimizer":"adam","params":[0.5,-1.25,2.0,3.5]}"#).status == 201)
        // A snapshot runs on a worker, which owns the connection meanwhile; the loop does not
        // poll during that, and must again once the worker hands the connection back.
        #expect(try client.request("POST", "/v1/sessions/p/snapshot").status == 200)
        let before = try Self.polls(client)
        for i in 0..<20 { _ = try Self.step(client, i) }
        let after = try Self.polls(client)
        #expect(after.polls - before.polls >= 20, "\(after.polls - before.polls) polls in 20 steps")
    }

    @Test func aServerThatHearsNothingAfterAStreamOfStepsUsesNoCPU() throws {
        // The longest poll allowed (10 ms): a loop that kept polling would use the whole second.
        let optd = try OptdProcess(arguments: ["--busy-poll-us", "10000"])
        defer { #expect(optd.stop() == 0) }
        _ = try Self.stepInTurns(optd, steps: 200)
        let pid = optd.process.processIdentifier
        let before = try Self.cpuSeconds(pid)
        usleep(1_000_000)  // the span observed, not a wait for something to happen
        let used = try Self.cpuSeconds(pid) - before
        #expect(used < 0.1, "optd used \(used) s of CPU in a second without requests")
    }

    @Test(arguments: ["-1", "10001", "fifty", ""])
    func anOutOfRangeValueIsRefusedAtStart(_ value: String) throws {
        let data = OptdProcess.temporaryDataDirectory()
        defer { OptdProcess.removeDirectory(data) }
        for (arguments, environment) in [(["--busy-poll-us", value], [:]), ([], ["OPTD_BUSY_POLL_US": value])] {
            let process = Process()
            process.executableURL = OptdProcess.binary
            process.arguments = ["--port", "0", "--data-dir", data.path] + arguments
            process.environment = environment
            let stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            let exited = DispatchSemaphore(value: 0)
            process.terminationHandler = { _ in exited.signal() }
            try process.run()
            // A value wrongly accepted starts a server that would never exit by itself.
            if exited.wait(timeout: .now() + 10) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                Issue.record("optd started with \(arguments) \(environment)")
            }
            let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 2, "\(arguments) \(environment): \(text)")
            #expect(text.contains("--busy-poll-us must be an integer in 0...10000, got \(value)"), "\(text)")
        }
    }
}

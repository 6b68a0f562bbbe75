/// Flags and their `OPTD_*` environment equivalents (SPEC §6). A flag beats the environment;
/// both beat the default. `--name value` and `--name=value` are both accepted.
extension ServiceOptions {
    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    /// One option: its flag, what it sets, and a line of help.
    struct Option: Sendable {
        let flag: String
        let help: String
        let apply: @Sendable (inout ServiceOptions, String) throws(ParseError) -> Void

        var environmentName: String {
            "OPTD_" + String(flag.dropFirst(2).uppercased().map { $0 == "-" ? "_" : $0 })
        }
    }

    static let table: [Option] = [
        Option(flag: "--host", help: "address to listen on (default 0.0.0.0)") { o, v in o.host = v },
        Option(flag: "--port", help: "port; 0 binds a free one (default 8080)") { o, v throws(ParseError) in
            o.port = try int(v, "--port", 0...65535)
        },
        Option(flag: "--data-dir", help: "where snapshots live (default ./data)") { o, v in o.dataDirectory = v },
        Option(flag: "--snapshot-interval", help: "seconds between snapshots of changed sessions; 0 = off (default 10)") { o, v throws(ParseError) in
            o.snapshotInterval = try seconds(v, "--snapshot-interval")
        },
        Option(flag: "--wal", help: "journal: always | everysec | off (default off)") { o, v throws(ParseError) in
            guard let mode = WALMode(rawValue: v) else { throw ParseError(description: "--wal must be always, everysec or off, got \(v)") }
            o.wal = mode
        },
        Option(flag: "--auth-token", help: "require Authorization: Bearer <token> (all routes but /healthz, /readyz)") { o, v throws(ParseError) in
            guard !v.isEmpty else { throw ParseError(description: "--auth-token must not be empty") }
            o.authToken = v
        },
        Option(flag: "--public-metrics", help: "true: /metrics needs no token even with --auth-token (default false)") { o, v throws(ParseError) in
            guard let value = Bool(v) else { throw ParseError(description: "--public-metrics must be true or false, got \(v)") }
            o.publicMetrics = value
        },
        Option(flag: "--log-format", help: "text | json (default text)") { o, v throws(ParseError) in
            guard let format = LogFormat(rawValue: v) else { throw ParseError(description: "--log-format must be text or json, got \(v)") }
            o.logFormat = format
        },
        Option(flag: "--max-body-bytes", help: "request body limit, 413 beyond (default 1073741824)") { o, v throws(ParseError) in
            o.limits.maxBodyBytes = try int(v, "--max-body-bytes", 4...(1 << 40))
        },
        Option(flag: "--max-inflight-body-bytes", help: "request-body bytes in flight across connections, 503 beyond (default 2147483648)") { o, v throws(ParseError) in
            o.limits.maxInFlightBodyBytes = try int(v, "--max-inflight-body-bytes", 1...(1 << 42))
        },
        Option(flag: "--max-header-bytes", help: "header block limit, 431 beyond (default 16384)") { o, v throws(ParseError) in
            o.limits.maxHeaderBytes = try int(v, "--max-header-bytes", 256...(1 << 20))
        },
        Option(flag: "--max-request-line-bytes", help: "request line limit, 414 beyond (default 8192)") { o, v throws(ParseError) in
            o.limits.maxRequestLineBytes = try int(v, "--max-request-line-bytes", 64...(1 << 20))
        },
        Option(flag: "--max-header-fields", help: "header fields per request, 431 beyond (default 100)") { o, v throws(ParseError) in
            o.limits.maxHeaderFields = try int(v, "--max-header-fields", 1...10_000)
        },
        Option(flag: "--max-connections", help: "open connections (default 1024)") { o, v throws(ParseError) in
            o.limits.maxConnections = try int(v, "--max-connections", 1...1_000_000)
        },
        Option(flag: "--header-timeout", help: "seconds to receive a request head (default 10)") { o, v throws(ParseError) in
            o.limits.headerTimeout = .milliseconds(Int(try seconds(v, "--header-timeout", positive: true) * 1000))
        },
        Option(flag: "--body-timeout", help: "seconds allowed between body reads (default 30)") { o, v throws(ParseError) in
            o.limits.bodyReadTimeout = .milliseconds(Int(try seconds(v, "--body-timeout", positive: true) * 1000))
        },
        Option(flag: "--keepalive-timeout", help: "seconds an idle connection stays open (default 60)") { o, v throws(ParseError) in
            o.limits.keepAliveIdleTimeout = .milliseconds(Int(try seconds(v, "--keepalive-timeout", positive: true) * 1000))
        },
        Option(flag: "--write-timeout", help: "seconds a response write may stall (default 60)") { o, v throws(ParseError) in
            o.limits.writeStallTimeout = .milliseconds(Int(try seconds(v, "--write-timeout", positive: true) * 1000))
        },
        Option(flag: "--shutdown-grace", help: "seconds in-flight requests get on SIGTERM (default 8)") { o, v throws(ParseError) in
            o.shutdownGrace = try seconds(v, "--shutdown-grace")
        },
        Option(flag: "--busy-poll-us", help: "microseconds to poll for the next request before sleeping; 0 = off (default 50)") { o, v throws(ParseError) in
            o.busyPollMicroseconds = try int(v, "--busy-poll-us", 0...10_000)
        },
    ]

    /// Options from `arguments` (without the program name) over `environment`.
    public static func parse(_ arguments: [String], environment: [String: String]) throws(ParseError) -> ServiceOptions {
        var options = ServiceOptions()
        for option in table {
            if let value = environment[option.environmentName] { try option.apply(&options, value) }
        }
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            var name = argument, value: String?
            if let eq = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<eq])
                value = String(argument[argument.index(after: eq)...])
            }
            guard let option = table.first(where: { $0.flag == name }) else {
                throw ParseError(description: "unknown option \(argument); see optd --help")
            }
            if value == nil {
                i += 1
                guard i < arguments.count else { throw ParseError(description: "\(name) needs a value") }
                value = arguments[i]
            }
            try option.apply(&options, value!)
            i += 1
        }
        return options
    }

    public static var usage: String {
        var lines = ["usage: optd [options]        serve the optd API",
                     "       optd healthcheck [--port P] [--host H]   exit 0 if a local optd answers /healthz", "",
                     "options (each also as an environment variable):"]
        for option in table {
            let padded = option.flag + String(repeating: " ", count: max(1, 26 - option.flag.count))
            lines.append("  \(padded)\(option.help)  [\(option.environmentName)]")
        }
        return lines.joined(separator: "\n")
    }

    private static func int(_ text: String, _ flag: String, _ range: ClosedRange<Int>) throws(ParseError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw ParseError(description: "\(flag) must be an integer in \(range.lowerBound)...\(range.upperBound), got \(text)")
        }
        return value
    }

    /// Seconds up to a day: timeouts and intervals longer than that are mistakes.
    private static func seconds(_ text: String, _ flag: String, positive: Bool = false) throws(ParseError) -> Double {
        guard let value = Double(text), value.isFinite, positive ? value > 0 : value >= 0, value <= 86_400 else {
            throw ParseError(description: "\(flag) must be a \(positive ? "positive" : "non-negative") number of seconds up to 86400, got \(text)")
        }
        return value
    }
}

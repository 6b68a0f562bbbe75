// A tiny server on HTTP1 for the benchmark (benchmarks/http1/run):
//   GET  /4k   → 4096 bytes
//   POST /echo → the request body back
// Flags: --host (default 127.0.0.1), --port (default 8080; 0 picks a free one), --busy-poll-us
// (default 50, as optd; 0 = off; at most 10000).
// Prints `listening on HOST:PORT` to stderr when ready; SIGTERM/SIGINT shut it down gracefully.
import Dispatch
import Foundation
import HTTP1

var host = "127.0.0.1"
var port = 8080
var busyPoll = HTTPServer.Configuration.suggestedBusyPoll
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    switch flag {
    case "--host": host = arguments.next() ?? host
    case "--port": port = arguments.next().flatMap(Int.init) ?? port
    case "--busy-poll-us":
        guard let value = arguments.next().flatMap(Int.init), (0...10_000).contains(value) else {
            FileHandle.standardError.write(Data("http1-echo: --busy-poll-us needs an integer in 0...10000\n".utf8))
            exit(2)
        }
        busyPoll = .microseconds(value)
    default:
        FileHandle.standardError.write(Data("usage: http1-echo [--host H] [--port P] [--busy-poll-us N]\n".utf8))
        exit(2)
    }
}

let fourKiB = [UInt8](repeating: UInt8(ascii: "a"), count: 4096)
var router = Router()
// Neither route waits, so both may run on the event loop (an echo of a large body, which is
// not buffered before the handler, still runs on a worker).
let inline: Router.InlinePredicate = { _ in true }
router.on(.get, "/4k", runsInline: inline) { _, _, response in
    try response.respond(.ok, headers: ["Content-Type": "text/plain"], body: fourKiB)
}
router.on(.post, "/echo", runsInline: inline) { _, body, response in
    let bytes = try body.readAll(limit: 64 << 20)
    try response.respond(.ok, headers: ["Content-Type": "application/octet-stream"], body: bytes)
}

let server = HTTPServer(configuration: .init(host: host, port: port, busyPoll: busyPoll), router: router)
do {
    let bound = try server.start()
    FileHandle.standardError.write(Data("listening on \(host):\(bound)\n".utf8))
} catch {
    FileHandle.standardError.write(Data("http1-echo: \(error)\n".utf8))
    exit(1)
}

signal(SIGTERM, SIG_IGN)
signal(SIGINT, SIG_IGN)
let signals = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: .main) }
for source in signals {
    source.setEventHandler {
        server.shutdown(gracePeriod: .seconds(5))
        exit(0)
    }
    source.resume()
}
dispatchMain()

import Foundation
import OptdServer

// optd: the optimizer service. Flags and environment: `optd --help`; everything else lives in
// OptdServer so the tests build the same server.
OptdApp.main(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)

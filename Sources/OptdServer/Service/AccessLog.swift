import HTTP1

/// One line per answered request on stderr (SPEC §6): method, path, status, bytes, duration and
/// request id, as text or as one JSON object per line (`--log-format`), written in batches
/// within 100 ms (``StandardErrorBuffer``). Bodies and headers, and
/// so the auth token, never appear.
enum AccessLog {
    static func writer(_ format: ServiceOptions.LogFormat) -> @Sendable (AccessRecord) -> Void {
        { record in StandardErrorBuffer.shared.append(line(record, format)) }
    }

    static func line(_ r: AccessRecord, _ format: ServiceOptions.LogFormat) -> String {
        let milliseconds = Double(r.durationNanoseconds) / 1e6
        let duration = String(Int((milliseconds * 1000).rounded())) // µs, integer: no locale, no float formatting
        switch format {
        case .text:
            return "\(Timestamp.now().rfc3339) \(r.method) \(r.target) \(r.status) in=\(r.bytesIn) out=\(r.bytesOut) \(duration)us id=\(r.requestID)\n"
        case .json:
            var w = JSONWriter(reservingCapacity: 256)
            w.raw("{\"time\":"); w.string(Timestamp.now().rfc3339)
            w.raw(",\"level\":\"info\",\"msg\":\"request\",\"method\":"); w.string(r.method)
            w.raw(",\"path\":"); w.string(r.target)
            w.raw(",\"route\":"); if let route = r.route { w.string(route) } else { w.raw("null") }
            w.raw(",\"status\":"); w.number(Double(r.status))
            w.raw(",\"bytes_in\":"); w.number(Double(r.bytesIn))
            w.raw(",\"bytes_out\":"); w.number(Double(r.bytesOut))
            w.raw(",\"duration_ms\":"); w.number(milliseconds)
            w.raw(",\"request_id\":"); w.string(r.requestID)
            w.raw("}\n")
            return String(decoding: w.bytes, as: UTF8.self)
        }
    }
}

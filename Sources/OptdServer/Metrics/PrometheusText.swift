/// Builds a page in the Prometheus text exposition format 0.0.4: `# HELP` and `# TYPE` once per
/// family, then `name{label="value",...} number` lines.
struct PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private(set) var text = ""

    init() { text.reserveCapacity(8192) }

    mutating func family(_ name: String, type: String, help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (i, (key, labelValue)) in labels.enumerated() {
                if i > 0 { text += "," }
                text += "\(key)=\"\(Self.escapeLabel(labelValue))\""
            }
            text += "}"
        }
        text += " \(value)\n"
    }

    mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: UInt64) {
        sample(name, labels: labels, String(value))
    }

    mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Double) {
        sample(name, labels: labels, Self.number(value))
    }

    /// One histogram: cumulative `_bucket` lines ending with `le="+Inf"` (equal to `_count`),
    /// then `_sum` and `_count`.
    mutating func histogram(_ name: String, labels: [(String, String)] = [], _ counts: HistogramCounts, _ buckets: HistogramBuckets) {
        var cumulative: UInt64 = 0
        for (i, bound) in buckets.bounds.enumerated() {
            cumulative += counts.buckets[i]
            sample(name + "_bucket", labels: labels + [("le", Self.number(bound))], cumulative)
        }
        cumulative += counts.buckets[buckets.bounds.count]
        sample(name + "_bucket", labels: labels + [("le", "+Inf")], cumulative)
        sample(name + "_sum", labels: labels, Double(counts.sumNanoseconds) / 1e9)
        sample(name + "_count", labels: labels, cumulative)
    }

    /// Whole numbers as integers (`12`, `le="10"`); others in Swift's shortest round-trip form
    /// (`0.00025`, `1e-05`), which Go's and Python's float parsers read.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 0x1p53 { return String(Int64(value)) }
        return value.description
    }

    /// Label values escape `\`, `"` and newlines; HELP text escapes `\` and newlines.
    static func escapeLabel(_ value: String) -> String { escape(value, quote: true) }
    static func escapeHelp(_ value: String) -> String { escape(value, quote: false) }

    private static func escape(_ value: String, quote: Bool) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\n" || (quote && $0 == "\"") }) else { return value }
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quote: out += "\\\""
            default: out.append(c)
            }
        }
        return out
    }
}

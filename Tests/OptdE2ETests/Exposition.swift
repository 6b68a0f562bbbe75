import Foundation

/// A Prometheus text-format (0.0.4) page read back: each sample by name and labels, and each
/// family's `# TYPE`. Malformed lines fail the parse, so the tests check the format too.
struct Exposition {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible { var description: String }

    var samples: [Sample] = []
    var types: [String: String] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4 else { throw Malformed(description: String(line)) }
                guard types.updateValue(String(parts[3]), forKey: String(parts[2])) == nil else {
                    throw Malformed(description: "TYPE twice: \(line)")
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...].replacingOccurrences(of: "Inf", with: "inf")) else {
                throw Malformed(description: String(line))
            }
            let series = line[..<space]
            var sample = Sample(name: String(series), labels: [:], value: value)
            if let brace = series.firstIndex(of: "{") {
                guard series.hasSuffix("}") else { throw Malformed(description: String(line)) }
                sample.name = String(series[..<brace])
                sample.labels = try Self.labels(series[series.index(after: brace)..<series.index(before: series.endIndex)])
            }
            guard types.keys.contains(where: { sample.name == $0 || sample.name.hasPrefix($0 + "_") }) else {
                throw Malformed(description: "sample before its # TYPE: \(line)")
            }
            samples.append(sample)
        }
    }

    private static func labels(_ text: Substring) throws -> [String: String] {
        var labels: [String: String] = [:]
        var rest = text
        while !rest.isEmpty {
            guard let eq = rest.firstIndex(of: "="), rest[rest.index(after: eq)] == "\"" else { throw Malformed(description: String(text)) }
            let key = String(rest[..<eq])
            var value = "", i = rest.index(eq, offsetBy: 2), closed = false
            while i < rest.endIndex {
                let c = rest[i]
                if c == "\\" {
                    i = rest.index(after: i)
                    value.append(rest[i] == "n" ? "\n" : rest[i])
                } else if c == "\"" {
                    closed = true
                    break
                } else {
                    value.append(c)
                }
                i = rest.index(after: i)
            }
            guard closed else { throw Malformed(description: String(text)) }
            labels[key] = value
            rest = rest[rest.index(after: i)...]
            if rest.hasPrefix(",") { rest = rest.dropFirst() }
        }
        return labels
    }

    /// The value of the one sample with this name and exactly these labels (0 when absent: a
    /// counter that never moved has no labelled series yet).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.first { $0.name == name && $0.labels == labels }?.value ?? 0
    }

    func has(_ name: String, _ labels: [String: String] = [:]) -> Bool {
        samples.contains { $0.name == name && $0.labels == labels }
    }

    /// Every histogram series: `le` buckets non-decreasing, ending at `+Inf` equal to `_count`.
    func histogramProblems() -> [String] {
        var problems: [String] = []
        for (family, type) in types where type == "histogram" {
            let buckets = samples.filter { $0.name == family + "_bucket" }
            let series = Set(buckets.map { $0.labels.filter { $0.key != "le" } })
            for labels in series {
                let mine = buckets.filter { $0.labels.filter { $0.key != "le" } == labels }
                let bounds = mine.map { Double($0.labels["le"]!.replacingOccurrences(of: "Inf", with: "inf")) ?? .nan }
                if bounds != bounds.sorted() || bounds.last != .infinity { problems.append("\(family)\(labels): le \(bounds)") }
                if mine.map(\.value) != mine.map(\.value).sorted() { problems.append("\(family)\(labels): buckets decrease") }
                if mine.last?.value != value(family + "_count", labels) { problems.append("\(family)\(labels): +Inf != _count") }
                if !has(family + "_sum", labels) { problems.append("\(family)\(labels): no _sum") }
            }
        }
        return problems
    }
}

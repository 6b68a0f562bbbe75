import HTTP1

/// The two ways a vector travels (SPEC §3): a JSON array of numbers, or little-endian IEEE-754
/// float32 with no framing.
enum VectorRepresentation: Equatable {
    case json
    case raw

    var contentType: String {
        switch self {
        case .json: "application/json"
        case .raw: "application/octet-stream"
        }
    }

    /// The representation of a request body, from its `Content-Type` (parameters such as
    /// `charset=utf-8` ignored). Anything else, or none, is 415.
    static func ofRequest(_ headers: HTTPHeaders) throws(ServiceError) -> VectorRepresentation {
        guard let value = headers["Content-Type"] else { throw .unsupportedMediaType(nil) }
        // The exact spellings clients send, without building a lowercased copy (every step).
        if value == "application/octet-stream" { return .raw }
        if value == "application/json" { return .json }
        switch mediaType(value) {
        case "application/json": return .json
        case "application/octet-stream": return .raw
        default: throw .unsupportedMediaType(value)
        }
    }

    /// Requires a JSON body (documents such as create and PATCH); anything else is 415.
    static func requireJSON(_ headers: HTTPHeaders) throws(ServiceError) {
        guard let value = headers["Content-Type"], mediaType(value) == "application/json" else {
            throw .unsupportedMediaType(headers["Content-Type"])
        }
    }

    /// The answer's representation: what `Accept` prefers; with no `Accept`, or one that rates
    /// both equally (`*/*`), the request's own; with neither, JSON. 406 when `Accept` allows
    /// neither.
    static func ofAnswer(accept: String?, request: VectorRepresentation?) throws(ServiceError) -> VectorRepresentation {
        guard let accept, !accept.allSatisfy({ $0 == " " || $0 == "\t" }) else { return request ?? .json }
        let json = quality(of: "application/json", in: accept)
        let raw = quality(of: "application/octet-stream", in: accept)
        if json == 0 && raw == 0 { throw .notAcceptable(accept) }
        if json == raw { return request ?? .json }
        return json > raw ? .json : .raw
    }

    static func mediaType(_ value: String) -> String {
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return type.trimmingCharacters(in: " \t").lowercased()
    }

    /// The q-value `accept` gives `type` (RFC 9110 §12.5.1): the most specific matching range
    /// wins; no matching range means 0.
    static func quality(of type: String, in accept: String) -> Double {
        let major = type.split(separator: "/")[0]
        var best: (specificity: Int, q: Double) = (-1, 0)
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: " \t").lowercased() }
            guard let media = parts.first, !media.isEmpty else { continue }
            let specificity: Int
            if media == type { specificity = 2 }
            else if media == "\(major)/*" { specificity = 1 }
            else if media == "*/*" { specificity = 0 }
            else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                q = Double(parameter.dropFirst(2)).map { min(max($0, 0), 1) } ?? 1
            }
            if specificity > best.specificity { best = (specificity, q) }
        }
        return best.q
    }
}

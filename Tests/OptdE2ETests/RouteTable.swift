import Foundation

/// Every operation of openapi.yaml — the documented route table — read with a few lines of
/// parsing (paths at two spaces, methods at four), with HEAD added wherever GET exists (the
/// server answers HEAD with GET's handler). Routes other work adds to openapi.yaml are covered
/// by the tests that iterate this table without editing them.
struct RouteTable {
    struct Route: CustomStringConvertible {
        var method: String
        var template: String
        /// `security: []` on the operation: no token needed.
        var isPublic: Bool
        var description: String { "\(method) \(template)" }

        /// The template with every `{parameter}` replaced by `value`.
        func path(_ value: String) -> String {
            var path = "", inParameter = false
            for c in template {
                if c == "{" { inParameter = true; path += value } else if c == "}" { inParameter = false } else if !inParameter { path.append(c) }
            }
            return path
        }
    }

    static var openAPI: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("openapi.yaml")
    }

    static func load() throws -> [Route] {
        let text = try String(contentsOf: openAPI, encoding: .utf8)
        var routes: [Route] = []
        var inPaths = false, template: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty { inPaths = line.hasPrefix("paths:"); template = nil; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                template = String(line.dropFirst(2).dropLast())
            } else if let template, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(method) {
                    routes.append(Route(method: method, template: template, isPublic: false))
                }
            } else if line.hasPrefix("      security: []"), !routes.isEmpty {
                routes[routes.count - 1].isPublic = true
            }
        }
        for route in routes where route.method == "GET" && !routes.contains(where: { $0.method == "HEAD" && $0.template == route.template }) {
            routes.append(Route(method: "HEAD", template: route.template, isPublic: route.isPublic))
        }
        return routes
    }
}

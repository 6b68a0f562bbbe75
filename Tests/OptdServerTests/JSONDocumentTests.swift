import Testing
@testable import OptdServer
@testable import OptimizerCore

func parseDocument(_ text: String) throws -> ConfigValue {
    var bytes = Array(text.utf8)
    return try bytes.withUnsafeMutableBytes { raw in
        var reader = JSONReader(UnsafeRawBufferPointer(raw))
        let value = try reader.readValue()
        try reader.expectEnd()
        return value
    }
}

func render(_ value: ConfigValue, keyOrder: [String] = []) -> String {
    var writer = JSONWriter()
    writer.value(value, keyOrder: keyOrder)
    return String(decoding: writer.bytes, as: UTF8.self)
}

@Suite struct JSONDocumentTests {
    @Test func readsNestedDocuments() throws {
        let value = try parseDocument(#"{"id": "run-1", "optimizer": {"name": "adam", "learning_rate": 0.01}, "size": 3, "ok": true, "x": null, "a": [1, "b"]}"#)
        #expect(value == ["id": "run-1", "optimizer": ["name": "adam", "learning_rate": 0.01], "size": 3, "ok": true,
                          "x": nil, "a": [1, "b"]])
    }

    @Test func stringEscapesAndUnicode() throws {
        #expect(try parseDocument(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
        #expect(try parseDocument("\"é\"") == .string("é"))
    }

    @Test(arguments: [
        #"{"a": 1, "a": 2}"#,          // duplicate keys
        #"{"a": 1,}"#, #"{a: 1}"#, #"{"a" 1}"#, #"[1,]"#, #"tru"#, #"nul"#, #""abc"#,
        "\"a\u{01}b\"",                 // raw control character
        #""\ud800""#, #""\udc00x""#, #""\x""#, #""\u12""#,
        "1e400",                        // beyond double
        "{} {}", "// c\n{}", "NaN", "-Infinity",
    ])
    func malformedDocumentsAreRejected(_ text: String) {
        #expect(throws: JSONDecodeError.self, "\(text)") { try parseDocument(text) }
    }

    @Test func invalidUTF8IsRejected() {
        var bytes: [UInt8] = Array("\"a".utf8) + [0xFF, 0xFE] + Array("\"".utf8)
        #expect(throws: JSONDecodeError.self) {
            try bytes.withUnsafeMutableBytes { raw in
                var reader = JSONReader(UnsafeRawBufferPointer(raw))
                _ = try reader.readValue()
            }
        }
    }

    @Test func nestingIsBounded() throws {
        _ = try parseDocument(String(repeating: "[", count: 60) + String(repeating: "]", count: 60))
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONDecodeError.self) { try parseDocument(deep) }
    }

    @Test func writesDocumentsThatReadBack() throws {
        let value: ConfigValue = ["id": "a\"b\n", "step": 5, "lr": 0.001, "tiny": 1e-7, "big": 1e300, "flag": false, "none": nil,
                                  "list": [1.5, -2]]
        #expect(try parseDocument(render(value)) == value)
        #expect(render(["step": 5, "b": 1, "a": 2], keyOrder: ["step"]) == #"{"step":5,"a":2,"b":1}"#)
        #expect(render(["n": 1e-7]) == #"{"n":1e-07}"#)
    }
}

@testable import AnimeRecServer
import Testing

@Suite("Strict JSON validation of request bodies")
struct StrictJSONTests {
    @Test(arguments: [
        #"{}"#, #"[]"#, #"{"a": 1, "b": [true, false, null, -0.5e+3, "x\"y\u00e9"]}"#, " \n{\"a\":{\"a\":1}} ", #""s""#, "0",
    ])
    func acceptsValidJSON(text: String) throws {
        try StrictJSON.validate(Array(text.utf8))
    }

    @Test(arguments: [
        (#"{"a": 1,}"#, "trailing comma in object"),
        (#"[1,]"#, "trailing comma in array"),
        (#"{"a": 1, "a": 2}"#, "duplicate key \"a\""),
        (#"{"a": 1} x"#, "unexpected text after the JSON value"),
        (#"{"a" 1}"#, "expected ':' after a key"),
        (#"{'a': 1}"#, "expected a string key"),
        (#"01"#, "unexpected text after the JSON value"),
        (#"[1.]"#, "invalid number"),
        (#""\x""#, "invalid escape in string"),
        (#"{"a": tru}"#, "invalid literal"),
        (#"{"a": "#, "unexpected end of JSON"),
        (String(repeating: "[", count: 40) + String(repeating: "]", count: 40), "JSON nested too deeply"),
    ])
    func refusesWithAReason(text: String, message: String) {
        #expect(throws: StrictJSON.Violation.self) { try StrictJSON.validate(Array(text.utf8)) }
        do {
            try StrictJSON.validate(Array(text.utf8))
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func duplicateKeysInNestedObjectsAreRefusedAndOffsetsPointAtThem() {
        do {
            try StrictJSON.validate(Array(#"{"a": {"b": 1, "b": 2}}"#.utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.offset == 15)
        }
    }
}

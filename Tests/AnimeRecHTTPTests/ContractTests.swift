import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every limit and default `/openapi.json` documents, held to what the server does: each bound
/// accepted, one past it refused with 400 naming the parameter, each default answering exactly as
/// the parameter given at its default, and a parameter the document does not name refused.
@Suite("The documented limits and defaults are the server's")
struct ContractTests {
    struct Probe: CustomStringConvertible {
        var uri: String
        var accepted: Bool
        var parameter: String
        var description: String { "\(uri) should be \(accepted ? "accepted" : "refused (\(parameter))")" }
    }

    /// The optional query parameters of every GET operation, with the URI to try them on: its
    /// required parameters given a valid value (ten anime ids 30 apart for a list of ids, so that a
    /// session's recall has more titles than any default limit on the 300-title catalogue).
    static func operations(_ document: [String: Any]) throws -> [(uri: String, parameters: [[String: Any]])] {
        try operationsWithRequired(document).map { ($0.uri, $0.parameters) }
    }

    static func operationsWithRequired(
        _ document: [String: Any]
    ) throws -> [(uri: String, parameters: [[String: Any]], path: String, required: [[String: Any]])] {
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: [(String, [[String: Any]], String, [[String: Any]])] = []
        for (path, methods) in paths.sorted(by: { $0.key < $1.key }) {
            guard let get = methods["get"] as? [String: Any] else { continue }
            let query = (get["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "query" }
            let required = query.filter { $0["required"] as? Bool == true }
            let bare = path.replacingOccurrences(of: "{user_id}", with: "10").replacingOccurrences(of: "{anime_id}", with: "1")
            let given = required.map { "\($0["name"] as? String ?? "")=" + stride(from: 1, to: 300, by: 30).map(String.init).joined(separator: ",") }
            let uri = given.isEmpty ? bare : bare + "?" + given.joined(separator: "&")
            operations.append((uri, query.filter { $0["required"] as? Bool != true }, bare, required))
        }
        return operations
    }

    /// `uri` with `query` appended.
    static func adding(_ query: String, to uri: String) -> String {
        uri + (uri.contains("?") ? "&" : "?") + query
    }

    /// What to send for each documented bound of `parameter`, and whether the server must take it.
    static func probes(_ uri: String, _ parameter: [String: Any]) -> [Probe] {
        let name = parameter["name"] as? String ?? ""
        let schema = parameter["schema"] as? [String: Any] ?? [:]
        func probe(_ values: [String], _ accepted: Bool) -> Probe {
            Probe(uri: adding(values.map { "\(name)=\($0)" }.joined(separator: "&"), to: uri), accepted: accepted, parameter: name)
        }
        func text(_ count: Int) -> String { String(repeating: "a", count: count) }
        var probes: [Probe] = []
        // A parameter that is not a list is refused when given twice, even with a valid value.
        let valid: String? = switch schema["type"] as? String {
        case "integer": "\(schema["minimum"] as? Int ?? 0)"
        case "number": "\(schema["minimum"] as? Double ?? 0)"
        case "boolean": "true"
        case "string": (schema["enum"] as? [String])?.first ?? "a"
        default: nil
        }
        if let valid { probes.append(probe([valid, valid], false)) }
        switch schema["type"] as? String {
        case "integer":
            let minimum = schema["minimum"] as? Int ?? 0, maximum = schema["maximum"] as? Int ?? 0
            probes += [probe(["\(minimum)"], true), probe(["\(maximum)"], true), probe(["\(maximum + 1)"], false), probe(["x"], false)]
            if minimum > 0 { probes.append(probe(["\(minimum - 1)"], false)) }
        case "number":
            let minimum = schema["minimum"] as? Double ?? 0, maximum = schema["maximum"] as? Double ?? 0
            probes += [
                probe(["\(minimum)"], true), probe(["\(maximum)"], true), probe(["\(maximum + 0.5)"], false),
                probe(["\(minimum - 0.5)"], false), probe(["nan"], false),
            ]
        case "boolean":
            probes += [probe(["true"], true), probe(["false"], true), probe(["maybe"], false)]
        case "string":
            if let values = schema["enum"] as? [String] {
                probes += values.map { probe([$0], true) } + [probe(["nonsense"], false)]
            } else {
                let maximum = schema["maxLength"] as? Int ?? 0
                probes += [probe([text(maximum)], true), probe([text(maximum + 1)], false)]
                if let minimum = schema["minLength"] as? Int, minimum > 0 { probes.append(probe([text(minimum - 1)], false)) }
            }
        case "array":
            let maxItems = schema["maxItems"] as? Int ?? 0
            let items = schema["items"] as? [String: Any] ?? [:]
            if items["type"] as? String == "integer" {
                let ids = (0..<maxItems).map(String.init), more = (0...maxItems).map(String.init)
                probes += [probe([ids.joined(separator: ",")], true), probe([more.joined(separator: ",")], false), probe(["1,x"], false)]
            } else {
                let maximum = items["maxLength"] as? Int ?? 0
                probes += [
                    probe(Array(repeating: "Action", count: maxItems), true), probe(Array(repeating: "Action", count: maxItems + 1), false),
                    probe([text(maximum)], true), probe([text(maximum + 1)], false), probe([""], false),
                ]
            }
        default:
            Issue.record("\(uri): \(name) has a schema this test does not know: \(schema)")
        }
        return probes
    }

    @Test func everyDocumentedBoundIsTheServers() async throws {
        try await Fixture.withApp { client in
            let document = try await OpenAPITests.document(client)
            var probed = 0
            for (uri, parameters) in try Self.operations(document) {
                for parameter in parameters {
                    for probe in Self.probes(uri, parameter) {
                        probed += 1
                        let response = try await client.send(uri: probe.uri, method: .get)
                        if probe.accepted {
                            #expect(response.status != .badRequest, "\(probe)")
                        } else {
                            #expect(response.status == .badRequest, "\(probe)")
                            #expect(String(buffer: response.body).contains(probe.parameter), "\(probe): the error names it")
                        }
                    }
                }
                guard !parameters.isEmpty else { continue }
                let unknown = try await client.send(uri: Self.adding("not_documented=1", to: uri), method: .get)
                #expect(unknown.status == .badRequest, "\(uri) takes a parameter the document does not name")
            }
            // A required parameter: its bounds on the path alone, and refused when missing.
            for (_, _, path, required) in try Self.operationsWithRequired(document) {
                for parameter in required {
                    let name = parameter["name"] as? String ?? ""
                    for probe in Self.probes(path, parameter) {
                        probed += 1
                        let response = try await client.send(uri: probe.uri, method: .get)
                        #expect((response.status == .badRequest) != probe.accepted, "\(probe)")
                    }
                    let missing = try await client.send(uri: path, method: .get)
                    #expect(missing.status == .badRequest, "\(path) without the required \(name)")
                    #expect(String(buffer: missing.body).contains(name), "\(path): the error names \(name)")
                }
            }
            #expect(probed >= 100, "the document states the parameters' bounds")
        }
    }

    /// A catalogue of 300 titles in three genres with a run whose lists are long enough that every
    /// list route has more answers than its default `limit`: user 10 liked title 1 and has 100
    /// precomputed candidates.
    static func fillLargeCatalogue(_ store: SQLiteStore) async throws {
        let genres = ["Action", "Comedy", "Drama"]
        let catalogue = (1...300).map { id in
            Anime(id: AnimeID(Int32(id)), name: "Title \(id)", genres: [genres[id % 3]], type: "TV", episodes: 12, rating: 7,
                  members: 100_000 - id)
        }
        let scored = { (ids: [Int]) in ids.map { ScoredAnime(anime: AnimeID(Int32($0)), score: 1 / Double($0)) } }
        try await store.upsertAnime(catalogue)
        try await store.importRatings([ImportedRating(user: UserID(10), anime: AnimeID(1), rating: nil, liked: true)])
        try await store.createRun(ModelRun(id: "r1", createdAt: 1, ranker: nil))
        try await store.writeCatalogue(run: "r1", catalogue)
        try await store.writeNeighbors(run: "r1", (1...300).map { id in (AnimeID(Int32(id)), scored((1...40).map { (id + $0 - 1) % 300 + 1 })) })
        try await store.writeCandidates(run: "r1", [(UserID(10), (151...250).map { Candidate(anime: AnimeID(Int32($0)), score: 1, reason: .forYou) })])
        try await store.writeList(run: "r1", key: ListKey.popular, scored(Array(1...300)))
        for (index, genre) in genres.enumerated() {
            try await store.writeList(run: "r1", key: ListKey.genre(genre), scored((1...300).filter { $0 % 3 == index }))
        }
        try await store.recordProgress(run: "r1", RunProgress.Part(stage: .complete, part: 0, total: 1))
        try await store.activate(run: "r1")
    }

    /// Each documented `limit` default is how many a list route answers when it has more.
    @Test func everyDocumentedLimitDefaultIsHowManyARouteAnswers() async throws {
        try await Fixture.withApp(filledBy: Self.fillLargeCatalogue) { client in
            let document = try await OpenAPITests.document(client)
            var checked = 0
            for (uri, parameters) in try Self.operations(document) {
                guard let limit = parameters.first(where: { $0["name"] as? String == "limit" }),
                    let value = (limit["schema"] as? [String: Any])?["default"] as? Int
                else { continue }
                let response = try await client.send(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                let items = (body as? [Any]) ?? ((body as? [String: Any])?["items"] as? [Any]) ?? []
                #expect(items.count == value, "\(uri) answers \(items.count) without a limit; the document says \(value)")
                let more = try await client.send(uri: Self.adding("limit=\(value + 1)", to: uri), method: .get)
                let moreBody = try JSONSerialization.jsonObject(with: Data(more.body.readableBytesView))
                let moreItems = (moreBody as? [Any]) ?? ((moreBody as? [String: Any])?["items"] as? [Any]) ?? []
                #expect(moreItems.count == value + 1, "\(uri) has more than \(value) to answer, so the default is what cut it")
                checked += 1
            }
            #expect(checked >= 6, "every list route documents its limit default")
        }
    }

    @Test func everyDocumentedDefaultIsTheServers() async throws {
        try await Fixture.withApp { client in
            let document = try await OpenAPITests.document(client)
            var checked = 0
            for (uri, parameters) in try Self.operations(document) {
                for parameter in parameters {
                    guard let name = parameter["name"] as? String,
                        let value = (parameter["schema"] as? [String: Any])?["default"]
                    else { continue }
                    let plain = try await client.send(uri: uri, method: .get)
                    let given = try await client.send(uri: Self.adding("\(name)=\(value)", to: uri), method: .get)
                    #expect(plain.status == given.status, "\(uri) \(name)=\(value)")
                    #expect(plain.listBody == given.listBody, "\(uri): without \(name) is not \(name)=\(value)")
                    checked += 1
                }
            }
            #expect(checked >= 10, "the document states defaults")
        }
    }
}

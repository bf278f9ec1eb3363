import Foundation
import HTTPTypes

/// The OpenAPI 3 description of the API, served at `/openapi.json`: its paths written from
/// ``APIContract`` (methods, parameters with their limits and defaults, answers), its components
/// (the shapes of bodies and shared answers) below. `OpenAPITests` check that real answers match
/// the shapes, and that the anime and error shapes are exactly what the encoders write.
enum OpenAPIDocument {
    /// The document's text, written once.
    static let json: String = {
        var document: [String: Any] = [
            "openapi": "3.0.3",
            "info": [
                "title": "animerec", "version": "0.1.0",
                "description": "Anime recommendations: candidate recall, ranking, similar anime, final lists with reasons, and behaviour events.",
            ],
            "components": parse(components),
        ]
        var paths: [String: [String: Any]] = [:]
        for endpoint in APIContract.endpoints { paths[endpoint.path, default: [:]][endpoint.method.rawValue.lowercased()] = operation(endpoint) }
        document["paths"] = paths
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])  // only JSON values above
        return String(decoding: data, as: UTF8.self)
    }()

    static func operation(_ endpoint: Endpoint) -> [String: Any] {
        var parameters: [Any] = []
        for pathParameter in endpoint.pathParameters {
            switch pathParameter {
            case .userID: parameters.append(["$ref": "#/components/parameters/UserID"])
            case .animeID: parameters.append(["$ref": "#/components/parameters/AnimeID"])
            }
        }
        parameters += endpoint.query.map(parameter)
        var responses: [String: Any] = [:]
        if let component = endpoint.success.component {
            responses["200"] = ["$ref": "#/components/responses/\(component)"]
        } else {
            var success: [String: Any] = [
                "description": endpoint.success.description,
                "content": [endpoint.success.mediaType: ["schema": parse(endpoint.success.schema)]],
            ]
            var headers: [String: Any] = [:]
            if endpoint.success.mayBeStale { headers["Age"] = ["$ref": "#/components/headers/Age"] }
            if endpoint.success.mayWarn { headers["Warning"] = ["$ref": "#/components/headers/Warning"] }
            if endpoint.success.isRecommendation { headers["Recommendation-Id"] = ["$ref": "#/components/headers/RecommendationID"] }
            if !headers.isEmpty { success["headers"] = headers }
            responses["200"] = success
        }
        for failure in endpoint.failures { responses[String(failure.rawValue)] = ["$ref": "#/components/responses/\(failure.component)"] }
        var operation: [String: Any] = ["summary": endpoint.summary, "operationId": endpoint.operation.rawValue, "responses": responses]
        if !parameters.isEmpty { operation["parameters"] = parameters }
        if let body = endpoint.requestBody { operation["requestBody"] = ["$ref": "#/components/requestBodies/\(body)"] }
        return operation
    }

    static func parameter(_ parameter: QueryParameter) -> [String: Any] {
        var object: [String: Any] = ["name": parameter.name, "in": "query", "required": parameter.isRequired]
        if let description = parameter.description { object["description"] = description }
        switch parameter.kind {
        case .integer(let range, let value):
            object["schema"] = ["type": "integer", "minimum": range.lowerBound, "maximum": range.upperBound, "default": value]
        case .number(let range, let value):
            var schema: [String: Any] = ["type": "number", "minimum": range.lowerBound, "maximum": range.upperBound]
            if let value { schema["default"] = value }
            object["schema"] = schema
        case .boolean(let value):
            object["schema"] = ["type": "boolean", "default": value]
        case .text(let length):
            object["schema"] = textSchema(length)
        case .choice(let values, let value):
            object["schema"] = ["type": "string", "enum": values, "default": value]
        case .texts(let length, let maxItems):
            object["style"] = "form"
            object["explode"] = true
            object["schema"] = ["type": "array", "maxItems": maxItems, "items": textSchema(length)]
        case .animeIDs(let maxItems):
            object["style"] = "form"
            object["explode"] = false
            var schema: [String: Any] = [
                "type": "array", "maxItems": maxItems,
                "items": ["type": "integer", "format": "int32", "minimum": 0, "maximum": Int(Int32.max)] as [String: Any],
            ]
            if parameter.isRequired { schema["minItems"] = 1 }
            object["schema"] = schema
        }
        return object
    }

    static func textSchema(_ length: ClosedRange<Int>) -> [String: Any] {
        var schema: [String: Any] = ["type": "string", "maxLength": length.upperBound]
        if length.lowerBound > 0 { schema["minLength"] = length.lowerBound }
        return schema
    }

    static func parse(_ fragment: String) -> Any {
        try! JSONSerialization.jsonObject(with: Data(fragment.utf8))  // the fragments are literals of this file and the contract
    }

    /// The shapes of bodies, the path parameters and the shared answers.
    static let components = #"""
    {
      "parameters": {
        "UserID": {"name": "user_id", "in": "path", "required": true, "description": "Decimal digits, 0 to 9223372036854775807", "schema": {"type": "integer", "format": "int64", "minimum": 0}},
        "AnimeID": {"name": "anime_id", "in": "path", "required": true, "description": "Decimal digits, 0 to 2147483647", "schema": {"type": "integer", "format": "int32", "minimum": 0}}
      },
      "headers": {
        "Age": {"description": "Present only when the store could not be read and the answer comes from what this replica loaded last: seconds since that data was current", "schema": {"type": "integer", "minimum": 0}},
        "RecommendationID": {"description": "This answer's id. Each item's recommendation_id is it with the last byte naming the item's source; send an item's back with a click, view or impression of it, and /metrics counts click-through per source", "schema": {"type": "string", "format": "uuid"}},
        "Warning": {"description": "Present only when some of the given anime ids are not in the catalogue: they were ignored, and are named here, e.g. 199 animerec \"unknown anime ids ignored: 99999,12\"", "schema": {"type": "string"}}
      },
      "requestBodies": {
        "Event": {
          "required": true,
          "description": "Strict JSON (RFC 8259): no trailing commas, no duplicate keys, no comments; at most \#(APIContract.maxEventBodyBytes / 1024) KiB. An event_id already used for a different event (another user, anime or kind) is 409; the same event again answers duplicate: true.",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}
        },
        "Impressions": {
          "required": true,
          "description": "Strict JSON, at most \#(APIContract.maxEventBodyBytes / 1024) KiB: the titles a page showed one user. A title shown again within the same hour counts once, so a retried or reloaded batch changes nothing.",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Impressions"}}}
        }
      },
      "responses": {
        "Recorded": {"description": "Stored durably", "content": {"application/json": {"schema": {"type": "object", "required": ["status", "event_id", "duplicate"], "properties": {"status": {"type": "string", "enum": ["recorded"]}, "event_id": {"type": "string", "format": "uuid"}, "duplicate": {"type": "boolean"}}}}}},
        "Shown": {"description": "Stored durably", "headers": {"Warning": {"$ref": "#/components/headers/Warning"}}, "content": {"application/json": {"schema": {"type": "object", "required": ["status", "event_id", "count"], "properties": {"status": {"type": "string", "enum": ["recorded"]}, "event_id": {"type": "string", "format": "uuid"}, "count": {"type": "integer", "minimum": 0, "maximum": \#(ImpressionRequest.maxTitles)}}}}}},
        "BadRequest": {"description": "Malformed id, parameter or body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "Conflict": {"description": "The event_id is already stored for a different event (another user, anime or kind)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "NotFound": {"description": "Unknown anime", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "TooLarge": {"description": "Body larger than \#(APIContract.maxEventBodyBytes / 1024) KiB", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "UnsupportedMediaType": {"description": "Body is not JSON", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "Unavailable": {"description": "The store is down; retry after the Retry-After seconds", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
      },
      "schemas": {
        "AnimeIDList": {"type": "array", "items": {"type": "integer", "format": "int32", "minimum": 0}},
        "FacetList": {"type": "array", "items": {"type": "object", "required": ["name", "count"], "properties": {"name": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}}},
        "Anime": {
          "type": "object",
          "required": ["anime_id", "name", "genres", "type", "episodes", "rating", "members"],
          "properties": {
            "anime_id": {"type": "integer", "format": "int32", "minimum": 0},
            "name": {"type": "string"},
            "genres": {"type": "array", "items": {"type": "string"}},
            "type": {"type": "string", "nullable": true},
            "episodes": {"type": "integer", "nullable": true},
            "rating": {"type": "number", "nullable": true},
            "members": {"type": "integer", "minimum": 0}
          }
        },
        "Reason": {
          "type": "object",
          "required": ["kind"],
          "properties": {
            "kind": {"type": "string", "enum": ["similar_to", "genre", "for_you", "trending", "popular"]},
            "anime_id": {"type": "integer", "format": "int32"},
            "name": {"type": "string"},
            "genre": {"type": "string"}
          }
        },
        "Recommendation": {
          "allOf": [
            {"$ref": "#/components/schemas/Anime"},
            {"type": "object", "required": ["score", "reason"], "properties": {"score": {"type": "number"}, "reason": {"$ref": "#/components/schemas/Reason"}, "recommendation_id": {"description": "In /recommends answers: this item's id in the answer (the Recommendation-Id header's, with the last byte naming the item's source), to send back with a click, view or impression of it", "type": "string", "format": "uuid"}}}
          ]
        },
        "Event": {
          "type": "object",
          "required": ["user_id", "anime_id"],
          "properties": {
            "user_id": {"description": "A string of digits or an integer", "oneOf": [{"type": "string", "pattern": "^[0-9]{1,19}$"}, {"type": "integer", "format": "int64", "minimum": 0}]},
            "anime_id": {"description": "A string of digits or an integer", "oneOf": [{"type": "string", "pattern": "^[0-9]{1,10}$"}, {"type": "integer", "format": "int32", "minimum": 0}]},
            "at": {"description": "When it happened: epoch milliseconds (not seconds) or RFC 3339, from 2000-01-01 to a day ahead", "oneOf": [{"type": "integer", "minimum": \#(APIContract.earliestEventAt)}, {"type": "string", "format": "date-time"}]},
            "event_id": {"description": "Client-chosen id; a retry with the same id is stored once", "type": "string", "format": "uuid"},
            "recommendation_id": {"description": "For a click or view on a recommended item: the item's recommendation_id from the /recommends answer (counted per source in /metrics)", "type": "string", "format": "uuid"}
          }
        },
        "Impressions": {
          "type": "object",
          "required": ["user_id", "anime_ids"],
          "properties": {
            "user_id": {"description": "A string of digits or an integer", "oneOf": [{"type": "string", "pattern": "^[0-9]{1,19}$"}, {"type": "integer", "format": "int64", "minimum": 0}]},
            "anime_ids": {"description": "The titles shown, 1 to \#(ImpressionRequest.maxTitles) (each a string of digits or an integer); ids not in the catalogue are ignored and named in a Warning header", "type": "array", "minItems": 1, "maxItems": \#(ImpressionRequest.maxTitles), "items": {"oneOf": [{"type": "string", "pattern": "^[0-9]{1,10}$"}, {"type": "integer", "format": "int32", "minimum": 0}]}},
            "at": {"description": "When the page showed them: epoch milliseconds or RFC 3339, from 2000-01-01 to a day ahead", "oneOf": [{"type": "integer", "minimum": \#(APIContract.earliestEventAt)}, {"type": "string", "format": "date-time"}]},
            "event_id": {"description": "Client-chosen id of the batch, echoed back", "type": "string", "format": "uuid"},
            "recommendation_ids": {"description": "When the page showed a /recommends answer: each title's recommendation_id, in the order of anime_ids (counted per source in /metrics)", "type": "array", "minItems": 1, "maxItems": \#(ImpressionRequest.maxTitles), "items": {"type": "string", "format": "uuid"}}
          }
        },
        "Error": {
          "type": "object",
          "required": ["error"],
          "properties": {
            "error": {
              "type": "object",
              "required": ["code", "message"],
              "properties": {"code": {"type": "string"}, "message": {"type": "string"}}
            }
          }
        }
      }
    }
    """#
}

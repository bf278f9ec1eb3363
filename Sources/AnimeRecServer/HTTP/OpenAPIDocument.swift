/// The OpenAPI 3 description of the API, served at `/openapi.json`. A test checks that its paths
/// are exactly ``APIRoutes/all`` and that real responses match its schemas.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.0.3",
      "info": {
        "title": "animerec",
        "version": "0.1.0",
        "description": "Anime recommendations: candidate recall, ranking, similar anime, final lists with reasons, and behaviour events."
      },
      "paths": {
        "/recall/{user_id}": {
          "get": {
            "summary": "Candidate anime ids for a user (unordered set)",
            "operationId": "recall",
            "parameters": [
              {"$ref": "#/components/parameters/UserID"},
              {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
              {"$ref": "#/components/parameters/IncludeAdult"}
            ],
            "responses": {
              "200": {"description": "Candidate ids", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AnimeIDList"}}}},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/rank/{user_id}": {
          "get": {
            "summary": "The recalled candidates ranked, best first",
            "operationId": "rank",
            "parameters": [
              {"$ref": "#/components/parameters/UserID"},
              {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}},
              {"$ref": "#/components/parameters/IncludeAdult"},
              {"$ref": "#/components/parameters/Genre"},
              {"$ref": "#/components/parameters/ExcludeGenre"},
              {"$ref": "#/components/parameters/Type"},
              {"$ref": "#/components/parameters/MinRating"},
              {"$ref": "#/components/parameters/Exclude"},
              {"name": "diversity", "in": "query", "required": false, "description": "Genre diversification of the ranking, 0 (none, the default here) to 1", "schema": {"type": "number", "minimum": 0, "maximum": 1, "default": 0}}
            ],
            "responses": {
              "200": {"description": "Ranked ids", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AnimeIDList"}}}},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/recommends/{user_id}": {
          "get": {
            "summary": "The final recommendation list with details, score and reason",
            "operationId": "recommends",
            "parameters": [
              {"$ref": "#/components/parameters/UserID"},
              {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
              {"$ref": "#/components/parameters/IncludeAdult"},
              {"$ref": "#/components/parameters/Genre"},
              {"$ref": "#/components/parameters/ExcludeGenre"},
              {"$ref": "#/components/parameters/Type"},
              {"$ref": "#/components/parameters/MinRating"},
              {"$ref": "#/components/parameters/Exclude"},
              {"name": "diversity", "in": "query", "required": false, "description": "How much the list trades score for genre variety: 0 (pure ranking) to 1; each genre already shown divides a candidate's score by 1 - diversity/2", "schema": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.1}}
            ],
            "responses": {
              "200": {"description": "Recommendations", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}}}}},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/sim/{anime_id}": {
          "get": {
            "summary": "Anime similar to one anime (never itself)",
            "operationId": "similar",
            "parameters": [
              {"$ref": "#/components/parameters/AnimeID"},
              {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
              {"$ref": "#/components/parameters/IncludeAdult"}
            ],
            "responses": {
              "200": {"description": "Similar anime", "headers": {"Age": {"$ref": "#/components/headers/Age"}}, "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Anime"}}}}},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/anime/{anime_id}": {
          "get": {
            "summary": "One anime's details",
            "operationId": "anime",
            "parameters": [{"$ref": "#/components/parameters/AnimeID"}],
            "responses": {
              "200": {"description": "The anime", "headers": {"Age": {"$ref": "#/components/headers/Age"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Anime"}}}},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/anime": {
          "get": {
            "summary": "Search and browse the catalogue: name words (case-, accent- and punctuation-insensitive), genres, type, order and page",
            "operationId": "searchCatalogue",
            "parameters": [
              {"name": "query", "in": "query", "required": false, "description": "Words every matching name contains", "schema": {"type": "string", "maxLength": 200}},
              {"name": "genre", "in": "query", "required": false, "description": "Titles in any of these genres (repeatable, at most 20)", "style": "form", "explode": true, "schema": {"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 1, "maxLength": 100}}},
              {"name": "type", "in": "query", "required": false, "description": "TV, Movie, OVA, ONA, Special, Music, …", "schema": {"type": "string", "minLength": 1, "maxLength": 50}},
              {"name": "sort", "in": "query", "required": false, "schema": {"type": "string", "enum": ["members", "rating", "name"], "default": "members"}},
              {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
              {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0}},
              {"$ref": "#/components/parameters/IncludeAdult"}
            ],
            "responses": {
              "200": {"description": "One page of matching titles and how many match in all", "headers": {"Age": {"$ref": "#/components/headers/Age"}}, "content": {"application/json": {"schema": {"type": "object", "required": ["items", "total"], "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Anime"}}, "total": {"type": "integer", "minimum": 0}}}}}},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/facets": {
          "get": {
            "summary": "The catalogue's genres and types with their title counts, most titles first",
            "operationId": "facets",
            "parameters": [{"$ref": "#/components/parameters/IncludeAdult"}],
            "responses": {
              "200": {"description": "Genres and types", "headers": {"Age": {"$ref": "#/components/headers/Age"}}, "content": {"application/json": {"schema": {"type": "object", "required": ["genres", "types"], "properties": {"genres": {"$ref": "#/components/schemas/FacetList"}, "types": {"$ref": "#/components/schemas/FacetList"}}}}}},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/trending": {
          "get": {
            "summary": "What is trending (clicks and views of the last day), filled up with popular titles; each item's reason says which",
            "operationId": "trending",
            "parameters": [
              {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
              {"$ref": "#/components/parameters/IncludeAdult"}
            ],
            "responses": {
              "200": {"description": "Trending titles, then popular ones", "headers": {"Age": {"$ref": "#/components/headers/Age"}}, "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}}}}},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/clicks": {
          "post": {
            "summary": "Record a click",
            "operationId": "click",
            "requestBody": {"$ref": "#/components/requestBodies/Event"},
            "responses": {
              "200": {"$ref": "#/components/responses/Recorded"},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/TooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/views": {
          "post": {
            "summary": "Record a view",
            "operationId": "view",
            "requestBody": {"$ref": "#/components/requestBodies/Event"},
            "responses": {
              "200": {"$ref": "#/components/responses/Recorded"},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/TooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/health": {
          "get": {
            "summary": "Liveness",
            "operationId": "health",
            "responses": {"200": {"description": "Alive", "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}}}}}}
          }
        },
        "/ready": {
          "get": {
            "summary": "Readiness: the store answers, holds a catalogue and has a live run (503 with the reason otherwise)",
            "operationId": "ready",
            "responses": {
              "200": {"description": "Ready", "content": {"application/json": {"schema": {"type": "object", "required": ["status", "store", "live_run"], "properties": {"status": {"type": "string", "enum": ["ready"]}, "store": {"type": "string"}, "live_run": {"type": "string"}}}}}},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/metrics": {
          "get": {
            "summary": "Prometheus metrics",
            "operationId": "metrics",
            "responses": {"200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}}
          }
        },
        "/openapi.json": {
          "get": {
            "summary": "This document",
            "operationId": "openapi",
            "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object"}}}}}
          }
        },
        "/": {
          "get": {
            "summary": "The web front end (its scripts and styles are served beside it)",
            "operationId": "page",
            "responses": {"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}}
          }
        }
      },
      "components": {
        "parameters": {
          "UserID": {"name": "user_id", "in": "path", "required": true, "description": "Decimal digits, 0 to 9223372036854775807", "schema": {"type": "integer", "format": "int64", "minimum": 0}},
          "AnimeID": {"name": "anime_id", "in": "path", "required": true, "description": "Decimal digits, 0 to 2147483647", "schema": {"type": "integer", "format": "int32", "minimum": 0}},
          "IncludeAdult": {"name": "include_adult", "in": "query", "required": false, "description": "Include titles of the adult genre", "schema": {"type": "boolean", "default": false}},
          "Genre": {"name": "genre", "in": "query", "required": false, "description": "Only titles in any of these genres (case-insensitive); repeat the parameter for several", "style": "form", "explode": true, "schema": {"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 1, "maxLength": 100}}},
          "ExcludeGenre": {"name": "exclude_genre", "in": "query", "required": false, "description": "No titles in any of these genres (case-insensitive); repeat the parameter for several", "style": "form", "explode": true, "schema": {"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 1, "maxLength": 100}}},
          "Type": {"name": "type", "in": "query", "required": false, "description": "Only titles of this type (TV, Movie, OVA, ...; case-insensitive)", "schema": {"type": "string", "minLength": 1, "maxLength": 50}},
          "MinRating": {"name": "min_rating", "in": "query", "required": false, "description": "Only titles whose community rating (1-10) is at least this; titles without a rating are left out", "schema": {"type": "number", "minimum": 0, "maximum": 10}},
          "Exclude": {"name": "exclude", "in": "query", "required": false, "description": "Anime ids the caller already shows, comma-separated (up to 100): never in the list", "style": "form", "explode": false, "schema": {"type": "array", "maxItems": 100, "items": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 2147483647}}}
        },
        "headers": {
          "Age": {"description": "Present only when the store could not be read and the answer comes from what this replica loaded last: seconds since that data was current", "schema": {"type": "integer", "minimum": 0}}
        },
        "requestBodies": {
          "Event": {
            "required": true,
            "description": "Strict JSON (RFC 8259): no trailing commas, no duplicate keys, no comments; at most 16 KiB. An event_id already used for a different event (another user, anime or kind) is 409; the same event again answers duplicate: true.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}
          }
        },
        "responses": {
          "Recorded": {"description": "Stored durably", "content": {"application/json": {"schema": {"type": "object", "required": ["status", "event_id", "duplicate"], "properties": {"status": {"type": "string", "enum": ["recorded"]}, "event_id": {"type": "string", "format": "uuid"}, "duplicate": {"type": "boolean"}}}}}},
          "BadRequest": {"description": "Malformed id, parameter or body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Conflict": {"description": "The event_id is already stored for a different event (another user, anime or kind)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "NotFound": {"description": "Unknown anime", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "TooLarge": {"description": "Body larger than 16 KiB", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
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
              {"type": "object", "required": ["score", "reason"], "properties": {"score": {"type": "number"}, "reason": {"$ref": "#/components/schemas/Reason"}}}
            ]
          },
          "Event": {
            "type": "object",
            "required": ["user_id", "anime_id"],
            "properties": {
              "user_id": {"description": "A string of digits or an integer", "oneOf": [{"type": "string", "pattern": "^[0-9]{1,19}$"}, {"type": "integer", "format": "int64", "minimum": 0}]},
              "anime_id": {"description": "A string of digits or an integer", "oneOf": [{"type": "string", "pattern": "^[0-9]{1,10}$"}, {"type": "integer", "format": "int32", "minimum": 0}]},
              "at": {"description": "When it happened: epoch milliseconds (not seconds) or RFC 3339, from 2000-01-01 to a day ahead", "oneOf": [{"type": "integer", "minimum": 946684800000}, {"type": "string", "format": "date-time"}]},
              "event_id": {"description": "Client-chosen id; a retry with the same id is stored once", "type": "string", "format": "uuid"}
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
    }
    """#
}

//! The OpenAPI 3.1 document, generated from the route table rather than with utoipa.
//!
//! Why not utoipa: its derive macros would annotate about ten handlers, and pull `utoipa`,
//! `utoipa-gen` and their proc-macro tree into every build on this two-core machine. Here the
//! paths, methods, summaries and required capabilities come from `router::route_table()` (so a
//! route cannot be missing from the document), the error codes from [`AppError::CODES`], and
//! the request and response schemas from [`schemas`] below, keyed by operation. A test checks
//! that every `/api/v1` route has an operation with a response schema.

use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::api::Json;
use crate::error::AppError;
use crate::router::{RouteInfo, route_table};

/// The request body and success response of an operation, as schema references.
fn schemas(method: &str, path: &str) -> (Option<&'static str>, u16, &'static str) {
    match (method, path) {
        ("GET", "/api/v1/openapi.json") => (None, 200, "OpenApiDocument"),
        ("GET", "/api/v1/persons") => (None, 200, "PersonList"),
        ("POST", "/api/v1/persons") => (Some("Registration"), 201, "Created"),
        ("GET", "/api/v1/persons/{id}") => (None, 200, "Person"),
        ("POST", "/api/v1/persons/{id}/events") => (Some("NewEvent"), 201, "Created"),
        ("GET", "/api/v1/persons/{id}/subject-export") => (None, 200, "SubjectExport"),
        ("GET", "/api/v1/deadlines") => (None, 200, "DeadlineList"),
        ("GET", "/api/v1/tracing-requests") => (None, 200, "TracingRequestList"),
        ("POST", "/api/v1/tracing-requests") => (Some("NewTracingRequest"), 201, "TracingRequest"),
        ("GET", "/api/v1/tracing-requests/{id}") => (None, 200, "TracingRequest"),
        ("GET", "/api/v1/tracing-requests/{id}/proposals") => (None, 200, "ProposalList"),
        ("POST", "/api/v1/transmissions") => (Some("Bundle"), 200, "SignedReceipt"),
        ("POST", "/api/v1/transmissions/outbox") => (Some("PullRequest"), 200, "Bundle"),
        ("GET", "/api/v1/compliance") => (None, 200, "Compliance"),
        ("GET", "/api/v1/same-person-proposals") => (None, 200, "SamePersonProposalList"),
        ("GET", "/api/v1/same-person-proposals/{id}") => (None, 200, "SamePersonProposal"),
        ("POST", "/api/v1/same-person-proposals/{id}/decisions") => {
            (Some("SamePersonDecision"), 201, "SamePersonProposal")
        }
        ("GET", "/api/v1/enquiries") => (None, 200, "EnquiryList"),
        ("POST", "/api/v1/enquiries") => (Some("NewEnquiry"), 201, "Enquiry"),
        ("POST", "/api/v1/enquiries/{id}/answer") => (Some("EnquiryAnswer"), 201, "Enquiry"),
        ("POST", "/api/v1/enquiries/{id}/close") => (Some("EnquiryClosure"), 200, "Enquiry"),
        ("GET", "/api/v1/lists") => (None, 200, "PersonLists"),
        ("POST", "/api/v1/lists") => (Some("NewPersonList"), 201, "PersonList"),
        ("GET", "/api/v1/protection/visits") => (None, 200, "VisitList"),
        ("GET", "/api/v1/protection/visits/{id}") => (None, 200, "Visit"),
        ("GET", "/api/v1/protection/visits/{id}/alerts") => (None, 200, "ReconciliationAlerts"),
        ("GET", "/api/v1/protection/persons-seen") => (None, 200, "PersonsSeen"),
        ("GET", "/api/v1/protection/persons-seen/{id}/suggestions") => {
            (None, 200, "SamePersonSuggestions")
        }
        ("GET", "/api/v1/protection/follow-ups/due") => (None, 200, "FollowUpsDue"),
        ("GET", "/api/v1/protection/interviews/{id}") => (None, 200, "Interview"),
        ("GET", "/api/v1/protection/allegations/{id}") => (None, 200, "Allegation"),
        ("POST", "/api/v1/protection/allegations/{id}/representations") => {
            (Some("NewRepresentation"), 201, "RecordedStep")
        }
        ("GET", "/api/v1/protection/representations/{id}") => (None, 200, "RepresentationLetter"),
        ("POST", "/api/v1/protection/representations/{id}/replies") => {
            (Some("NewReply"), 201, "RecordedStep")
        }
        ("GET", "/api/v1/protection/allegations/{id}/representation") => {
            (None, 200, "Representation")
        }
        ("POST", "/api/v1/protection/evidence") => (Some("EvidenceFile"), 201, "EvidenceStored"),
        ("GET", "/api/v1/protection/evidence/verify") => (None, 200, "EvidenceReport"),
        _ => (None, 200, "Unknown"),
    }
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn operation(route: &RouteInfo) -> Value {
    let (request, status, response) = schemas(route.method, route.path);
    let mut op = json!({
        "summary": route.summary,
        "operationId": format!("{} {}", route.method.to_lowercase(), route.path),
        "x-capability": route.access,
        "responses": {
            status.to_string(): {
                "description": "success",
                "content": {"application/json": {"schema": reference(response)}}
            },
            "default": {
                "description": "an error, with a stable code",
                "content": {"application/json": {"schema": reference("Error")}}
            }
        }
    });
    if response == "Bundle" {
        // The outbox answers with a bundle (or 204 when nothing waits).
        op["responses"]["200"]["content"] =
            json!({"application/octet-stream": {"schema": reference(response)}});
        op["responses"]["204"] = json!({"description": "nothing waits for the requester"});
    }
    if route.access == "public" || route.access == "pinned-peer" {
        op["security"] = json!([]);
    }
    if route.path.contains("{id}") {
        op["parameters"] = json!([{
            "name": "id", "in": "path", "required": true,
            "schema": {"type": "string", "format": "uuid"}
        }]);
    }
    if (response == "SubjectExport" || response == "RepresentationLetter")
        && let Some(parameters) = op["parameters"].as_array_mut()
    {
        parameters.push(json!({
            "name": "purpose", "in": "query", "required": true,
            "description": "why the record is exported or read; written to the audit log",
            "schema": {"type": "string", "minLength": 1, "maxLength": 200}
        }));
    }
    if response == "TracingRequestList" {
        // The caseworker's worklist (MATCH-1 stages), paged.
        op["parameters"] = json!([
            {"name": "stage", "in": "query", "required": false,
             "description": "only requests at this stage; 422 names an unknown one",
             "schema": {"type": "string", "enum": ["to-review", "awaiting-second", "found"]}},
            {"name": "reference", "in": "query", "required": false,
             "description": "only requests whose reference starts with this text",
             "schema": {"type": "string", "maxLength": 64}},
            {"name": "offset", "in": "query", "required": false,
             "schema": {"type": "integer", "minimum": 0}},
            {"name": "limit", "in": "query", "required": false,
             "schema": {"type": "integer", "minimum": 1, "maximum": 500}}
        ]);
    }
    if response == "PersonLists" {
        // Issue 5: the lists, paged, newest first.
        op["parameters"] = json!([
            {"name": "offset", "in": "query", "required": false,
             "schema": {"type": "integer", "minimum": 0}},
            {"name": "limit", "in": "query", "required": false,
             "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
        ]);
    }
    if response == "FollowUpsDue" {
        // ICRC-VIS-d: one page of the persons due, most overdue first.
        op["parameters"] = json!([
            {"name": "on", "in": "query", "required": false,
             "description": "the day (YYYY-MM-DD; default today, UTC); 422 names a bad one",
             "schema": {"type": "string", "format": "date"}},
            {"name": "offset", "in": "query", "required": false,
             "schema": {"type": "integer", "minimum": 0}},
            {"name": "limit", "in": "query", "required": false,
             "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}}
        ]);
    }
    if response == "Representation"
        && let Some(parameters) = op["parameters"].as_array_mut()
    {
        parameters.push(json!({
            "name": "form", "in": "query", "required": true,
            "description": "the form of the representation (ICRC-VIS-c: the consent decides which are possible; 422 names why not)",
            "schema": {"type": "string", "enum": ["named", "anonymous", "aggregated"]}
        }));
    }
    if let Some(binary @ ("Bundle" | "EvidenceFile")) = request {
        // Raw bytes: a `.wab` bundle (the same bytes as a file bundle, docs/transmissions.md),
        // or an evidence file as the delegate saved it (docs/protection.md).
        op["requestBody"] = json!({
            "required": true,
            "content": {"application/octet-stream": {"schema": reference(binary)}}
        });
    } else if let Some(request) = request {
        op["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": reference(request)}}
        });
    }
    op
}

/// The whole document.
pub(crate) fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for route in route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
    {
        let item = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        item[route.method.to_lowercase()] = operation(&route);
    }
    let codes: Vec<Value> = AppError::CODES
        .iter()
        .map(|(code, _)| json!(code))
        .collect();
    let string = json!({"type": "string"});
    let opt_string = json!({"type": ["string", "null"]});
    // Built apart: one `json!` for the whole document passes the macro's recursion limit.
    let similar_person = json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "reference": string, "name": opt_string,
        "score": {"type": "number"},
        "features": {"type": "array", "items": {"type": "object", "properties": {
            "feature": string, "outcome": string, "outcome_words": string,
            "weight": {"type": "number"}, "text": string}}}
    }});
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Whereabouts API",
            "version": "1",
            "description": "Registration, deadlines and tracing requests. Authenticate with `Authorization: Bearer wbt_…` (a token a tenant administrator creates). Every error is `{\"error\":{\"code\":…,\"message\":…}}`; `fields` names each invalid field. Bodies are JSON, at most 64 KiB.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {"error": {
                        "type": "object", "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string", "enum": codes_with_framework(&codes)},
                            "message": string,
                            "fields": {"type": "object", "additionalProperties": {"type": "string"}}
                        }
                    }}
                },
                "Created": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}},
                "OpenApiDocument": {"type": "object"},
                "Unknown": {"type": "object"},
                "PersonSummary": {"type": "object", "properties": {
                    "id": {"type": "string", "format": "uuid"}, "reference": string, "category": string,
                    "name": opt_string, "registered_at": {"type": "string", "format": "date-time"}
                }},
                "PersonList": {"type": "object", "properties": {
                    "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
                    "persons": {"type": "array", "items": reference("PersonSummary")},
                    "similar": {"type": "array", "description": "first page of a name search only: persons whose names the matching engine finds alike though none starts with the query (another script, spelling or order)",
                        "items": similar_person}
                }},
                "Person": {"type": "object", "properties": {
                    "id": string, "reference": string, "category": string, "registered_at": string,
                    "fields": {"type": "object", "description": "per field code: standing and superseded values, each with `value` or `absent` (a reason code; `declined` is not `unknown`) and its source"},
                    "events": {"type": "array", "items": {"type": "object"}}
                }},
                "Registration": {"type": "object", "required": ["reference", "category"], "properties": {
                    "reference": string,
                    "category": {"type": "string", "enum": ["pow", "civilian-internee", "protected-person", "unidentified"]},
                    "name": {"type": "object", "properties": {"family": string, "given": string, "patronymic": string, "language": string}},
                    "name_absent": {"type": "string", "description": "a reason code, when there is no name"},
                    "fields": {"type": "object", "description": "field code → text, or {\"absent\": reason code}",
                        "additionalProperties": {"oneOf": [string, {"type": "object", "required": ["absent"], "properties": {"absent": string}}]}},
                    "fell_into_power_at": {"type": "string", "format": "date-time"}
                }},
                "NewEvent": {"type": "object", "required": ["kind", "occurred_at"], "properties": {
                    "kind": string, "occurred_at": {"type": "string", "format": "date-time"},
                    "place": {"type": "string", "format": "uuid"}, "place_to": {"type": "string", "format": "uuid"}, "note": string
                }},
                "DeadlineList": {"type": "object", "properties": {"deadlines": {"type": "array", "items": {"type": "object", "properties": {
                    "rule": string, "label": string, "person": opt_string, "reference": opt_string,
                    "restricted": {"type": "boolean", "description": "a restriction keeps the person from the caller's role: the duty counts, `person` and `reference` are null"},
                    "channel": string,
                    "due_at": string, "status": {"type": "string", "enum": ["due", "overdue", "done", "done-late"]},
                    "met_at": opt_string, "late": {"type": "boolean"}
                }}}}},
                "NewTracingRequest": {"type": "object", "required": ["reference", "enquirer", "sought", "circumstances", "consent"], "properties": {
                    "reference": string,
                    "enquirer": {"type": "object", "required": ["name", "contact", "relationship"], "properties": {"name": string, "contact": string, "relationship": string}},
                    "sought": {"type": "object", "properties": {"family": string, "given": string, "patronymic": string, "language": string, "birth": string, "birth_place": string, "father_name": string}},
                    "circumstances": string,
                    "consent": {"type": "object", "required": ["tracing"], "properties": {"tracing": {"type": "boolean"}, "share": {"type": "boolean"}}}
                }},
                "TracingRequest": {"type": "object", "properties": {
                    "id": string, "reference": string, "enquirer": {"type": "object"}, "sought": {"type": "object"},
                    "circumstances": string, "consent": {"type": "object"}, "created_at": string, "created_by": string,
                    "stage": {"type": "string", "enum": ["to-review", "awaiting-second", "found"], "description": "in the list only (MATCH-1)"},
                    "decisions": {"type": "integer", "description": "in the list only: reviewer decisions taken"}
                }},
                "SubjectExport": {"type": "object", "description": "everything held about one person (ICRC-DP-c): the record, every assertion, events, sources, restrictions, archive state, match decisions, transmissions and the audit entries naming it", "properties": {
                    "format": string, "person": {"type": "object"}, "assertions": {"type": "array"}, "events": {"type": "array"},
                    "sources": {"type": "array"}, "restrictions": {"type": "array"}, "archived": {"type": "array"},
                    "match_decisions": {"type": "array"}, "transmissions": {"type": "array"}, "audit": {"type": "array"}
                }},
                "TracingRequestList": {"type": "object", "required": ["tracing_requests", "total", "stages"], "properties": {
                    "tracing_requests": {"type": "array", "items": reference("TracingRequest")},
                    "total": {"type": "integer", "description": "requests the filter keeps, on every page"},
                    "offset": {"type": "integer"}, "limit": {"type": "integer"},
                    "stages": {"type": "object", "description": "requests per stage: to-review, awaiting-second, found",
                               "additionalProperties": {"type": "integer"}}
                }}
            }
        }
    });
    // Issue 5's schemas, added apart (one json! of everything exceeds the macro recursion limit).
    let transmissions = transmission_schemas(&string, &opt_string);
    if let (Some(schemas), Value::Object(more)) = (
        document["components"]["schemas"].as_object_mut(),
        transmissions,
    ) {
        schemas.extend(more);
    }
    // Issue 5, continued: closing an enquiry, lists drawn from the records (apart, for the
    // same reason; `NewPersonList` replaces the one above).
    if let (Some(schemas), Value::Object(more)) = (
        document["components"]["schemas"].as_object_mut(),
        lists_and_closures_schemas(&string),
    ) {
        schemas.extend(more);
    }
    if let Some(properties) =
        document["components"]["schemas"]["TracingRequest"]["properties"].as_object_mut()
    {
        properties.insert(
            "enquiries".to_owned(),
            json!({"type": "array", "description": "one request only: the enquiries asked of bureaus for it, with their answers (news for the family) and closure", "items": {"type": "object"}}),
        );
    }
    // Issue 5, item 3: same-person proposals at the agency (apart, for the same reason).
    if let (Some(schemas), Value::Object(more)) = (
        document["components"]["schemas"].as_object_mut(),
        same_person_schemas(&string),
    ) {
        schemas.extend(more);
    }
    // Issue 6, ICRC-VIS-d: the persons followed across visits (apart, for the same reason).
    if let (Some(schemas), Value::Object(more)) = (
        document["components"]["schemas"].as_object_mut(),
        followed_schemas(&string),
    ) {
        schemas.extend(more);
    }
    document
}

fn same_person_schemas(string: &Value) -> Value {
    let string = string.clone();
    let record = json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "reference": string, "display_name": string,
        "source": {"type": "string", "description": "who first said something about the record (XC-3): \"notified by … on …: envelope …\""}
    }});
    let feature = json!({"type": "object", "properties": {
        "feature": string, "value_a": string, "value_b": string, "key_a": string, "key_b": string,
        "outcome": string, "words": string, "weight": {"type": "number"}, "text": string
    }});
    json!({
        "SamePersonProposal": {"type": "object", "description": "two records the matching engine proposes as one person (MATCH-1: never merged); score, algorithm and explanation as proposed (MATCH-7)", "properties": {
            "id": {"type": "string", "format": "uuid"},
            "status": {"enum": ["open", "confirmed", "rejected"]},
            "score": {"type": "number", "description": "match probability, 0 to 1"},
            "algorithm": string, "proposed_at": string,
            "persons": {"type": "array", "minItems": 2, "maxItems": 2, "items": record},
            "explanation": {"type": "object", "properties": {
                "features": {"type": "array", "items": feature},
                "notes": {"type": "array", "items": string}
            }},
            "decisions": {"type": "array", "items": {"type": "object", "properties": {
                "decision": {"enum": ["confirm", "reject"]}, "by": string, "at": string, "note": string,
                "score": {"type": "number"}, "algorithm": string
            }}}
        }},
        "SamePersonProposalList": {"type": "object", "properties": {
            "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
            "proposals": {"type": "array", "items": {"$ref": "#/components/schemas/SamePersonProposal"}}
        }},
        "SamePersonDecision": {"type": "object", "required": ["decision"], "additionalProperties": false, "properties": {
            "decision": {"enum": ["confirm", "reject"]},
            "note": {"type": "string", "maxLength": 2000, "description": "what the caseworker checked; kept with the decision"}
        }}
    })
}

fn lists_and_closures_schemas(string: &Value) -> Value {
    json!({
        "EnquiryClosure": {"type": "object", "required": ["outcome", "reason"], "properties": {
            "outcome": {"enum": ["answered", "withdrawn"]}, "reason": string
        }},
        "NewPersonList": {"type": "object", "description": "either `persons` (references) with a `title`, or `from_records`: the list drawn from the bureau's events", "properties": {
            "title": string, "rule": string, "persons": {"type": "array", "items": string},
            "from_records": {"type": "object", "required": ["list"], "properties": {
                "list": {"enum": ["transferred", "arrived", "released", "repatriated", "died"]},
                "place": {"type": "string", "description": "a place id of this tenant (the destination of a transfer); required for transferred and arrived"},
                "from": {"type": "string", "description": "YYYY-MM-DD, included"},
                "until": {"type": "string", "description": "YYYY-MM-DD, included"}
            }}
        }}
    })
}

fn followed_schemas(string: &Value) -> Value {
    let string = string.clone();
    json!({
                "PersonsSeen": {"type": "object", "required": ["persons_seen"], "properties": {
                    "persons_seen": {"type": "array", "items": {"type": "object", "properties": {
                        "registration": string, "person": string, "name": string, "visit": string, "visit_id": string,
                        "place": string, "place_id": string, "seen_at": {"type": ["string", "null"]},
                        "transfer": {"type": ["string", "null"]}, "times_seen": {"type": "integer"}
                    }, "description": "one time a person was seen; `person` is the first registration of the person as the unit follows them (ICRC-VIS-d)"}}
                }},
                "Interview": {"type": "object", "required": ["id", "visit", "consent"], "properties": {
                    "id": string, "visit": string, "held_at": {"type": ["string", "null"]}, "place": string,
                    "interviewees": {"type": "array", "items": string}, "interviewers": {"type": "array", "items": string},
                    "interpreter": {"type": ["string", "null"]}, "language": {"type": ["string", "null"]},
                    "without_witnesses": {"type": "boolean"}, "present": {"type": ["string", "null"]},
                    "consent": {"type": "object"}, "notes": {"type": ["string", "null"]},
                    "allegations": {"type": "array", "items": {"type": "object", "properties": {"id": string, "reference": string}}}
                }, "description": "a private interview (GC III 126); the query parameter `purpose` is required and the read is logged with it"},
                "NewRepresentation": {"type": "object", "required": ["form", "addressee", "sent_on", "text"], "properties": {
                    "form": {"type": "string", "enum": ["named", "anonymous", "aggregated"]},
                    "addressee": string, "sent_on": {"type": "string", "format": "date"}, "text": string
                }, "description": "a confidential representation to the responsible authority (ICRC-VIS-e); the consent decides which forms are possible (ICRC-VIS-c)"},
                "NewReply": {"type": "object", "required": ["received_on", "outcome"], "properties": {
                    "received_on": {"type": "string", "format": "date"},
                    "outcome": {"type": "string", "enum": ["acknowledged", "measures-announced", "denied", "no-reply"]},
                    "text": {"type": ["string", "null"], "description": "required unless the outcome is no-reply"}
                }},
                "RecordedStep": {"type": "object", "required": ["id", "allegation_status"], "properties": {
                    "id": string, "allegation_status": string
                }, "description": "the representation or reply recorded, and the allegation's status that follows"},
                "RepresentationLetter": {"type": "object", "required": ["id", "allegation", "form", "replies"], "properties": {
                    "id": string, "allegation": string, "form": string, "addressee": string, "sent_on": string,
                    "recorded_by": string, "text": string,
                    "replies": {"type": "array", "items": {"type": "object", "properties": {
                        "id": string, "received_on": string, "outcome": string, "recorded_by": string, "text": {"type": ["string", "null"]}
                    }}}
                }, "description": "a representation with its texts; the read is logged with its purpose"},
                "SamePersonSuggestions": {"type": "object", "required": ["registration", "suggestions"], "properties": {
                    "registration": string,
                    "suggestions": {"type": "array", "items": {"type": "object", "properties": {
                        "person": string, "registration": string, "name": string, "place": string, "visit": string,
                        "seen_on": string, "probability": {"type": "number", "minimum": 0, "maximum": 1},
                        "explanation": {"type": "array", "items": string}
                    }}}
                }, "description": "earlier registrations on other visits that the matching engine finds alike (ICRC-VIS-d, MATCH-1); proposals only, nothing is linked until a delegate confirms"},
                "FollowUpsDue": {"type": "object", "required": ["on", "total", "offset", "limit", "due"], "properties": {
                    "on": string,
                    "total": {"type": "integer", "description": "how many persons are due in all"},
                    "offset": {"type": "integer"}, "limit": {"type": "integer"},
                    "due": {"type": "array", "items": {"type": "object", "properties": {
                        "person": string, "name": string, "next_visit_due": string, "days_overdue": {"type": "integer"},
                        "follow_up_recorded_at": {"type": ["string", "null"]},
                        "last_seen": {"type": "object", "properties": {"registration": string, "visit": {"type": ["string", "null"]}, "place": string, "place_id": string, "seen_at": {"type": ["string", "null"]}}},
                        "explanation": string
                    }}}
                }}
    })
}

fn transmission_schemas(string: &Value, opt_string: &Value) -> Value {
    let string = string.clone();
    let opt_string = opt_string.clone();
    json!({
        "ProposalList": {"type": "object", "properties": {"proposals": {"type": "array", "items": {"type": "object", "properties": {
            "person": string, "reference": string, "display_name": opt_string, "score": {"type": "number"},
            "notes": {"type": "array", "items": string}
        }}}}},
                "Bundle": {"type": "string", "format": "binary", "description": "`WAB1`, a JSON header line naming the recipient, then the envelope encrypted to the recipient's pinned key"},
                "PullRequest": {"type": "object", "required": ["body", "key", "signature"], "properties": {
                    "body": {"type": "string", "description": "the request's JSON: format, requester, holder, at (RFC 3339, within 5 minutes of the holder's clock), receipts (signed receipts of envelopes fetched before)"},
                    "key": {"type": "string", "description": "the requester's tenant key, pinned by the holder"},
                    "signature": {"type": "string", "description": "Ed25519 over `whereabouts/pull/v1\\0` and the body"}
                }},
                "SignedReceipt": {"type": "object", "required": ["body", "key", "signature"], "properties": {
                    "body": {"type": "string", "description": "the acknowledgement's JSON: envelope_hash, sender, channel, sequence, status (applied, duplicate or rejected with code and reason), missing"},
                    "key": string, "signature": string
                }},
                "Compliance": {"type": "object", "properties": {
                    "tenant": string, "at": string,
                    "rules": {"type": "array", "items": {"type": "object", "properties": {
                        "rule": string, "label": string, "channel": string, "owed": {"type": "integer"}, "due": {"type": "integer"},
                        "sent_on_time": {"type": "integer"}, "sent_late": {"type": "integer"}, "overdue": {"type": "integer"},
                        "not_yet_due": {"type": "integer"}, "acknowledged": {"type": "integer"}, "unacknowledged": {"type": "integer"}
                    }}},
                    "sent": {"type": "array", "items": {"type": "object"}},
                    "received": {"type": "array", "items": {"type": "object"}},
                    "late": {"type": "array", "items": {"type": "object"}}
                }},
                "Enquiry": {"type": "object", "required": ["id", "reference", "direction", "peer", "question", "due_at", "state", "answers"], "properties": {
                    "id": string, "reference": string, "direction": {"enum": ["asked", "received"]}, "peer": string,
                    "person": {"type": ["string", "null"]}, "subject_reference": {"type": ["string", "null"]},
                    "tracing_request": {"type": ["string", "null"]}, "sought": {"type": ["string", "null"]},
                    "question": string, "asked_by": string, "asked_at": string, "due_at": string,
                    "state": {"enum": ["answered-on-time", "answered-late", "overdue", "open", "closed-answered", "withdrawn"]},
                    "answers": {"type": "array", "items": {"type": "object", "properties": {
                        "reference": string, "given": {"type": "boolean"}, "answer": string,
                        "persons": {"type": "array", "items": string}, "answered_by": string, "answered_at": string
                    }}},
                    "closure": {"type": ["object", "null"], "properties": {
                        "outcome": {"enum": ["answered", "withdrawn"]}, "reason": string, "closed_by": string, "closed_at": string,
                        "received": {"type": "boolean", "description": "at a bureau: withdrawn by the agency that asked, in an envelope"}
                    }}
                }},
                "EnquiryList": {"type": "object", "required": ["enquiries"], "properties": {
                    "enquiries": {"type": "array", "items": reference("Enquiry")}
                }},
                "NewEnquiry": {"type": "object", "required": ["peer", "question"], "properties": {
                    "peer": string, "person": string, "tracing_request": string, "question": string,
                    "due_days": {"type": "integer", "minimum": 1, "maximum": 365}
                }},
                "EnquiryAnswer": {"type": "object", "required": ["answer"], "properties": {
                    "answer": string, "persons": {"type": "array", "items": string}
                }},
                "PersonList": {"type": "object", "required": ["id", "reference", "direction", "title", "persons"], "properties": {
                    "id": string, "reference": string, "direction": {"enum": ["drawn", "received"]}, "peer": string,
                    "title": string, "rule": {"type": ["string", "null"]}, "drawn_by": string, "drawn_at": string,
                    "persons": {"type": "array", "items": string}
                }},
                "PersonLists": {"type": "object", "required": ["lists", "total", "offset", "limit"], "properties": {
                    "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
                    "lists": {"type": "array", "items": {"allOf": [reference("PersonList"), {"type": "object", "properties": {
                        "deliveries": {"type": "array", "items": {"type": "object",
                            "required": ["peer", "channel", "sequence", "sent_at", "acknowledged"], "properties": {
                            "peer": string, "channel": string, "sequence": {"type": "integer"}, "sent_at": string,
                            "acknowledged": {"type": "boolean"}
                        }}}
                    }}]}}
                }},
                "NewPersonList": {"type": "object", "required": ["title", "persons"], "properties": {
                    "title": string, "rule": string, "persons": {"type": "array", "items": string}
                }},
                "VisitList": {"type": "object", "required": ["visits"], "properties": {
                    "visits": {"type": "array", "items": {"type": "object", "properties": {
                        "id": string, "reference": string, "body": string,
                        "started_at": {"type": ["string", "null"]}, "ended_at": {"type": ["string", "null"]},
                        "team": {"type": "array", "items": string}
                    }}}
                }},
                "Visit": {"type": "object", "required": ["id", "reference"], "properties": {
                    "id": string, "reference": string, "body": string,
                    "conditions": {"type": "array", "items": {"type": "object", "properties": {
                        "condition": string, "outcome": string, "reason": {"type": ["string", "null"]}
                    }}},
                    "refusals": {"type": "array", "items": {"type": "object"}},
                    "persons_seen": {"type": "array", "items": {"type": "object"}},
                    "interviews": {"type": "array", "items": {"type": "object", "description": "private interviews (GC III 126): who, when, where, without witnesses or who was present, consent, notes"}}
                }},
                "ReconciliationAlerts": {"type": "object", "required": ["visit", "alerts"], "properties": {
                    "visit": string,
                    "alerts": {"type": "array", "items": {"type": "object", "description": "seen but never notified, notified but not seen, or notified as released but seen detained; each with the matching engine's explanation"}}
                }},
                "Allegation": {"type": "object", "required": ["id", "reference", "status"], "properties": {
                    "id": string, "reference": string, "category": string,
                    "acts": {"type": "array", "items": string}, "sources": {"type": "array", "items": string},
                    "consent": string, "perpetrators": {"type": "array", "items": {"type": "object", "properties": {"kind": string, "designation": string}}},
                    "narrative": string, "status": string,
                    "steps": {"type": "array", "items": {"type": "object", "properties": {"at": {"type": ["string", "null"]}, "by": string, "kind": string}}},
                    "interviews": {"type": "array", "items": {"type": "object", "properties": {"id": string, "visit": string, "held_at": {"type": ["string", "null"]}, "use_with_authorities": string}}},
                    "effective_consent": string
                }},
                "Representation": {"type": "object", "required": ["allegation", "form", "persons"], "properties": {
                    "allegation": string, "form": string, "category": string,
                    "acts": {"type": "array", "items": string}, "occurred": {"type": ["string", "null"]},
                    "place": {"type": ["string", "null"]},
                    "perpetrators": {"type": "array", "items": {"type": "object", "properties": {"kind": string, "designation": string}}},
                    "victims": {"type": "array", "items": string}, "persons": {"type": "integer"},
                    "narrative": {"type": ["string", "null"]}
                }},
                "EvidenceFile": {"type": "string", "format": "binary", "description": "the file as a delegate saved it; its description is in the query string (kind, title, captured_at, captured_by, allegation, registration, source_url, and working_copy_of: the evidentiary original a working copy is made from)"},
                "EvidenceStored": {"type": "object", "required": ["id", "sha256", "size"], "properties": {
                    "id": string, "sha256": string, "size": {"type": "integer"},
                    "role": string, "derived_from": {"type": ["string", "null"]}
                }},
                "EvidenceReport": {"type": "object", "required": ["intact", "findings"], "properties": {
                    "items": {"type": "integer"}, "files": {"type": "integer"}, "custody_entries": {"type": "integer"},
                    "intact": {"type": "boolean"},
                    "findings": {"type": "array", "items": {"type": "object", "properties": {"evidence": string, "title": string, "problem": string}}}
                }}
    })
}

fn codes_with_framework(codes: &[Value]) -> Vec<Value> {
    let mut all = codes.to_vec();
    all.push(json!("method_not_allowed"));
    all
}

/// `GET /api/v1/openapi.json`.
pub(crate) async fn openapi() -> Response {
    Json(document()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_has_an_operation_with_schemas() {
        let doc = document();
        for route in route_table()
            .into_iter()
            .filter(|r| r.path.starts_with("/api/"))
        {
            let op = &doc["paths"][route.path][route.method.to_lowercase()];
            assert!(op.is_object(), "{} {} missing", route.method, route.path);
            let (_, _, response) = schemas(route.method, route.path);
            assert_ne!(
                response, "Unknown",
                "{} {} has no schema",
                route.method, route.path
            );
            assert!(
                doc["components"]["schemas"][response].is_object(),
                "{response}"
            );
        }
    }
}

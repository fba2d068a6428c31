//! Every route of the application, in one table.
//!
//! [`routes`] is the single list: the router is built from it, [`route_table`] hands it to the
//! authorization-matrix test (which fails on a route it has no row for), and the OpenAPI
//! document is generated from its `/api/v1` rows. The `access` column documents who may call a
//! route; what enforces it is the extractor type each handler takes (`Authorized<C>`,
//! `ApiAuthorized<C>`, `SignedIn`, `Session`), and the matrix test checks that the two agree.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{MethodRouter, get, post};
use store::Store;

use crate::ServeConfig;
use crate::authz::{
    Capability, Enquire, Exchange, ManageTokens, ReadRegistry, Register, SubjectAccess, Trace,
};
use crate::protection::{self, Protect};
use crate::state::AppState;
use crate::{api, auth, headers, html};

/// One row of the route table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    /// The axum path template, e.g. `/persons/{id}`.
    pub path: &'static str,
    /// `public`, `session` (any sign-in stage), `signed-in` (both factors), or a capability name.
    pub access: &'static str,
    /// One line for the docs and the OpenAPI document.
    pub summary: &'static str,
}

const PUBLIC: &str = "public";
const SESSION: &str = "session";
const SIGNED_IN: &str = "signed-in";
/// Checked by signature: only envelopes signed by a pinned peer's keys are applied.
const PEER: &str = "pinned-peer";

fn row(
    method: &'static str,
    path: &'static str,
    access: &'static str,
    summary: &'static str,
    handler: MethodRouter<AppState>,
) -> (RouteInfo, MethodRouter<AppState>) {
    (
        RouteInfo {
            method,
            path,
            access,
            summary,
        },
        handler,
    )
}

/// The table. Keep it sorted by area; every new route needs a row in the matrix test.
#[allow(clippy::too_many_lines)]
fn routes() -> Vec<(RouteInfo, MethodRouter<AppState>)> {
    let read = ReadRegistry::NAME;
    let register = Register::NAME;
    let trace = Trace::NAME;
    let tokens = ManageTokens::NAME;
    let protect = Protect::NAME;
    vec![
        row(
            "GET",
            "/health",
            PUBLIC,
            "Liveness and backend; no personal data",
            get(html::health),
        ),
        row(
            "GET",
            "/static/app.css",
            PUBLIC,
            "The stylesheet (screen and print)",
            get(html::stylesheet),
        ),
        row(
            "GET",
            "/static/htmx.min.js",
            PUBLIC,
            "htmx 2.0.11, vendored",
            get(html::htmx),
        ),
        row(
            "GET",
            "/login",
            PUBLIC,
            "Sign-in form",
            get(html::login::form),
        ),
        row(
            "POST",
            "/login",
            PUBLIC,
            "Check the password; start a session at the password stage",
            post(html::login::submit),
        ),
        row(
            "GET",
            "/login/second-factor",
            SESSION,
            "TOTP code form, or enrolment the first time",
            get(html::login::second_factor),
        ),
        row(
            "POST",
            "/login/second-factor",
            SESSION,
            "Check the TOTP code; renew the session as signed in",
            post(html::login::verify_code),
        ),
        row(
            "POST",
            "/logout",
            SESSION,
            "End the session",
            post(html::login::logout),
        ),
        row(
            "GET",
            "/",
            SIGNED_IN,
            "Dashboard",
            get(html::dashboard::page),
        ),
        row(
            "GET",
            "/persons",
            read,
            "The tenant's persons, searchable",
            get(html::persons::list),
        ),
        row(
            "GET",
            "/persons/new",
            register,
            "Registration form (GC III 17/122, GC IV 136-138)",
            get(html::register::form),
        ),
        row(
            "POST",
            "/persons",
            register,
            "Register a person",
            post(html::register::submit),
        ),
        row(
            "GET",
            "/persons/{id}",
            read,
            "One person: values with provenance, timeline, obligations",
            get(html::person::page),
        ),
        row(
            "GET",
            "/persons/{id}/events/new",
            register,
            "Event form",
            get(html::register::event_form),
        ),
        row(
            "POST",
            "/persons/{id}/events",
            register,
            "Record an event",
            post(html::register::event_submit),
        ),
        row(
            "GET",
            "/persons/{id}/capture-card",
            register,
            "Capture card, GC III Annex IV B (printable)",
            get(html::cards::capture_card),
        ),
        row(
            "GET",
            "/persons/{id}/internment-card",
            register,
            "Internment card, GC IV Annex III (printable)",
            get(html::cards::internment_card),
        ),
        row(
            "GET",
            "/deadlines",
            read,
            "Obligations: due, overdue, done",
            get(html::deadlines::page),
        ),
        row(
            "GET",
            "/tracing",
            trace,
            "Tracing requests",
            get(html::agency::list),
        ),
        row(
            "GET",
            "/tracing/new",
            trace,
            "Tracing request intake form",
            get(html::agency::form),
        ),
        row(
            "POST",
            "/tracing",
            trace,
            "Take in a tracing request",
            post(html::agency::submit),
        ),
        row(
            "GET",
            "/tracing/{id}",
            trace,
            "A request and the engine's proposals, for review",
            get(html::agency::review),
        ),
        row(
            "POST",
            "/tracing/{id}/decisions",
            trace,
            "Confirm or reject a proposed match",
            post(html::agency::decide),
        ),
        row(
            "GET",
            "/tracing/{id}/letter/{person}",
            trace,
            "The answer letter, after two confirmations",
            get(html::agency::letter),
        ),
        // Issue 5, item 3: same-person proposals at the agency (crates/web/src/links.rs).
        row(
            "GET",
            "/same-person",
            trace,
            "Open same-person proposals, best first",
            get(html::links::list),
        ),
        row(
            "GET",
            "/same-person/{id}",
            trace,
            "A proposed same-person pair side by side, for review",
            get(html::links::pair),
        ),
        row(
            "POST",
            "/same-person/{id}/decisions",
            trace,
            "Confirm or reject a same-person proposal",
            post(html::links::decide),
        ),
        row(
            "GET",
            "/account/tokens",
            tokens,
            "The tenant's API tokens",
            get(html::account::tokens),
        ),
        row(
            "POST",
            "/account/tokens",
            tokens,
            "Create an API token (shown once)",
            post(html::account::create_token),
        ),
        row(
            "POST",
            "/account/tokens/{id}/revoke",
            tokens,
            "Revoke an API token",
            post(html::account::revoke_token),
        ),
        row(
            "GET",
            "/api/v1/openapi.json",
            PUBLIC,
            "This API's OpenAPI 3.1 document",
            get(api::openapi),
        ),
        row(
            "GET",
            "/api/v1/persons",
            read,
            "List persons",
            get(api::persons_list),
        ),
        row(
            "POST",
            "/api/v1/persons",
            register,
            "Register a person",
            post(api::persons_register),
        ),
        row(
            "GET",
            "/api/v1/persons/{id}",
            read,
            "One person with values, provenance and events",
            get(api::person_get),
        ),
        row(
            "GET",
            "/api/v1/persons/{id}/subject-export",
            SubjectAccess::NAME,
            "Everything held about one person (right of access, audited with its purpose)",
            get(api::subject::subject_export),
        ),
        row(
            "POST",
            "/api/v1/persons/{id}/events",
            register,
            "Record an event",
            post(api::events_record),
        ),
        row(
            "GET",
            "/api/v1/deadlines",
            read,
            "Obligations with status",
            get(api::deadlines),
        ),
        row(
            "GET",
            "/api/v1/tracing-requests",
            trace,
            "List tracing requests",
            get(api::tracing_list),
        ),
        row(
            "POST",
            "/api/v1/tracing-requests",
            trace,
            "Take in a tracing request",
            post(api::tracing_create),
        ),
        row(
            "GET",
            "/api/v1/tracing-requests/{id}",
            trace,
            "One tracing request",
            get(api::tracing_get),
        ),
        // Issue 5: transmissions (crates/web/src/transmission, docs/transmissions.md).
        row(
            "GET",
            "/api/v1/tracing-requests/{id}/proposals",
            trace,
            "Persons the matching engine proposes for a tracing request",
            get(api::transmissions::proposals),
        ),
        row(
            "GET",
            "/api/v1/same-person-proposals",
            trace,
            "Open same-person proposals (two records, one person?), best first",
            get(api::links::list),
        ),
        row(
            "GET",
            "/api/v1/same-person-proposals/{id}",
            trace,
            "One same-person proposal with its decisions",
            get(api::links::get),
        ),
        row(
            "POST",
            "/api/v1/same-person-proposals/{id}/decisions",
            trace,
            "Confirm or reject a same-person proposal",
            post(api::links::decide),
        ),
        row(
            "POST",
            TRANSMISSIONS_PATH,
            PEER,
            "A peer pushes a signed, encrypted bundle; answers the signed receipt",
            post(api::transmissions::receive),
        ),
        row(
            "POST",
            OUTBOX_PATH,
            PEER,
            "A pinned peer fetches the oldest envelope held for it (signed pull request)",
            post(api::transmissions::outbox),
        ),
        row(
            "GET",
            "/api/v1/compliance",
            read,
            "Per rule and channel: due, sent, acknowledged, late",
            get(api::transmissions::compliance),
        ),
        row(
            "GET",
            "/peers",
            read,
            "Peers: where each is reached, pins, what waits, last push, pull and failure",
            get(html::peers::page),
        ),
        row(
            "POST",
            "/peers/{peer}/pull",
            Exchange::NAME,
            "Fetch now what a peer set to pull holds for this tenant",
            post(html::peers::pull),
        ),
        // Issue 5: enquiries and answers (GC3-122-g, GC4-137-a), lists (GC3-46-a, GC4-127).
        row(
            "GET",
            "/enquiries",
            Enquire::NAME,
            "Enquiries asked or received, with their answers and targets",
            get(html::enquiries::page),
        ),
        row(
            "POST",
            "/enquiries",
            trace,
            "Ask a bureau about a person or a tracing request",
            post(html::enquiries::submit),
        ),
        row(
            "POST",
            "/enquiries/{id}/answer",
            register,
            "Answer an enquiry received",
            post(html::enquiries::answer),
        ),
        row(
            "GET",
            "/api/v1/enquiries",
            Enquire::NAME,
            "Enquiries asked or received, with their answers and targets",
            get(api::enquiries::list),
        ),
        row(
            "POST",
            "/api/v1/enquiries",
            trace,
            "Ask a bureau about a person or a tracing request",
            post(api::enquiries::create),
        ),
        row(
            "POST",
            "/api/v1/enquiries/{id}/answer",
            register,
            "Answer an enquiry received",
            post(api::enquiries::answer),
        ),
        row(
            "GET",
            "/api/v1/lists",
            read,
            "Lists of persons drawn up or received",
            get(api::enquiries::lists),
        ),
        row(
            "POST",
            "/api/v1/lists",
            register,
            "Draw up a list of persons to send to every peer",
            post(api::enquiries::draw),
        ),
        // Issue 5, continued: lists drawn from the records, closing enquiries.
        row(
            "GET",
            "/lists",
            read,
            "Lists of persons drawn up or received",
            get(html::lists::page),
        ),
        row(
            "POST",
            "/lists",
            register,
            "Draw a list from the records (transferred, arrived, released, repatriated, died)",
            post(html::lists::submit),
        ),
        row(
            "POST",
            "/enquiries/{id}/close",
            trace,
            "Close an enquiry asked (answered or withdrawn) with a reason",
            post(html::enquiries::close),
        ),
        row(
            "POST",
            "/api/v1/enquiries/{id}/close",
            trace,
            "Close an enquiry asked (answered or withdrawn) with a reason",
            post(api::enquiries::close),
        ),
        row(
            "GET",
            "/compliance",
            read,
            "Compliance: due, sent, acknowledged, late",
            get(html::compliance::page),
        ),
        // The protection unit (issue 6): its delegates only; anyone else gets 404.
        row(
            "GET",
            "/protection",
            protect,
            "Places, refusals of access, visits, allegations, evidence",
            get(protection::overview),
        ),
        row(
            "GET",
            "/protection/visits/{id}",
            protect,
            "A visit: conditions, persons seen, reconciliation alerts explained",
            get(protection::visit_page),
        ),
        row(
            "GET",
            "/protection/visits/new",
            protect,
            "Form: a new visit (body, team, dates, places)",
            get(protection::visit_form),
        ),
        row(
            "POST",
            "/protection/visits",
            protect,
            "Record a visit",
            post(protection::visit_submit),
        ),
        row(
            "POST",
            "/protection/visits/{id}/conditions",
            protect,
            "Record how a standard condition went (ICRC-VIS-a)",
            post(protection::condition_submit),
        ),
        row(
            "POST",
            "/protection/visits/{id}/refusals",
            protect,
            "Record a refusal or restriction of access (GC III 126)",
            post(protection::refusal_submit),
        ),
        row(
            "POST",
            "/protection/visits/{id}/persons-seen",
            protect,
            "Register a person seen",
            post(protection::person_seen_submit),
        ),
        row(
            "POST",
            "/protection/visits/{id}/follow-ups",
            protect,
            "Record a follow-up of a person seen (ICRC-VIS-d)",
            post(protection::follow_up_submit),
        ),
        row(
            "POST",
            "/protection/visits/{id}/interviews",
            protect,
            "Record a private interview (GC III 126, ICRC-VIS-c)",
            post(protection::interview_submit),
        ),
        row(
            "POST",
            "/protection/refusals/{id}/end",
            protect,
            "Record that access was granted again after a refusal",
            post(protection::refusal_end_submit),
        ),
        row(
            "GET",
            "/protection/allegations/new",
            protect,
            "Form: a new allegation",
            get(protection::allegation_form),
        ),
        row(
            "POST",
            "/protection/allegations",
            protect,
            "Record an allegation",
            post(protection::allegation_submit),
        ),
        row(
            "GET",
            "/protection/allegations/{id}",
            protect,
            "An allegation: history, evidence, forms (read logged)",
            get(protection::allegation_page),
        ),
        row(
            "POST",
            "/protection/allegations/{id}/steps",
            protect,
            "Add a representation, the authority's reply or the closure",
            post(protection::step_submit),
        ),
        row(
            "GET",
            "/protection/places/new",
            protect,
            "Form: a new place of detention with its profile (GC3-23-a)",
            get(protection::place_form),
        ),
        row(
            "POST",
            "/protection/places",
            protect,
            "Add a place with its profile and the notice of its location",
            post(protection::place_submit),
        ),
        row(
            "GET",
            "/protection/places/{id}",
            protect,
            "A place: profile, notifications, their forms",
            get(protection::place_page),
        ),
        row(
            "POST",
            "/protection/places/{id}/notices",
            protect,
            "Record a notification about a place (GC3-23-a)",
            post(protection::place_notice_submit),
        ),
        row(
            "POST",
            "/protection/places/{id}/profile",
            protect,
            "Record the profile of a place that has none",
            post(protection::place_profile_submit),
        ),
        row(
            "GET",
            "/protection/persons-seen/{id}",
            protect,
            "A person seen: interviews, follow-ups, follow-up form (read logged)",
            get(protection::person_page),
        ),
        row(
            "POST",
            "/protection/persons-seen/{id}/follow-ups",
            protect,
            "Record a follow-up from the person's page (ICRC-VIS-d)",
            post(protection::person_follow_up_submit),
        ),
        row(
            "POST",
            "/protection/persons-seen/{id}/same-as",
            protect,
            "Link a registration to the person seen before (ICRC-VIS-d)",
            post(protection::same_as_submit),
        ),
        row(
            "GET",
            "/protection/persons-seen",
            protect,
            "Every person seen on every visit, by place (read logged)",
            get(protection::persons_seen_page),
        ),
        row(
            "GET",
            "/protection/follow-ups/due",
            protect,
            "Persons whose next visit is due or overdue (ICRC-VIS-d, read logged)",
            get(protection::overdue_page),
        ),
        row(
            "POST",
            "/protection/allegations/{id}/interviews",
            protect,
            "Link a private interview an allegation comes from (ICRC-VIS-c)",
            post(protection::link_interview_submit),
        ),
        row(
            "GET",
            "/protection/allegations/{id}/representation",
            protect,
            "What a representation of a form would hand to the authority (read logged)",
            get(protection::representation_page),
        ),
        row(
            "POST",
            "/protection/allegations/{id}/evidence",
            protect,
            "Upload an evidence file to an allegation (multipart, streamed, bounded)",
            post(protection::evidence_upload_form),
        ),
        row(
            "GET",
            "/protection/evidence/{id}/file",
            protect,
            "Download an evidence file (purpose required and logged)",
            get(protection::evidence_download),
        ),
        row(
            "GET",
            "/protection/evidence/verify",
            protect,
            "Check every evidence hash and chain of custody",
            get(protection::verify_page),
        ),
        row(
            "GET",
            "/api/v1/protection/visits",
            protect,
            "List visits",
            get(protection::api_visits),
        ),
        row(
            "GET",
            "/api/v1/protection/visits/{id}",
            protect,
            "A visit with conditions, refusals, persons seen and follow-ups",
            get(protection::api_visit),
        ),
        row(
            "GET",
            "/api/v1/protection/visits/{id}/alerts",
            protect,
            "Reconciliation alerts of a visit, with explanations",
            get(protection::api_alerts),
        ),
        row(
            "GET",
            "/api/v1/protection/persons-seen",
            protect,
            "Every person seen on every visit, by place, with the person followed (read logged)",
            get(protection::api_persons_seen),
        ),
        row(
            "GET",
            "/api/v1/protection/persons-seen/{id}/suggestions",
            protect,
            "Earlier registrations the engine proposes as the same person, with probability and explanation",
            get(protection::api_suggestions),
        ),
        row(
            "GET",
            "/api/v1/protection/follow-ups/due",
            protect,
            "Persons whose next visit is due or overdue, with why (ICRC-VIS-d, read logged)",
            get(protection::api_overdue),
        ),
        row(
            "GET",
            "/api/v1/protection/interviews/{id}",
            protect,
            "A private interview with its notes; purpose required and logged (ICRC-VIS-c)",
            get(protection::api_interview),
        ),
        row(
            "GET",
            "/api/v1/protection/allegations/{id}",
            protect,
            "An allegation with its representations and replies",
            get(protection::api_allegation),
        ),
        // ICRC-VIS-e: representations with their text (sealed), and the authority's replies.
        row(
            "POST",
            "/protection/allegations/{id}/representations",
            protect,
            "Record a confidential representation as written and sent (ICRC-VIS-e)",
            post(protection::representation_submit),
        ),
        row(
            "GET",
            "/protection/representations/{id}",
            protect,
            "A representation; its texts only with a purpose, logged with the read",
            get(protection::representation_read_page),
        ),
        row(
            "POST",
            "/protection/representations/{id}/replies",
            protect,
            "Record the authority's reply and its outcome",
            post(protection::reply_submit),
        ),
        row(
            "POST",
            "/api/v1/protection/allegations/{id}/representations",
            protect,
            "Record a confidential representation (ICRC-VIS-e)",
            post(protection::api_representation_create),
        ),
        row(
            "GET",
            "/api/v1/protection/representations/{id}",
            protect,
            "A representation with its texts; ?purpose= required and logged",
            get(protection::api_representation_read),
        ),
        row(
            "POST",
            "/api/v1/protection/representations/{id}/replies",
            protect,
            "Record the authority's reply and its outcome",
            post(protection::api_reply_create),
        ),
        row(
            "GET",
            "/api/v1/protection/allegations/{id}/representation",
            protect,
            "What a representation of a form carries, or 422 with why not (ICRC-VIS-c)",
            get(protection::api_representation),
        ),
        row(
            "POST",
            "/api/v1/protection/evidence",
            protect,
            "Upload an evidence file (streamed, bounded, SHA-256, sealed)",
            post(protection::api_evidence_upload),
        ),
        row(
            "GET",
            "/api/v1/protection/evidence/verify",
            protect,
            "Check every evidence hash and chain of custody",
            get(protection::api_verify),
        ),
    ]
}

/// The receive endpoint: authorized by the envelope's signatures against pinned keys, not by a
/// session or token, and with its own body limit (bundles are larger than API bodies).
const TRANSMISSIONS_PATH: &str = "/api/v1/transmissions";
/// The outbox peers pull from: authorized by a signed pull request, its refusals in the API's
/// error shape with their own codes (so no `json_errors` layer).
const OUTBOX_PATH: &str = "/api/v1/transmissions/outbox";

/// The route table without handlers: for the matrix test and the OpenAPI document.
#[must_use]
pub fn route_table() -> Vec<RouteInfo> {
    routes().into_iter().map(|(info, _)| info).collect()
}

/// The whole application over `store`.
pub fn router(store: Store, config: &ServeConfig) -> Router {
    auth::warm_up();
    let state = AppState::new(store, config);
    if config.warm_indexes {
        // Outside a runtime (a test building the route table) there is nothing to warm.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(crate::search::warm_up(state.clone()));
        }
    }
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for (info, handler) in routes() {
        let handler = if info.path == TRANSMISSIONS_PATH {
            handler.layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(
                api::transmissions::BUNDLE_LIMIT,
            ))
        } else if info.path == OUTBOX_PATH {
            handler.layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(api::BODY_LIMIT))
        } else if info.path.starts_with("/api/") {
            handler
                .layer::<_, std::convert::Infallible>(middleware::from_fn(api::json_errors))
                .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(api::BODY_LIMIT))
        } else {
            handler.layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(auth::FORM_LIMIT))
        };
        let merged = match by_path.remove(info.path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        by_path.insert(info.path, merged);
    }
    let mut router = Router::new();
    for (path, handler) in by_path {
        router = router.route(path, handler);
    }
    router
        .fallback(html::not_found)
        .layer(middleware::from_fn(headers::same_origin))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::limits::per_address,
        ))
        .layer(middleware::from_fn(headers::log_request))
        .layer(middleware::from_fn(headers::security_headers))
        .with_state(state)
}

//! PROV: provider-specific knowledge — the identity provider's own error codes and quirks, read
//! through the knowledge base in `src/providers/`. PROV001 turns a recognised provider code into
//! the diagnosis it documents; the other rules explain dialects that mislead clients (errors
//! with HTTP 200, numbers sent as strings, error pages instead of redirects, unusual statuses).

use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::errors::{self, error_code};
use crate::providers::display_name;
use crate::providers::matcher::{self, Match, level};
use std::collections::HashSet;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[&Prov001, &Prov002, &Prov003, &Prov004, &Prov005];

/// The provider of an exchange, or of the flow it belongs to (a callback on the client's own
/// host carries the provider's error but not its host).
fn provider_of(cx: &Context<'_>, i: usize) -> Option<&'static str> {
    cx.exchanges[i].provider.or_else(|| {
        let flow = cx
            .index
            .flow_of
            .get(i)
            .and_then(|f| cx.index.flows.get(*f))?;
        flow.exchanges
            .iter()
            .find_map(|&j| cx.exchanges[j].provider)
    })
}

/// How much a match proves (docs/signatures.md, matching rule 4). A provider code that names
/// its cause overrules generic readings. A `parameters` entry names what the server saw missing
/// or malformed, and an "invalid or expired" family description names the most common cause of
/// an ambiguous message: rules with direct or recomputed request evidence (JSON body, query
/// string, code reuse, PKCE, redirect URI diffs) must outrank those. A fallback entry for a bare
/// RFC code adds the provider's documentation but no more certainty than the code itself.
///
/// On an authorization error page there is no grant-aware generic reading to defer to: the code
/// on the page is the server's own statement, so a fallback entry counts as direct evidence.
fn weigh(m: &Match, page: bool) -> (Strength, bool) {
    let restates_rfc = m.level == level::ERROR && errors::standard(&m.code).is_some();
    if m.signature.category == Category::Parameters {
        (Strength::Heuristic, true)
    } else if restates_rfc && !m.by_contains && page {
        (Strength::Direct, true)
    } else if restates_rfc && !m.by_contains {
        // No more than the bare code: the generic, grant-aware reading (STAT016) decides.
        (Strength::Absence, false)
    } else if restates_rfc && m.signature.category == Category::GrantType {
        (Strength::Direct, true)
    } else {
        (Strength::ProviderCode, true)
    }
}

fn code_text(m: &Match) -> String {
    match m.signature.error.as_deref() {
        Some(err) if !err.eq_ignore_ascii_case(&m.code) => format!("`{}` (`{err}`)", m.code),
        _ => format!("`{}`", m.code),
    }
}

/// Report the primary match of an exchange, with every other entry that applies. `seen` says
/// what the exchange got, e.g. "the token request got".
fn report_matches(
    cx: &mut Context<'_>,
    e: &Exchange,
    provider: &str,
    ms: &[Match],
    x: &matcher::Extracted,
    seen: &str,
) {
    let Some(m) = ms.first() else {
        return;
    };
    let sig = m.signature;
    let others: Vec<String> = ms[1..]
        .iter()
        .map(|o| format!("`{}` ({})", o.code, o.signature.title))
        .collect();
    let message = format!(
        "{seen} {} from {}: {}{}",
        code_text(m),
        display_name(provider),
        sig.title,
        if others.is_empty() {
            String::new()
        } else {
            format!("; also {}", others.join(", "))
        }
    );
    let (strength, confirmed) = weigh(m, x.page);
    // An entry that only restates a bare RFC code knows no more than the code: take the
    // grant-aware reading of it (refresh → expired or revoked, code → redeemed or expired).
    let category = if strength == Strength::Absence {
        let err = errors::error_code(e);
        errors::fallback_category(
            &m.code,
            e.kind,
            e.request.param("grant_type").as_deref(),
            err.as_ref().and_then(|x| x.description.as_deref()),
        )
    } else {
        sig.category
    };
    let mut rep = cx
        .report(e.index, message)
        .category(category)
        .title(sig.title.clone())
        .fix(sig.fix.clone())
        .strength(strength)
        .reference(sig.docs.clone())
        .text(e.index, m.at, m.code.clone());
    if confirmed {
        rep = rep.confirmed();
    }
    for o in &ms[1..] {
        rep = rep.text(e.index, o.at, o.code.clone());
        if o.signature.docs != sig.docs {
            rep = rep.reference(o.signature.docs.clone());
        }
    }
    if let Some(d) = x.description() {
        rep = rep.text(e.index, x.description_location(), d);
    }
    rep.emit();
}

fn seen_phrase(e: &Exchange) -> String {
    match e.kind {
        Kind::Callback | Kind::Authorize => "the authorization response carried".to_string(),
        Kind::Resource => "the API call got".to_string(),
        Kind::Other => "the request got".to_string(),
        k => format!("the {} request got", k.as_str()),
    }
}

declare_rule! {
    /// ## What it does
    /// Reads the identity provider's own error code in its own dialect — Entra `AADSTS…` codes
    /// in `error_description` and `error_codes`, Google reasons, GitHub `error` in a 200 form
    /// body, Facebook `code`/`error_subcode`, Slack `ok:false`, Okta `errorCode`, Cognito
    /// `__type`, … — and matches it against the knowledge base of documented provider errors.
    /// The finding takes the entry's root-cause category, title, fix and documentation link
    /// (`oauth-doctor explain CODE` prints the entry's full meaning and source).
    ///
    /// ## Why it fails
    /// The standard `error` value alone often names the wrong cause: Entra's `invalid_grant`
    /// with `AADSTS50076` is a missing MFA step, not a bad grant; Facebook's code 190 means
    /// "password changed" with subcode 460 and "expired" with 463; Keycloak says
    /// `unauthorized_client` or `invalid_client` for the same wrong secret depending on its
    /// version. The provider's code says what actually happened.
    ///
    /// ## Example
    /// `POST https://login.microsoftonline.com/{tenant}/oauth2/token` → `401`
    /// `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret
    /// provided. Ensure the secret being sent in the request is the client secret value, not
    /// the client secret ID…"}`: the secret's ID was pasted where its value belongs.
    ///
    /// ## Fix
    /// Apply the fix the entry gives (`oauth-doctor explain CODE` prints it with its source).
    /// When a code is ambiguous (Google "Bad Request", Okta "invalid or has expired"), the
    /// request evidence of other findings tells the causes apart.
    ///
    /// ## References
    /// RFC 6749 §5.2; docs/signatures.md; the provider's documentation linked in each finding
    pub struct Prov001 {
        code: "PROV001",
        name: "provider-error-code",
        title: "provider error code recognised",
        category: Other,
        severity: Error,
        kind: Diag,
        fix: "follow the provider's documented fix for the code (`oauth-doctor explain CODE`)",
        references: ["RFC 6749 §5.2"],
    }
}

impl Rule for Prov001 {
    fn check(&self, cx: &mut Context<'_>) {
        let mut redirected: HashSet<(String, String)> = HashSet::new();
        for e in cx.exchanges {
            if !e.failed() || e.kind == Kind::Preflight {
                continue;
            }
            let Some(p) = provider_of(cx, e.index) else {
                continue;
            };
            let x = matcher::extract(p, e);
            if x.page && e.kind == Kind::Authorize {
                continue; // PROV004
            }
            let ms = matcher::best(p, &x);
            let Some(m) = ms.first() else {
                continue;
            };
            // An authorization error is seen twice: in the Location header and in the callback.
            if m.at == "response.headers.location" || m.at == "request.url.error" {
                let key = (m.code.to_lowercase(), x.description().unwrap_or_default());
                if !redirected.insert(key) {
                    continue;
                }
            }
            report_matches(cx, e, p, &ms, &x, &seen_phrase(e));
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a recognised provider that answered an error with a success status: GitHub OAuth
    /// apps answer token-endpoint errors with HTTP 200 (form-encoded unless the request sent
    /// `Accept: application/json`), Slack answers every Web API error with HTTP 200 and
    /// `{"ok":false,"error":…}`.
    ///
    /// ## Why it fails
    /// Clients that trust the status parse the body as a token response and then report a
    /// missing `access_token` (or "Unexpected token e" when the form-encoded body meets a JSON
    /// parser) instead of the real error, which hides the cause.
    ///
    /// ## Example
    /// `POST https://github.com/login/oauth/access_token` (no `Accept` header) → `200`
    /// `error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.`
    ///
    /// ## Fix
    /// Read `error` (Slack: `ok`) before anything else, whatever the status; ask GitHub for
    /// JSON with `Accept: application/json`.
    ///
    /// ## References
    /// RFC 6749 §5.2; GitHub "Troubleshooting OAuth app access token request errors"; Slack
    /// "Web API: evaluating responses"
    pub struct Prov002 {
        code: "PROV002",
        name: "provider-error-with-200",
        title: "provider answered an error with HTTP 200",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "check `error` (Slack: `ok`) in every response body before reading tokens; send `Accept: application/json` to GitHub",
        references: [
            "RFC 6749 §5.2",
            "https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors",
            "https://api.slack.com/web#evaluating_responses",
        ],
    }
}

impl Rule for Prov002 {
    fn check(&self, cx: &mut Context<'_>) {
        // One finding per provider and body shape: device-flow polling repeats the same quirk.
        let mut groups: Vec<((&'static str, &'static str), Vec<usize>)> = Vec::new();
        for e in cx.exchanges {
            let Some(r) = &e.response else { continue };
            if !r.is_success() || error_code(e).is_none_or(|er| er.at != "response.body.error") {
                continue;
            }
            let Some(p) = provider_of(cx, e.index) else {
                continue;
            };
            let shape = match &r.json {
                Some(j) if j.get("ok").and_then(|v| v.as_bool()) == Some(false) => "ok-false",
                Some(_) => "json",
                None => "form",
            };
            match groups.iter_mut().find(|(k, _)| *k == (p, shape)) {
                Some((_, v)) => v.push(e.index),
                None => groups.push(((p, shape), vec![e.index])),
            }
        }
        let ex = cx.exchanges;
        for ((p, shape), idx) in groups {
            let e = &ex[idx[0]];
            let Some(err) = error_code(e) else { continue };
            let status = e.status().unwrap_or(200);
            let name = display_name(p);
            let mut message = match shape {
                "ok-false" => format!(
                    "a {status} response from {name} carries `{{\"ok\":false,\"error\":\"{}\"}}`: the error travels in a success response",
                    err.code
                ),
                "form" => format!(
                    "a {status} response from {name} carries the form-encoded error `{}`; the request's `Accept` was `{}`, so a client expecting a JSON token response sees no `access_token`",
                    err.code,
                    e.request.headers.get("accept").unwrap_or("(none)")
                ),
                _ => format!(
                    "a {status} response from {name} carries the JSON error `{}`: the error travels in a success response",
                    err.code
                ),
            };
            if idx.len() > 1 {
                message.push_str(&format!(" ({} responses like this)", idx.len()));
            }
            let fix = match shape {
                "ok-false" => {
                    "check `ok` in every Slack response before using it: errors come with HTTP 200"
                }
                "form" => {
                    "send `Accept: application/json` and check `error` before reading `access_token`, whatever the status"
                }
                _ => {
                    "check `error` in every response body before reading tokens, whatever the status"
                }
            };
            let mut rep = cx
                .report(e.index, message)
                .fix(fix)
                .strength(Strength::Direct)
                .text(e.index, "response.status", status.to_string())
                .text(e.index, err.at, err.code);
            for &j in idx.iter().skip(1).take(3) {
                if let Some(other) = error_code(&ex[j]) {
                    rep = rep.text(j, other.at, other.code);
                }
            }
            rep.emit();
        }
    }
}

/// Token-response members RFC 6749 §5.1 (and provider extensions) define as numbers.
const NUMERIC_MEMBERS: &[&str] = &[
    "expires_in",
    "ext_expires_in",
    "refresh_expires_in",
    "refresh_token_expires_in",
    "expires_on",
    "not_before",
    "interval",
];

declare_rule! {
    /// ## What it does
    /// Flags a token (or device authorization) response that sends `expires_in` or another
    /// numeric member as a JSON string — Microsoft Entra's v1.0 endpoint
    /// (`/oauth2/token`) answers `"expires_in":"3599"`, `"expires_on":"1700003600"`.
    ///
    /// ## Why it fails
    /// RFC 6749 §5.1 serialises numeric values as JSON numbers. Strictly typed clients reject
    /// the whole token response ("invalid type: string \"3599\", expected u64"), others compute
    /// an expiry of `NaN` or zero and refresh on every call or never.
    ///
    /// ## Example
    /// `POST https://login.microsoftonline.com/{tenant}/oauth2/token` → `200`
    /// `{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","expires_on":"…","access_token":"…"}`
    ///
    /// ## Fix
    /// Parse these members leniently (a number or a numeric string), or use the v2.0 endpoint
    /// (`/oauth2/v2.0/token`, `scope=` instead of `resource=`), which sends numbers.
    ///
    /// ## References
    /// RFC 6749 §5.1; Microsoft identity platform v1.0 token response
    pub struct Prov003 {
        code: "PROV003",
        name: "numeric-member-as-string",
        title: "token response sends `expires_in` as a string",
        category: ContentTypeEncoding,
        severity: Warning,
        kind: Lint,
        fix: "parse `expires_in` (and `expires_on`, `ext_expires_in`) as a number or a numeric string, or move to the v2.0 endpoint that sends numbers",
        references: ["RFC 6749 §5.1"],
    }
}

impl Rule for Prov003 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if !matches!(e.kind, Kind::Token | Kind::DeviceAuthorization) {
                continue;
            }
            let Some(r) = &e.response else { continue };
            let Some(j) = r.json.as_ref().filter(|_| r.is_success()) else {
                continue;
            };
            let strings: Vec<(&str, &str)> = NUMERIC_MEMBERS
                .iter()
                .filter_map(|k| j.get(*k).and_then(|v| v.as_str()).map(|v| (*k, v)))
                .collect();
            let Some((first, value)) = strings.first() else {
                continue;
            };
            let who = provider_of(cx, e.index)
                .map(display_name)
                .unwrap_or("the server");
            let names: Vec<String> = strings.iter().map(|(k, _)| format!("`{k}`")).collect();
            let v1 = if e.provider == Some("entra") && e.request.path().ends_with("/oauth2/token") {
                " (Entra's v1.0 endpoint; `/oauth2/v2.0/token` sends numbers)"
            } else {
                ""
            };
            let mut rep = cx.report(
                e.index,
                format!(
                    "the token response from {who} sends {} as JSON strings (`\"{first}\":\"{value}\"`), not numbers{v1}",
                    names.join(", ")
                ),
            );
            for (k, v) in &strings {
                rep = rep.text(e.index, format!("response.body.{k}"), format!("\"{v}\""));
            }
            rep.strength(Strength::Direct).emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Reads an authorization-endpoint error page — shown instead of a redirect back to the
    /// client — for the provider's code and matches it against the knowledge base: Entra's
    /// "Sorry, but we're having trouble signing you in" with `AADSTS50011`, Google's "400.
    /// That's an error." with `Error 400: redirect_uri_mismatch` or `Error: invalid_client`,
    /// Spotify's `INVALID_CLIENT: Invalid redirect URI`, node-oidc-provider's "oops! something
    /// went wrong".
    ///
    /// ## Why it fails
    /// When the client_id is unknown or the redirect_uri is not registered the provider must not
    /// redirect, so the browser shows a page and the application never hears about it. The page
    /// carries the provider's code, which names the cause exactly.
    ///
    /// ## Example
    /// `GET https://login.microsoftonline.com/common/oauth2/v2.0/authorize?…&redirect_uri=https://app.example/cb`
    /// → `400` HTML "AADSTS50011: The redirect URI '…' specified in the request does not match
    /// the redirect URIs configured for the application".
    ///
    /// ## Fix
    /// Apply the entry's fix: usually register the exact redirect URI, or use the right
    /// client_id for the tenant or project.
    ///
    /// ## References
    /// RFC 6749 §3.1.2.4, §4.1.2.1; the provider's documentation linked in each finding
    pub struct Prov004 {
        code: "PROV004",
        name: "provider-authorize-error-page",
        title: "authorization error page carries a provider code",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "follow the provider's documented fix for the code on the page (`oauth-doctor explain CODE`)",
        references: ["RFC 6749 §4.1.2.1"],
    }
}

impl Rule for Prov004 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if e.kind != Kind::Authorize {
                continue;
            }
            let Some(r) = &e.response else { continue };
            if r.is_redirect() || !(r.status == 200 || (400..500).contains(&r.status)) {
                continue;
            }
            let Some(p) = provider_of(cx, e.index) else {
                continue;
            };
            let x = matcher::extract(p, e);
            if !x.page {
                continue;
            }
            let ms = matcher::best(p, &x);
            let Some(m) = ms.first() else { continue };
            // A 200 page is an error page only when its visible text shows the code (a sign-in
            // page's scripts may mention codes it handles).
            if r.status == 200
                && !matcher::visible_text(r.body.as_deref().unwrap_or("")).contains(m.code.as_str())
            {
                continue;
            }
            let seen = format!(
                "the authorization request got a {} error page instead of a redirect, showing",
                r.status
            );
            report_matches(cx, e, p, &ms, &x, &seen);
        }
    }
}

/// RFC 6749 §5.2 token-endpoint error codes: all answered with 400, `invalid_client` may be 401.
const TOKEN_ERRORS: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
];

declare_rule! {
    /// ## What it does
    /// Flags a token-endpoint error from RFC 6749 §5.2 sent with an HTTP status the RFC does not
    /// use for it: Auth0 answers `invalid_grant` with 403, older Keycloak versions answer
    /// `unauthorized_client` with 401, some gateways turn errors into 404 or 422.
    ///
    /// ## Why it fails
    /// §5.2 answers every token error with 400, and only `invalid_client` with 401. Clients and
    /// SDKs that branch on the status misreport these: a 403 becomes "permission denied" or a
    /// retry, a 401 becomes "wrong client secret", and the body with the real cause is never
    /// read.
    ///
    /// ## Example
    /// `POST https://tenant.auth0.com/oauth/token` (refresh_token grant) → `403`
    /// `{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`
    ///
    /// ## Fix
    /// Diagnose token errors by the `error` member, not the status; treat any 4xx from the token
    /// endpoint as an OAuth error response and read its body.
    ///
    /// ## References
    /// RFC 6749 §5.2; Auth0 Authentication API, standard error responses
    pub struct Prov005 {
        code: "PROV005",
        name: "nonstandard-error-status",
        title: "token error sent with a non-standard HTTP status",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "branch on the `error` member of the token response, not on the HTTP status",
        references: ["RFC 6749 §5.2", "https://auth0.com/docs/api/authentication"],
    }
}

impl Rule for Prov005 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if e.kind != Kind::Token {
                continue;
            }
            let Some(status) = e.status() else { continue };
            if status == 400 || !(401..500).contains(&status) {
                continue;
            }
            let Some(err) = error_code(e) else { continue };
            let code = err.code.as_str();
            if !TOKEN_ERRORS.contains(&code) || (code == "invalid_client" && status == 401) {
                continue;
            }
            let who = provider_of(cx, e.index)
                .map(display_name)
                .unwrap_or("the server");
            let expected = if code == "invalid_client" {
                "400 or 401"
            } else {
                "400"
            };
            cx.report(
                e.index,
                format!(
                    "`{code}` came with HTTP {status} from {who}; RFC 6749 §5.2 uses {expected} for it, so status-based error handling misreads it"
                ),
            )
            .strength(Strength::Direct)
            .text(e.index, "response.status", status.to_string())
            .text(e.index, err.at, code.to_string())
            .emit();
        }
    }
}

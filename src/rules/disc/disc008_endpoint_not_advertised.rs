//! `DISC008` endpoint-not-advertised: client calls an endpoint the authorization server does not advertise.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a 404 on an introspection, revocation, device-authorization or PAR request whose
    /// URL is not the one the issuer's metadata advertises for that endpoint — either the
    /// metadata names another URL, or it names none (the feature is not enabled).
    ///
    /// ## Why it fails
    /// The URL was guessed from another endpoint's shape (`/oauth2/introspect` next to
    /// `/oauth2/token`) or copied from another provider's documentation; servers that do not
    /// offer the feature do not advertise it. When a resource server's failure is caused by
    /// the 404 (it introspects while handling the call and says so), the finding explains that
    /// failure and is an error rather than the catalogue's warning.
    ///
    /// ## Example
    /// `POST https://idp.example.com/oauth2/revoke` → `404`, while the metadata has no
    /// `revocation_endpoint`.
    ///
    /// ## Fix
    /// Use the endpoints the metadata advertises; when it advertises none, the feature is not
    /// enabled for this server or tenant.
    ///
    /// ## References
    /// RFC 8414 §2; RFC 7662 §2; RFC 7009 §2; RFC 8628 §4; RFC 9126 §5
    pub struct Disc008 {
        code: "DISC008",
        name: "endpoint-not-advertised",
        title: "client calls an endpoint the authorization server does not advertise",
        category: EndpointUrl,
        severity: Warning,
        kind: Diag,
        fix: "use the endpoints the metadata advertises; when none is advertised the feature is not enabled",
        references: ["RFC 8414 §2", "RFC 7662 §2", "RFC 7009 §2", "RFC 8628 §4", "RFC 9126 §5"],
        explains_statuses: [(EndpointNotFound, 3)],
        absorbs: ["STAT006"],
    }
}

impl Rule for Disc008 {
    fn check(&self, cx: &mut Context<'_>) {
        if cx.index.metadata.is_empty() {
            return;
        }
        for e in cx.exchanges {
            if e.status() != Some(404) {
                continue;
            }
            let path = e.request.path().to_ascii_lowercase();
            let (field, what) = match e.kind {
                Kind::Introspection => ("introspection_endpoint", "introspection"),
                Kind::Revocation => ("revocation_endpoint", "revocation"),
                Kind::DeviceAuthorization => {
                    ("device_authorization_endpoint", "device authorization")
                }
                Kind::Par => (
                    "pushed_authorization_request_endpoint",
                    "pushed authorization",
                ),
                _ if path.contains("introspect") => ("introspection_endpoint", "introspection"),
                _ if path.contains("revoke") || path.contains("revocation") => {
                    ("revocation_endpoint", "revocation")
                }
                _ if path.contains("device") => {
                    ("device_authorization_endpoint", "device authorization")
                }
                _ if path.ends_with("/par") => (
                    "pushed_authorization_request_endpoint",
                    "pushed authorization",
                ),
                _ => continue,
            };
            let host = e.request.host().map(str::to_ascii_lowercase);
            // The metadata of this server: same host as the request, else the only one.
            let docs: Vec<(usize, &Map<String, Value>)> = cx
                .index
                .metadata
                .iter()
                .filter_map(|(i, d)| d.as_object().map(|o| (*i, o)))
                .collect();
            let md = docs
                .iter()
                .find(|(_, d)| {
                    d.get("issuer").and_then(Value::as_str).and_then(host_of) == host
                        || d.get("token_endpoint")
                            .and_then(Value::as_str)
                            .and_then(host_of)
                            == host
                })
                .or_else(|| (docs.len() == 1).then(|| &docs[0]));
            let Some((md_ex, md)) = md else { continue };
            let advertised = md.get(field).and_then(Value::as_str);
            let ep = e.request.endpoint();
            if advertised.is_some_and(|a| trim_slash(a).eq_ignore_ascii_case(trim_slash(&ep))) {
                continue;
            }
            let message = match advertised {
                Some(a) => format!(
                    "`{} {ep}` got 404; the metadata advertises the {what} endpoint at `{a}`",
                    e.request.method
                ),
                None => format!(
                    "`{} {ep}` got 404 and the metadata advertises no `{field}`: the server does not offer {what} (or not for this tenant)",
                    e.request.method
                ),
            };
            // A resource request that failed because of this call (the API introspects while
            // handling it) is the outcome it explains.
            let keyword = what.split(' ').next().unwrap_or(what);
            let keyword = &keyword[..keyword.len().min(9)];
            let caller = cx.exchanges[..e.index].iter().rev().find(|r| {
                matches!(r.kind, Kind::Resource | Kind::Userinfo)
                    && is_failure(r)
                    && (failure_text(r).contains(keyword) || r.contains_in_time(e))
            });
            let anchor = caller.map(|r| r.index).unwrap_or(e.index);
            let mut rep = cx
                .report(
                    anchor,
                    match caller {
                        Some(r) => format!(
                            "{message}; the API call `{} {}` failed because of it",
                            r.request.method,
                            r.request.endpoint()
                        ),
                        None => message,
                    },
                )
                .strength(if advertised.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Direct
                })
                .confirmed()
                .text(e.index, "request.url", ep.clone())
                .text(
                    *md_ex,
                    format!("response.body.{field}"),
                    advertised.unwrap_or("(absent)"),
                );
            if caller.is_some() {
                // It broke the user's call: an error, not the catalogue's warning.
                rep = rep.severity(Severity::Error);
            }
            rep.emit();
        }
    }
}

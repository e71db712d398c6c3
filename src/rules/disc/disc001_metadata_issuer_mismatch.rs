//! `DISC001` metadata-issuer-mismatch: metadata issuer differs from the configured issuer.

use super::*;

declare_rule! {
    /// ## What it does
    /// Derives the issuer a client used to build each discovery URL (OpenID form: the path
    /// before `/.well-known/openid-configuration`; RFC 8414 form: the path after
    /// `/.well-known/oauth-authorization-server`) and compares it with the document's `issuer`:
    /// scheme, host, port, letter case and path must be identical. A trailing `/` is not
    /// compared — the well-known construction removes it, so the URL cannot show it. Entra's
    /// multi-tenant documents (`/common`, `/organizations`, issuer with a `{tenantid}`
    /// placeholder) are reported too, with the tenant-specific way out: standard clients reject
    /// them. When a later exchange fails naming the issuer, the finding explains it. When an
    /// issuer is configured (live mode's `--issuer`, `expected_issuer` in the configuration
    /// file), the document's `issuer` must also be exactly that string, trailing `/` included.
    ///
    /// ## Why it fails
    /// OpenID Connect Discovery §4.3 and RFC 8414 §3.3 require the client to reject metadata
    /// whose `issuer` differs from the issuer it was configured with (mix-up defence); tokens
    /// then also fail issuer checks. Typical causes: a server behind a proxy that does not know
    /// its public URL, the wrong realm or tenant configured, `http` vs `https`.
    ///
    /// ## Example
    /// `GET https://login.example.org/realms/Acme/.well-known/openid-configuration` → `issuer:
    /// https://login.example.org/realms/acme` (realm name case).
    ///
    /// ## Fix
    /// Configure the client with the exact `issuer` string the server publishes; fix the
    /// server's public URL (hostname, forwarded headers) when it publishes an internal one.
    ///
    /// ## References
    /// RFC 8414 §3, §3.3; OIDC Discovery §4, §4.3
    pub struct Disc001 {
        code: "DISC001",
        name: "metadata-issuer-mismatch",
        title: "metadata issuer differs from the configured issuer",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "configure the exact `issuer` the server publishes, or fix the server's public URL settings",
        references: ["RFC 8414 §3.3", "OIDC Discovery §4.3"],
        absorbs: ["STAT003", "JWT003"],
    }
}

/// How a configured issuer and the published one differ.
fn issuer_difference(configured: &str, published: &str) -> Option<String> {
    if trim_slash(configured) == trim_slash(published) {
        return None;
    }
    if trim_slash(configured).eq_ignore_ascii_case(trim_slash(published)) {
        return Some("only letter case differs".to_string());
    }
    let (Ok(c), Ok(p)) = (url::Url::parse(configured), url::Url::parse(published)) else {
        return Some("they are different strings".to_string());
    };
    let mut parts = Vec::new();
    if c.scheme() != p.scheme() {
        parts.push(format!("scheme `{}` vs `{}`", c.scheme(), p.scheme()));
    }
    if c.host_str() != p.host_str() {
        parts.push(format!(
            "host `{}` vs `{}`",
            c.host_str().unwrap_or(""),
            p.host_str().unwrap_or("")
        ));
    }
    if c.port_or_known_default() != p.port_or_known_default() {
        parts.push("port".to_string());
    }
    if trim_slash(c.path()) != trim_slash(p.path()) {
        parts.push(format!(
            "path `{}` vs `{}`",
            trim_slash(c.path()),
            trim_slash(p.path())
        ));
    }
    if parts.is_empty() {
        parts.push("they are different strings".to_string());
    }
    Some(parts.join(", "))
}

impl Rule for Disc001 {
    fn check(&self, cx: &mut Context<'_>) {
        let mut reported = std::collections::HashSet::new();
        for e in discovery_exchanges(cx.exchanges) {
            let Some(r) = &e.response else { continue };
            if !r.is_success() {
                continue;
            }
            let Some(published) = r
                .json
                .as_ref()
                .and_then(|j| j.get("issuer"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let Some(wk) = WellKnown::parse(&e.request.url) else {
                continue;
            };
            let configured = wk.issuer();
            let Some(mut diff) = issuer_difference(&configured, published) else {
                continue;
            };
            if published.contains("{tenantid}") {
                diff = "the document is Entra's multi-tenant template (`{tenantid}` placeholder), which a standard client cannot match: configure the tenant-specific issuer, or validate `iss` against the token's `tid`".to_string();
            }
            let anchor = later_failure(cx, e.index, &["issuer", "iss "]).unwrap_or(e.index);
            let message = format!(
                "the discovery URL `{}` was built from the issuer `{configured}` but the document says `issuer: {published}`: {diff}",
                e.request.endpoint()
            );
            cx.report(anchor, message)
                .strength(Strength::Recomputed)
                .client_rejects()
                .text(e.index, "request.url", e.request.endpoint())
                .text(e.index, "response.body.issuer", published)
                .emit();
            reported.insert(anchor);
        }
        if let Some(configured) = cx.options.expected_issuer.clone() {
            configured_issuer(cx, configured.trim(), &reported);
        }
    }
}

/// Each discovery document fetched from the configured issuer's host whose `issuer` is not
/// exactly the configured issuer, unless the document was already reported: validators compare
/// the two strings exactly (OIDC Discovery §4.3, RFC 8414 §3.3), so here a trailing `/` counts.
/// Documents of other hosts belong to other issuers (a federated login) and are left alone.
fn configured_issuer(
    cx: &mut Context<'_>,
    configured: &str,
    reported: &std::collections::HashSet<usize>,
) {
    let host = url::Url::parse(configured)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    for e in discovery_exchanges(cx.exchanges) {
        let same_host = e
            .request
            .host()
            .is_some_and(|h| host.as_deref().is_none_or(|c| h.eq_ignore_ascii_case(c)));
        if !same_host {
            continue;
        }
        let published = e
            .answer_object()
            .and_then(|j| j.get("issuer"))
            .and_then(Value::as_str);
        let Some(published) = published.filter(|p| *p != configured) else {
            continue;
        };
        if reported.contains(&e.index) {
            continue;
        }
        cx.report(
            e.index,
            format!("the metadata's issuer is `{published}`, the configured issuer `{configured}`"),
        )
        .text(e.index, "response.body.issuer", published)
        .text(e.index, "configured issuer", configured)
        .emit();
    }
}

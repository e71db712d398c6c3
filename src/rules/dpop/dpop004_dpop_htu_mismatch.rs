//! `DPOP004` dpop-htu-mismatch: htu does not match request uri.

use super::*;

declare_rule! {
    /// ## What it does
    /// Compares each proof's `htu` with the URL of the request that carried it, without query
    /// and fragment, after RFC 3986 normalisation (scheme and host case, default port), and
    /// names the difference: a query or fragment inside `htu`, `http` vs `https`, host, port,
    /// path or trailing slash. When `htu` matches but the server still complains about it, the
    /// server reconstructs another URL (a TLS-terminating proxy or a path-rewriting gateway).
    ///
    /// ## Why it fails
    /// The server checks that the proof was made for this very URL (RFC 9449 §4.3 step 9).
    /// Clients put the full URL with its query in `htu`, reuse a proof made for another
    /// endpoint, or sign the internal URL; servers behind proxies compare with the URL they
    /// see, not the public one. RFC 9449 §4.3 says the comparison ignores query and fragment
    /// without saying whether that applies to a query written *into* `htu`; §4.2 defines `htu`
    /// without them and most servers reject it, so a query in `htu` is reported.
    ///
    /// ## Example
    /// `GET https://api.example.com/v1/orders?status=open` with a proof whose `htu` is
    /// `https://api.example.com/v1/orders?status=open` → `401 invalid_dpop_proof`.
    ///
    /// ## Fix
    /// Set `htu` to the externally visible `scheme://host/path` of the request, without query
    /// or fragment; servers behind proxies must rebuild the public URL from forwarded headers.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3; RFC 3986 §6
    pub struct Dpop004 {
        code: "DPOP004",
        name: "dpop-htu-mismatch",
        title: "htu does not match request uri",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "set `htu` to the externally visible `scheme://host/path` of the request without query or fragment",
        references: ["RFC 9449 §4.2", "RFC 9449 §4.3", "RFC 3986 §6"],
        explains_errors: [("invalid_dpop_proof", 0)],
    }
}

/// How `htu` differs from the request URL; `None` when they match after normalisation.
fn htu_difference(htu: &str, req: &Exchange) -> Option<String> {
    let r = req.request.parsed.as_ref()?;
    let Ok(h) = url::Url::parse(htu) else {
        return Some(format!("`htu` `{htu}` is not an absolute URL"));
    };
    let mut parts = Vec::new();
    if h.query().is_some() {
        parts.push(format!(
            "it includes the query `?{}`",
            h.query().unwrap_or("")
        ));
    }
    if h.fragment().is_some() {
        parts.push("it includes a fragment".to_string());
    }
    if h.scheme() != r.scheme() {
        parts.push(format!("scheme `{}` vs `{}`", h.scheme(), r.scheme()));
    }
    if h.host_str() != r.host_str() {
        parts.push(format!(
            "host `{}` vs `{}`",
            h.host_str().unwrap_or(""),
            r.host_str().unwrap_or("")
        ));
    }
    if h.port_or_known_default() != r.port_or_known_default() {
        parts.push("port".to_string());
    }
    if h.path() != r.path() {
        if h.path().trim_end_matches('/') == r.path().trim_end_matches('/') {
            parts.push("only a trailing `/` differs in the path".to_string());
        } else if h.path().eq_ignore_ascii_case(r.path()) {
            parts.push("the path differs in letter case".to_string());
        } else {
            parts.push(format!("path `{}` vs `{}`", h.path(), r.path()));
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

impl Rule for Dpop004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for p in proofs(ex) {
            let Some(htu) = p.claim_str("htu") else {
                continue;
            };
            let e = &ex[p.exchange];
            if !relevant(e) {
                continue;
            }
            let endpoint = e.request.endpoint();
            let (message, strength) = match htu_difference(htu, e) {
                Some(diff) => (
                    format!(
                        "the DPoP proof's `htu` `{htu}` does not match the request URL `{endpoint}`: {diff}"
                    ),
                    Strength::Recomputed,
                ),
                None => {
                    // Matches, but the server says it does not: it sees another URL.
                    if !(is_failure(e) && failure_text(e).contains("htu")) {
                        continue;
                    }
                    (
                        format!(
                            "the DPoP proof's `htu` `{htu}` matches the request URL, yet the server rejects `htu`: it compares with the URL it sees behind a proxy or gateway (internal scheme, host or path)"
                        ),
                        Strength::Heuristic,
                    )
                }
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(strength)
                .text(e.index, "dpop.claims.htu", htu)
                .text(e.index, "request.url", endpoint.clone())
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if confirm_proof(e, &["htu"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

//! `DISC005` metadata-internal-endpoints: endpoints advertise internal or insecure urls.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the endpoint URLs of each discovery document (`*_endpoint`, `jwks_uri`) against
    /// the host the document was fetched from: an internal host (`localhost`, a container or
    /// single-label name, a private IP, `*.svc.cluster.local`, `*.internal`) other than the
    /// fetch host, or plain `http` on a non-loopback host. When a later call to such an
    /// endpoint failed, the finding explains that failure.
    ///
    /// ## Why it fails
    /// The server builds its metadata from the URL it *thinks* it has: behind a reverse proxy or
    /// in a container without its public URL configured it advertises `http://keycloak:8080/…`
    /// or an internal load balancer, which the client cannot reach (connection errors, 404) or
    /// reaches without TLS.
    ///
    /// ## Example
    /// Fetched from `https://login.example.org/realms/acme/.well-known/openid-configuration`:
    /// `token_endpoint: http://keycloak:8080/realms/acme/protocol/openid-connect/token`.
    ///
    /// ## Fix
    /// Set the server's public (frontend) URL and make it honour `X-Forwarded-*` / `Forwarded`
    /// headers from the proxy.
    ///
    /// ## References
    /// RFC 8414 §2; OIDC Discovery §3; RFC 7239
    pub struct Disc005 {
        code: "DISC005",
        name: "metadata-internal-endpoints",
        title: "endpoints advertise internal or insecure urls",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "set the server's public URL and forwarded-header handling so metadata advertises reachable https endpoints",
        references: ["RFC 8414 §2", "OIDC Discovery §3", "RFC 7239"],
        explains_statuses: [(EndpointNotFound, 1)],
        absorbs: ["STAT003", "JWT003"],
    }
}

/// Whether a failed exchange's error text says `host` could not be reached.
fn names_unreachable(e: &Exchange, host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    let t = failure_text(e);
    t.contains(host)
        && [
            "enotfound",
            "getaddrinfo",
            "econnrefused",
            "etimedout",
            "ehostunreach",
            "connection refused",
            "timed out",
            "timeout",
            "could not resolve",
            "name or service not known",
            "no such host",
            "unreachable",
            "failed to connect",
            "connect",
        ]
        .iter()
        .any(|w| t.contains(w))
}

impl Rule for Disc005 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in discovery_exchanges(cx.exchanges) {
            let Some(doc) = e.answer_object() else {
                continue;
            };
            let Some(fetch_host) = e.request.host().map(str::to_ascii_lowercase) else {
                continue;
            };
            let fetched_https = e.request.url.starts_with("https://");
            let mut bad: Vec<(String, String, &'static str)> = Vec::new();
            for (field, v) in doc {
                if !(field.ends_with("_endpoint") || field == "jwks_uri") {
                    continue;
                }
                let Some(u) = v.as_str() else { continue };
                let Ok(parsed) = url::Url::parse(u) else {
                    continue;
                };
                let Some(host) = parsed.host_str().map(str::to_ascii_lowercase) else {
                    continue;
                };
                let why = if is_internal(&host)
                    && host != fetch_host
                    && !(is_loopback(&host) && is_loopback(&fetch_host))
                {
                    "an internal host"
                } else if parsed.scheme() == "http"
                    && !is_loopback(&host)
                    && (fetched_https || host != fetch_host)
                {
                    "plain http"
                } else {
                    continue;
                };
                bad.push((field.clone(), u.to_string(), why));
            }
            if bad.is_empty() {
                continue;
            }
            bad.sort();
            // The failure this explains: a later exchange whose error names the unreachable host
            // (ENOTFOUND, ETIMEDOUT, connection refused), else a failed call to the endpoint. A
            // call that succeeded shows the client can reach it.
            let mut anchor = e.index;
            let mut used_ok = Vec::new();
            for (_, u, _) in &bad {
                let host = host_of(u).unwrap_or_default();
                for o in cx.exchanges.iter().skip(e.index + 1) {
                    if is_failure(o) && anchor == e.index && names_unreachable(o, &host) {
                        anchor = o.index;
                    }
                    if !trim_slash(&o.request.endpoint()).eq_ignore_ascii_case(trim_slash(u)) {
                        continue;
                    }
                    if is_failure(o)
                        || o.response
                            .as_ref()
                            .is_some_and(|r| r.transport_error.is_some())
                    {
                        if anchor == e.index {
                            anchor = o.index;
                        }
                    } else if o.response.is_some() {
                        used_ok.push(u.clone());
                    }
                }
            }
            bad.retain(|(_, u, why)| *why == "plain http" || !used_ok.contains(u));
            if bad.is_empty() {
                continue;
            }
            // Most useful first: the endpoints every client calls.
            let weight = |f: &str| match f {
                "token_endpoint" => 0,
                "jwks_uri" => 1,
                "authorization_endpoint" => 2,
                "userinfo_endpoint" => 3,
                _ => 4,
            };
            bad.sort_by_key(|(f, _, _)| weight(f));
            // One clause per advertised origin.
            let mut by_origin: Vec<(String, &'static str, Vec<&str>)> = Vec::new();
            for (f, u, why) in &bad {
                let o = url::Url::parse(u)
                    .map(|x| x.origin().ascii_serialization())
                    .unwrap_or_else(|_| u.clone());
                match by_origin
                    .iter_mut()
                    .find(|(bo, bw, _)| *bo == o && bw == why)
                {
                    Some((_, _, fs)) => fs.push(f),
                    None => by_origin.push((o, why, vec![f])),
                }
            }
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the metadata fetched from `{fetch_host}` advertises {}{}",
                        by_origin
                            .iter()
                            .map(|(o, why, fs)| format!(
                                "`{o}` ({why}) for {}",
                                fs.iter()
                                    .map(|f| format!("`{f}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                            .collect::<Vec<_>>()
                            .join("; "),
                        if anchor != e.index {
                            format!("; exchange {} failed reaching it", anchor + 1)
                        } else {
                            String::new()
                        }
                    ),
                )
                .strength(Strength::Direct);
            for (f, u, _) in bad.iter().take(4) {
                rep = rep.text(e.index, format!("response.body.{f}"), u.clone());
            }
            if anchor != e.index {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

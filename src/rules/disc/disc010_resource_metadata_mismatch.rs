//! `DISC010` resource-metadata-mismatch: protected resource metadata that names another resource
//! than the one it was fetched for, names no authorization server, or a resource indicator that
//! names another resource than the metadata.

use super::*;

const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

declare_rule! {
    /// ## What it does
    /// Checks the OAuth protected resource metadata the capture holds (RFC 9728 §2, §3) and
    /// the resource indicators sent for it (RFC 8707):
    ///
    /// - the document's `resource` must be identical to the resource identifier its
    ///   well-known URL was built from (`https://mcp.example.com/.well-known/oauth-protected-resource/mcp`
    ///   is the metadata of `https://mcp.example.com/mcp`), RFC 9728 §3.3;
    /// - it should name its `authorization_servers` (§2), or a client cannot tell where to get
    ///   a token;
    /// - an authorization or token request's `resource` parameter (RFC 8707 §2) should be the
    ///   document's `resource`: a token minted for another identifier is refused by the
    ///   resource (MCP clients must send the server's canonical URI).
    ///
    /// ## Why it fails
    /// A client that follows RFC 9728 must not use metadata whose `resource` differs from the
    /// identifier it asked about (an attacker could point it at another authorization server).
    /// Lenient clients go on, and then the audience of the token they obtain does not match
    /// what the resource expects.
    ///
    /// ## Example
    /// `GET http://localhost:3001/.well-known/oauth-protected-resource/sse` →
    /// `{"resource":"http://localhost:3001", …}`: the metadata of `http://localhost:3001/sse`
    /// names `http://localhost:3001`.
    ///
    /// ## Fix
    /// Publish the metadata with `resource` set to the exact identifier the clients use (the
    /// URL of the endpoint, path included), list the `authorization_servers`, and send that
    /// identifier as `resource` in authorization and token requests.
    ///
    /// ## References
    /// RFC 9728 §2, §3.1, §3.3; RFC 8707 §2
    pub struct Disc010 {
        code: "DISC010",
        name: "resource-metadata-mismatch",
        title: "protected resource metadata does not match its resource",
        category: AudienceIssuer,
        severity: Warning,
        kind: Lint,
        fix: "set the metadata's `resource` to the exact identifier clients use (path included), list `authorization_servers`, and send that identifier as the `resource` parameter",
        references: ["RFC 9728 §3.3", "RFC 9728 §2", "RFC 8707 §2"],
    }
}

/// The resource identifier a well-known URL was built from (RFC 9728 §3.1): the suffix removed
/// from between the host and the resource's path.
fn resource_of_well_known(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let rest = u.path().strip_prefix(WELL_KNOWN)?;
    let mut r = u.clone();
    r.set_path(rest);
    r.set_query(None);
    r.set_fragment(None);
    let s = r.to_string();
    // `Url` writes an empty path as `/`; the identifier has none.
    Some(if rest.is_empty() {
        s.trim_end_matches('/').to_string()
    } else {
        s
    })
}

impl Rule for Disc010 {
    fn check(&self, cx: &mut Context<'_>) {
        let exchanges = cx.exchanges;
        let mut documents: Vec<(usize, String)> = Vec::new();
        for e in exchanges
            .iter()
            .filter(|e| e.kind == Kind::ResourceMetadata && e.request.method == "GET")
        {
            let Some(doc) = e.answer_object() else {
                continue;
            };
            let Some(resource) = doc.get("resource").and_then(Value::as_str) else {
                continue;
            };
            if documents.iter().any(|(_, r)| r == resource) {
                continue;
            }
            documents.push((e.index, resource.to_string()));
            // RFC 9728 §3.3: metadata named by a resource's challenge is for the URL the
            // client called; metadata at a URL built from an identifier is for that identifier.
            let challenged = exchanges[..e.index].iter().rev().find(|c| {
                c.response.as_ref().is_some_and(|r| {
                    r.headers
                        .get_all("www-authenticate")
                        .map(www_auth::parse)
                        .filter_map(|ch| ch.get("resource_metadata").map(str::to_string))
                        .any(|rm| crate::model::flow::same_endpoint(&rm, &e.request.url))
                })
            });
            let expected = match challenged {
                Some(c) => Some(c.request.endpoint()),
                None => resource_of_well_known(&e.request.url),
            };
            if let Some(expected) = expected {
                if trim_slash(&expected) != trim_slash(resource) {
                    let parent = expected.starts_with(trim_slash(resource));
                    cx.report(
                        e.index,
                        format!(
                            "the protected resource metadata at `{}` is for `{expected}`, but its `resource` is `{resource}`{}",
                            e.request.endpoint(),
                            if parent {
                                ": clients that accept a parent identifier go on, a client that follows RFC 9728 §3.3 refuses the document"
                            } else {
                                ": a client that follows RFC 9728 §3.3 refuses the document"
                            }
                        ),
                    )
                    .strength(Strength::Recomputed)
                    .text(e.index, "request.url", e.request.endpoint())
                    .text(e.index, "response.body.resource", resource)
                    .emit();
                }
            }
            let servers = str_list(doc, "authorization_servers").unwrap_or_default();
            if servers.is_empty() {
                cx.report(
                    e.index,
                    format!(
                        "the protected resource metadata of `{resource}` names no `authorization_servers`: a client cannot tell where to obtain a token"
                    ),
                )
                .strength(Strength::Direct)
                .text(e.index, "response.body.authorization_servers", "(absent)")
                .emit();
            }
        }
        // Resource indicators (RFC 8707 §2) sent while the capture holds exactly one document.
        let [(doc_at, resource)] = documents.as_slice() else {
            return;
        };
        for e in exchanges.iter().filter(|e| {
            e.index > *doc_at && matches!(e.kind, Kind::Authorize | Kind::Par | Kind::Token)
        }) {
            let Some(sent) = e.request.param("resource") else {
                continue;
            };
            if trim_slash(&sent) == trim_slash(resource) {
                continue;
            }
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the {} request asks for the resource `{sent}`, but the protected resource metadata (#{}) names `{resource}`: a token for `{sent}` is not one `{resource}` accepts",
                        e.kind.as_str(),
                        exchanges[*doc_at].number()
                    ),
                )
                .strength(Strength::Recomputed)
                .text(e.index, "request.resource", sent.clone())
                .text(*doc_at, "response.body.resource", resource.clone());
            if e.server_error()
                .is_some_and(|x| matches!(x.code.as_str(), "invalid_target" | "invalid_resource"))
            {
                rep = rep.severity(Severity::Error).confirmed();
            }
            rep.emit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::resource_of_well_known;

    #[test]
    fn well_known_urls_name_their_resource() {
        assert_eq!(
            resource_of_well_known(
                "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
            )
            .as_deref(),
            Some("https://mcp.example.com/mcp")
        );
        assert_eq!(
            resource_of_well_known("https://api.example.com/.well-known/oauth-protected-resource")
                .as_deref(),
            Some("https://api.example.com")
        );
        assert_eq!(
            resource_of_well_known(
                "http://localhost:3001/.well-known/oauth-protected-resource/sse"
            )
            .as_deref(),
            Some("http://localhost:3001/sse")
        );
        assert_eq!(resource_of_well_known("https://api.example.com/meta"), None);
    }
}

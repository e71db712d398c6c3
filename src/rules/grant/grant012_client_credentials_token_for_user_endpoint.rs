//! `GRANT012` client-credentials-token-for-user-endpoint: client_credentials token used for user-only endpoints.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a token obtained with `grant_type=client_credentials` (matched by value to the token
    /// response that issued it) and presented to the OpenID Connect UserInfo endpoint, which
    /// failed; and a refresh attempted by a client whose capture shows only `client_credentials`
    /// tokens and no refresh token. The UserInfo case is reported with the category
    /// `audience_issuer` (a token meant for machine APIs sent to a user endpoint), the refresh
    /// case with `grant_type`. The catalogue's severity is `warning`, raised to `error` when the
    /// server rejected the call. The catalogue also names "user-context APIs"; a capture cannot
    /// tell which APIs need a user, so only the UserInfo endpoint (by classification or by the
    /// discovery document's `userinfo_endpoint`) is checked.
    ///
    /// ## Why it fails
    /// A client-credentials token represents the client itself: it has no user (RFC 6749 §4.4),
    /// so UserInfo and user-context APIs reject it. The grant issues no refresh token either
    /// (§4.4.3): the client simply requests a new token.
    ///
    /// ## Example
    /// `POST /token grant_type=client_credentials` → `200 {"access_token":"Q8xN…"}`;
    /// `GET /userinfo Authorization: Bearer Q8xN…` → `401 invalid_token`.
    ///
    /// ## Fix
    /// Use a user-delegated grant (authorization code with PKCE) for user data; for
    /// client-credentials tokens, request a new token when the old one expires.
    ///
    /// ## References
    /// RFC 6749 §4.4, §4.4.3; OpenID Connect Core §5.3
    pub struct Grant012 {
        code: "GRANT012",
        name: "client-credentials-token-for-user-endpoint",
        title: "client_credentials token used for user-only endpoints",
        category: AudienceIssuer,
        severity: Warning,
        kind: Diag,
        fix: "use a user-delegated grant (authorization code with PKCE) for user data; request a new client_credentials token when it expires",
        references: ["RFC 6749 §4.4", "RFC 6749 §4.4.3", "OpenID Connect Core §5.3"],
        explains_statuses: [(UserinfoForbidden, 2), (ResourceForbidden, 3)],
    }
}

impl Rule for Grant012 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let successes_by_client: OnceCell<HashMap<String, Vec<usize>>> = OnceCell::new();
        for e in ex.iter().filter(|e| e.failed()) {
            let userinfo = e.kind == Kind::Userinfo
                || idx
                    .metadata_announcing("userinfo_endpoint", &e.request.endpoint())
                    .is_some();
            if userinfo {
                let Some(t) = e.request.presented_token() else {
                    continue;
                };
                let Some(x) = idx.issuer(ex, &t) else {
                    continue;
                };
                if x.grant_type().as_deref() != Some("client_credentials") {
                    continue;
                }
                let message = format!(
                    "the UserInfo request presents a token issued by `client_credentials` (exchange #{}): it has no user",
                    x.number()
                );
                cx.report(e.index, message)
                    .severity(Severity::Error)
                    .strength(Strength::Recomputed)
                    .confirmed_if(matches!(e.status(), Some(401 | 403)))
                    .secret(e.index, "request.headers.authorization", t)
                    .text(x.index, "request.body.grant_type", "client_credentials")
                    .emit();
                continue;
            }
            if !e.is_refresh() {
                continue;
            }
            let Some(rt) = e.sent_refresh() else {
                continue;
            };
            if idx.issuer(ex, &rt).is_some() {
                continue;
            }
            let client = token_identity(e).map(|(c, _)| c);
            if client.is_none() {
                continue;
            }
            let by_client = successes_by_client.get_or_init(|| {
                let mut m: HashMap<String, Vec<usize>> = HashMap::new();
                for x in ex.iter().filter(|x| x.is_token_request() && x.succeeded()) {
                    if let Some((c, _)) = token_identity(x) {
                        m.entry(c).or_default().push(x.index);
                    }
                }
                m
            });
            let mine: Vec<&Exchange> = client
                .as_ref()
                .and_then(|c| by_client.get(c))
                .into_iter()
                .flatten()
                .map(|&i| &ex[i])
                .collect();
            if mine.is_empty()
                || !mine
                    .iter()
                    .all(|x| x.grant_type().as_deref() == Some("client_credentials"))
                || mine.iter().any(|x| x.issued_refresh().is_some())
            {
                continue;
            }
            let message = format!(
                "client `{}` refreshes, but the capture shows it only obtaining `client_credentials` tokens (exchange #{}), which come without a refresh token",
                client.unwrap_or_default(),
                mine[0].number()
            );
            cx.report(e.index, message)
                .category(Category::GrantType)
                .severity(Severity::Error)
                .strength(Strength::Heuristic)
                .text(
                    mine[0].index,
                    "request.body.grant_type",
                    "client_credentials",
                )
                .text(e.index, "request.body.grant_type", "refresh_token")
                .emit();
        }
    }
}

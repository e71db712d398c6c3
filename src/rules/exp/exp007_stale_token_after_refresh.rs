//! `EXP007` stale-token-after-refresh: stale token still used after a newer one was issued.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every resource or UserInfo call refused with 401 / `invalid_token`, checks whether a
    /// newer access token had already been issued for the same grant (a refresh that used the
    /// refresh token of the response that issued the presented token, or a new
    /// `client_credentials` token for the same client) before the call, while the presented one
    /// was expired (`exp` or `expires_in`, with leeway) or revoked.
    ///
    /// ## Why it fails
    /// One process refreshed and stored the new token; another (a worker, a second instance, a
    /// cached HTTP client) kept the old one and keeps calling with it after it expired
    /// (RFC 6749 §5.1, §6).
    ///
    /// ## Example
    /// Token A at 09:00 (`expires_in` 3600); refresh at 09:55 returns B; a worker calls the API
    /// with A at 10:05 → `401 invalid_token`.
    ///
    /// ## Fix
    /// Update the token store atomically after every token response and share it between
    /// workers; read the current token for every call.
    ///
    /// ## References
    /// RFC 6749 §5.1, §6
    pub struct Exp007 {
        code: "EXP007",
        name: "stale-token-after-refresh",
        title: "stale token still used after a newer one was issued",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "update the token store atomically after every token response and read the current token for every call",
        references: ["RFC 6749 §5.1", "RFC 6749 §6"],
        explains_errors: [("invalid_token", 10)],
        explains_statuses: [(ResourceUnauthorized, 14)],
        absorbs: ["EXP001"],
    }
}

impl Rule for Exp007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let revocations = revocations(ex);
        let mut cc_by_client: HashMap<String, Vec<usize>> = HashMap::new();
        for y in ex.iter().filter(|y| {
            y.is_token_request()
                && y.succeeded()
                && y.grant_type().as_deref() == Some("client_credentials")
        }) {
            if let Some((c, _)) = crate::rules::shared::token_identity(y) {
                cc_by_client.entry(c).or_default().push(y.index);
            }
        }
        for e in ex.iter().filter(|e| token_refused(e)) {
            let Some(a) = e.request.presented_token() else {
                continue;
            };
            let Some(x) = idx.issuer(ex, &a) else {
                continue;
            };
            // Follow the grant forward from X: refreshes using a token of the chain.
            let mut chain: Vec<String> = x
                .response
                .as_ref()
                .and_then(|r| r.field("refresh_token"))
                .map(|s| vec![s.to_string()])
                .unwrap_or_default();
            let client = crate::rules::shared::token_identity(x).map(|(c, _)| c);
            let x_cc = x.grant_type().as_deref() == Some("client_credentials");
            // Candidates: the exchanges correlated with X (its refresh chain), and the other
            // client_credentials token requests of the same client.
            let mut cand: Vec<usize> = idx
                .flow_of
                .get(x.index)
                .and_then(|f| idx.flows.get(*f))
                .map(|f| f.exchanges.clone())
                .unwrap_or_default();
            if x_cc {
                if let Some(c) = &client {
                    cand.extend(cc_by_client.get(c).into_iter().flatten());
                }
            }
            cand.sort_unstable();
            cand.dedup();
            let mut newer: Option<&Exchange> = None;
            for y in cand.into_iter().map(|i| &ex[i]).filter(|y| {
                y.index > x.index && y.index < e.index && y.is_token_request() && y.succeeded()
            }) {
                let same_grant = y
                    .request
                    .param("refresh_token")
                    .is_some_and(|r| chain.contains(&r))
                    || (x.grant_type().as_deref() == Some("client_credentials")
                        && y.grant_type().as_deref() == Some("client_credentials")
                        && crate::rules::shared::token_identity(y).map(|(c, _)| c) == client);
                if !same_grant {
                    continue;
                }
                if let Some(r) = y.issued_refresh() {
                    chain.push(r.to_string());
                }
                if y.response
                    .as_ref()
                    .and_then(|r| r.field("access_token"))
                    .is_some_and(|b| b != a)
                {
                    newer = Some(y);
                }
            }
            let Some(y) = newer else { continue };
            let revoked = revocations
                .get(a.as_str())
                .filter(|&&r| r < e.index)
                .map(|&r| &ex[r]);
            let why = match (revoked, expired_at_use(cx, e, &a)) {
                (Some(r), _) => format!("it was revoked by exchange #{}", r.number()),
                (None, Some((m, _))) => m,
                (None, None) => continue,
            };
            let message = format!(
                "this call presents the access token from exchange #{}, although exchange #{} had already issued a newer one for the same grant; {why}",
                x.number(),
                y.number()
            );
            cx.report(e.index, message)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_token"]))
                .strength(Strength::Recomputed)
                .secret(e.index, "request.headers.authorization", a)
                .text(y.index, "response.body.access_token", "(a newer token)")
                .emit();
        }
    }
}

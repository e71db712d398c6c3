//! `EXP005` refresh-token-expired-or-revoked: refresh token expired, idle-timed-out or revoked.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a refresh request answered `invalid_grant` when the capture shows no other cause:
    /// no rotation or concurrent refresh with the same token (GRANT008/GRANT009), no placeholder
    /// value (GRANT011), no replayed authorization code that would have revoked the grant
    /// (GRANT003). Adds what the capture tells about the token: its age since the response that
    /// issued it, a `refresh_expires_in` it exceeded (Keycloak), or a revocation request for it.
    /// Also quiet when the error description names another cause (client, DPoP binding, scope)
    /// or the refresh proof uses another DPoP key than the one the token was issued to
    /// (DPOP011). The catalogue's "long gap since the RT was issued" is reported as evidence,
    /// not required: revocation can happen seconds after issue.
    ///
    /// ## Why it fails
    /// Refresh tokens expire (absolute or idle lifetime), and servers revoke them on logout,
    /// password change, consent withdrawal or policy (RFC 6749 §6, §10.4). The server answers
    /// `invalid_grant` (§5.2); retrying does not help.
    ///
    /// ## Example
    /// Refresh token issued 09:00 with `refresh_expires_in` 1800; refresh at 09:47 →
    /// `400 {"error":"invalid_grant","error_description":"Token is not active"}`.
    ///
    /// ## Fix
    /// Send the user through authorization again; treat `invalid_grant` on refresh as terminal,
    /// not retryable.
    ///
    /// ## References
    /// RFC 6749 §6, §5.2, §10.4
    pub struct Exp005 {
        code: "EXP005",
        name: "refresh-token-expired-or-revoked",
        title: "refresh token expired, idle-timed-out or revoked",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "send the user through authorization again; treat `invalid_grant` on refresh as terminal",
        references: ["RFC 6749 §6", "RFC 6749 §5.2", "RFC 6749 §10.4"],
        explains_errors: [("invalid_grant", 13)],
        grants: ["refresh_token"],
    }
}

/// The public key (`jwk` header) of a request's DPoP proof.
fn dpop_key(e: &Exchange) -> Option<Value> {
    let proof = e.request.headers.get("dpop")?;
    jwt::decode(proof).ok()?.header.get("jwk").cloned()
}

/// Both requests carry DPoP proofs, signed with different keys.
fn dpop_key_changed(a: &Exchange, b: &Exchange) -> bool {
    matches!((dpop_key(a), dpop_key(b)), (Some(x), Some(y)) if x != y)
}

impl Rule for Exp005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let revocations = revocations(ex);
        for e in ex.iter().filter(|e| e.is_refresh()) {
            let Some(err) = err_of(e) else { continue };
            if !signal_is(e, &["invalid_grant"]) {
                continue;
            }
            let Some(rt) = e.sent_refresh() else {
                continue;
            };
            if idx.refresh_conflict(ex, e).is_some() {
                continue;
            }
            // The server named another cause (client, DPoP binding, scope…).
            let desc = err
                .description
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase();
            let other_cause = desc.contains("dpop")
                || crate::diagnosis::keyword_category(&desc)
                    .is_some_and(|c| !matches!(c, Category::TokenExpiry | Category::GrantType));
            if other_cause {
                continue;
            }
            let issuer = idx.issuer(ex, &rt);
            if issuer.is_some_and(|x| dpop_key_changed(x, e)) {
                continue; // DPOP011: the refresh token is bound to another key
            }
            // The grant was revoked because its code was redeemed twice (GRANT003).
            if issuer.is_some_and(|x| {
                x.is_code_redemption()
                    && x.request.param("code").is_some_and(|c| {
                        idx.redemptions_of(ex, &c).any(|j| {
                            j.index > x.index
                                && j.failed()
                                && idx
                                    .earlier_redemption(ex, j)
                                    .is_some_and(|i| i.index == x.index)
                        })
                    })
            }) {
                continue;
            }
            let revoked = revocations
                .get(rt.as_str())
                .filter(|&&r| r < e.index)
                .map(|&r| &ex[r]);
            let mut strength = Strength::Heuristic;
            let mut msg = "the refresh token was rejected with `invalid_grant` and the capture shows no rotation, race or replay".to_string();
            let mut ev: Vec<Ev> = Vec::new();
            if let Some(r) = revoked {
                strength = Strength::Recomputed;
                msg = format!(
                    "the refresh token was revoked by exchange #{} before this refresh",
                    r.number()
                );
                ev.push((r.index, "request.body.token", String::new()));
            } else if let Some(x) = issuer {
                let age = seconds_between(x, e);
                let limit = number_field(x, "refresh_expires_in").filter(|l| *l > 0);
                match (age, limit) {
                    (Some(a), Some(l)) if a > l => {
                        strength = Strength::Recomputed;
                        msg = format!(
                            "the refresh token issued by exchange #{} had `refresh_expires_in` {l} and was used {} later ({} past it)",
                            x.number(),
                            human_duration(a),
                            human_duration(a.saturating_sub(l))
                        );
                        ev.push((x.index, "response.body.refresh_expires_in", l.to_string()));
                    }
                    (Some(a), _) => {
                        msg = format!(
                            "the refresh token issued by exchange #{} was rejected {} later with `invalid_grant`; the capture shows no rotation, race or replay: it expired (idle or absolute lifetime) or was revoked",
                            x.number(),
                            human_duration(a)
                        );
                    }
                    _ => {}
                }
            } else {
                msg.push_str(
                    "; it was issued before the capture began, so it expired or was revoked",
                );
            }
            let mut rep = cx
                .report(e.index, msg)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                .strength(strength)
                .secret(e.index, "request.body.refresh_token", rt.clone())
                .text(e.index, err.at, err.code.clone());
            for (i, at, v) in ev {
                rep = if at == "request.body.token" {
                    rep.secret(i, at, rt.clone())
                } else {
                    rep.text(i, at, v)
                };
            }
            rep.emit();
        }
    }
}

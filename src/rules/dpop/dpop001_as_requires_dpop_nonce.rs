//! `DPOP001` as-requires-dpop-nonce: authorization server requires a dpop nonce.

use super::*;

declare_rule! {
    /// ## What it does
    /// Reports a token (or PAR) request answered `400 use_dpop_nonce` with a `DPoP-Nonce`
    /// header, and follows the client's retry: a retry whose proof carries the nonce is the
    /// expected handshake (information, attached to the challenge it explains); no retry, a retry without the
    /// nonce, or three or more nonce challenges in a row (a retry loop) is an error.
    ///
    /// ## Why it fails
    /// An authorization server may require a server-provided nonce in DPoP proofs (RFC 9449
    /// §8). The first request without it is expected to fail once; clients that treat the 400
    /// as final, or retry with a proof lacking the nonce, never get a token.
    ///
    /// ## Example
    /// `POST /token` → `400 {"error":"use_dpop_nonce"}` `DPoP-Nonce: eyJ7S…`; the client stops.
    ///
    /// ## Fix
    /// On `use_dpop_nonce`, retry once with a new proof whose `nonce` claim is the
    /// `DPoP-Nonce` value, and keep using the latest nonce the server sends.
    ///
    /// ## References
    /// RFC 9449 §8, §8.2
    pub struct Dpop001 {
        code: "DPOP001",
        name: "as-requires-dpop-nonce",
        title: "authorization server requires a dpop nonce",
        category: Parameters,
        severity: Info,
        kind: Diag,
        fix: "retry once with a new proof whose `nonce` is the `DPoP-Nonce` value and keep using the latest nonce",
        references: ["RFC 9449 §8", "RFC 9449 §8.2"],
        explains_errors: [("use_dpop_nonce", 0)],
    }
}

impl Rule for Dpop001 {
    fn check(&self, cx: &mut Context<'_>) {
        nonce_challenges(cx, true);
    }
}

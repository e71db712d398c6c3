//! `DPOP002` rs-requires-dpop-nonce: resource server requires a dpop nonce.

use super::*;

declare_rule! {
    /// ## What it does
    /// Reports a resource-server `401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and
    /// a `DPoP-Nonce` header, and follows the client's retry the same way as DPOP001: a retry
    /// with the resource server's nonce is the expected handshake (information), no retry or a
    /// retry without it is an error.
    ///
    /// ## Why it fails
    /// Resource servers may require their own nonce (RFC 9449 §9), independent of the
    /// authorization server's; a client that reuses the AS nonce or ignores the challenge keeps
    /// failing.
    ///
    /// ## Example
    /// `GET /v1/orders` → `401 WWW-Authenticate: DPoP error="use_dpop_nonce"`, `DPoP-Nonce:
    /// rs-n-41`; the client gives up.
    ///
    /// ## Fix
    /// Retry with a new proof carrying the resource server's nonce; track nonces per server.
    ///
    /// ## References
    /// RFC 9449 §9, §7.1
    pub struct Dpop002 {
        code: "DPOP002",
        name: "rs-requires-dpop-nonce",
        title: "resource server requires a dpop nonce",
        category: Parameters,
        severity: Info,
        kind: Diag,
        fix: "retry with a new proof whose `nonce` is the resource server's `DPoP-Nonce` value",
        references: ["RFC 9449 §9", "RFC 9449 §7.1"],
        explains_errors: [("use_dpop_nonce", 1)],
    }
}

impl Rule for Dpop002 {
    fn check(&self, cx: &mut Context<'_>) {
        nonce_challenges(cx, false);
    }
}

//! `JWT001` unsigned-jwt: unsigned jwt (alg none).

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags any JWT in the capture — access token, ID token, client assertion, JWT bearer
    /// assertion, DPoP proof, request object — whose header says `alg: none` or whose signature
    /// segment is empty; in live mode also a returned token that the check against the key set
    /// found unsigned.
    ///
    /// ## Why it fails
    /// An unsigned JWT proves nothing: anyone can write one. Resource servers and clients that
    /// pin their algorithms reject it (`401 invalid_token`, `invalid_client` for assertions); the
    /// ones that accept it can be fooled by a forged token. Usually the issuer's signing is
    /// switched off (a test setting) or a library was asked to "decode" rather than sign.
    ///
    /// ## Example
    /// `Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.` → `401 WWW-Authenticate:
    /// Bearer error="invalid_token", error_description="Signed JWT rejected: Another algorithm expected"`.
    ///
    /// ## Fix
    /// Sign every token with an allow-listed asymmetric algorithm (RS256, ES256, PS256, EdDSA);
    /// configure validators with an explicit algorithm list that never contains `none`.
    ///
    /// ## References
    /// RFC 7518 §3.6; RFC 8725 §2.1, §3.1; RFC 9068 §4
    pub struct Jwt001 {
        code: "JWT001",
        name: "unsigned-jwt",
        title: "unsigned jwt (alg none)",
        category: SignatureKey,
        severity: Error,
        kind: Both,
        fix: "sign tokens with an allow-listed algorithm and never accept `alg: none`",
        references: ["RFC 7518 §3.6", "RFC 8725 §2.1", "RFC 8725 §3.1", "RFC 9068 §4"],
    }
}

/// The HTTP error code the anchor carries, if any (for messages).
fn answered(e: &Exchange) -> String {
    match (e.server_error(), e.status()) {
        (Some(er), Some(s)) => format!("{s} `{}`", er.code),
        (None, Some(s)) => s.to_string(),
        (Some(er), None) => format!("`{}`", er.code),
        (None, None) => "no response".to_string(),
    }
}

impl Rule for Jwt001 {
    fn check(&self, cx: &mut Context<'_>) {
        let mut reported = std::collections::HashSet::new();
        for g in token_groups(cx).iter() {
            let Some(d) = g.decoded() else { continue };
            let alg = d.alg().unwrap_or("");
            let none = alg.eq_ignore_ascii_case("none");
            if !none && d.signature_len > 0 {
                continue;
            }
            let (anchor, _) = anchor_of(cx, g);
            let Some(a) = cx.exchanges.get(anchor) else {
                continue;
            };
            let what = if none {
                "`alg: none`".to_string()
            } else {
                format!("`alg: {alg}` but an empty signature segment (signature stripped)")
            };
            let first = g.first();
            let message = format!(
                "the {} {} is unsigned: {what}{}",
                g.role().name(),
                if first.presented {
                    format!(
                        "sent to `{}`",
                        cx.exchanges[first.exchange].request.endpoint()
                    )
                } else {
                    format!(
                        "issued by `{}`",
                        cx.exchanges[first.exchange].request.endpoint()
                    )
                },
                if is_failure(a) && a.index != first.exchange {
                    format!("; exchange {} failed with {}", a.number(), answered(a))
                } else {
                    String::new()
                }
            );
            let confirmed = is_failure(a)
                && server_says(
                    a,
                    &["invalid_token", "invalid_client"],
                    &["alg", "unsigned", "signature", "none"],
                );
            let mut rep = cx
                .report(anchor, message)
                .strength(Strength::Direct)
                .text(first.exchange, "jwt.header", header_text(d))
                .secret(first.exchange, first.at.clone(), g.value);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
            reported.insert(anchor);
        }
        report_verified(cx, &reported, |v| *v == Verification::Unsigned);
    }
}

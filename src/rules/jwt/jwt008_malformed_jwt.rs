//! `JWT008` malformed-jwt: malformed jwt.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a value sent or received as a JWT that is not a well-formed compact serialization:
    /// wrapped in quotes, containing whitespace, with a number of dot-separated parts other than
    /// 3 (JWS) or 5 (JWE), encoded with standard base64 (`+`, `/`, `=` padding) instead of
    /// base64url, or with a header or claims segment that is not JSON. When the value is the
    /// beginning of a token issued earlier in the capture, it says where it was cut.
    ///
    /// ## Why it fails
    /// Every JWT library parses the compact form strictly. Tokens get truncated by storage
    /// (`VARCHAR(255)`), cookies (4 KB) and header limits; hand-rolled encoders use the wrong
    /// base64 alphabet; config loaders keep quotes. The category follows the token: a malformed
    /// client assertion is a `credentials` problem, any other token a `parameters` one.
    ///
    /// ## Example
    /// A 900-character access token stored in a 255-character column and sent as
    /// `Authorization: Bearer eyJ…` (two segments) → `401 invalid_token` "jwt malformed".
    ///
    /// ## Fix
    /// Transport and store the compact serialization verbatim (no quotes, no line breaks, no
    /// length limit), and encode JWT segments with base64url without padding.
    ///
    /// ## References
    /// RFC 7519 §7.2; RFC 7515 §2, §5.2, §7.1
    pub struct Jwt008 {
        code: "JWT008",
        name: "malformed-jwt",
        title: "malformed jwt",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send the compact serialization verbatim (base64url without padding, no quotes, not truncated)",
        references: ["RFC 7519 §7.2", "RFC 7515 §2", "RFC 7515 §7.1"],
        explains_errors: [("invalid_token", 7)],
        explains_statuses: [(ResourceUnauthorized, 11)],
    }
}

/// Tokens issued by token responses in the capture: (exchange, value).
fn issued_tokens(cx: &Context<'_>) -> Vec<(usize, String)> {
    cx.exchanges
        .iter()
        .filter_map(|e| e.response.as_ref().map(|r| (e.index, r)))
        .flat_map(|(i, r)| {
            ["access_token", "id_token", "refresh_token"]
                .iter()
                .filter_map(move |f| r.field(f).map(|v| (i, v.to_string())))
        })
        .collect()
}

/// Why a JWT-looking value is malformed, and whether the proof is byte-exact.
fn malformation(issued: &[(usize, String)], v: &str) -> Option<(String, Strength)> {
    let t = v.trim();
    if (t.starts_with('"') && t.ends_with('"') && t.len() > 1)
        || (t.starts_with('\'') && t.ends_with('\'') && t.len() > 1)
    {
        return Some(("it is wrapped in quotes".to_string(), Strength::Direct));
    }
    if !t.starts_with("eyJ") {
        return None;
    }
    if t.contains(char::is_whitespace) {
        return Some((
            "it contains whitespace or a line break".to_string(),
            Strength::Direct,
        ));
    }
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 5 {
        return None; // a JWE
    }
    // A prefix of a token issued in the capture: truncated (even when the cut falls in the
    // signature and the rest still parses).
    if let Some((i, full)) = issued
        .iter()
        .find(|(_, full)| full.len() > t.len() && full.starts_with(t))
    {
        return Some((
            format!(
                "it is the first {} of the {} characters of the token issued in exchange {} (truncated)",
                t.len(),
                full.len(),
                i + 1
            ),
            Strength::Recomputed,
        ));
    }
    if parts.len() != 3 {
        let n = t.len();
        let hint = if [
            255, 256, 512, 1000, 1024, 2000, 2048, 4000, 4096, 8000, 8192,
        ]
        .contains(&n)
        {
            format!("; its length {n} is a typical storage limit (truncated)")
        } else {
            String::new()
        };
        return Some((
            format!(
                "it has {} dot-separated parts, a JWS has 3{hint}",
                parts.len()
            ),
            Strength::Direct,
        ));
    }
    let std_chars: Vec<char> = ['+', '/', '=']
        .into_iter()
        .filter(|c| parts.iter().any(|p| p.contains(*c)))
        .collect();
    if !std_chars.is_empty() {
        return Some((
            format!(
                "its segments contain {}: standard base64 instead of base64url without padding",
                std_chars
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Strength::Direct,
        ));
    }
    match jose::decode(t) {
        Ok(_) => None,
        Err(e) => Some((format!("it {e}"), Strength::Direct)),
    }
}

impl Rule for Jwt008 {
    fn check(&self, cx: &mut Context<'_>) {
        let issued = issued_tokens(cx);
        for g in token_groups(cx).iter() {
            let role = g.role();
            if matches!(role, Role::Refresh | Role::Introspected) {
                continue;
            }
            let Some((why, strength)) = malformation(&issued, g.value) else {
                continue;
            };
            let (anchor, outcome) = anchor_of(cx, g);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let first = g.first();
            let confirmed = is_failure(a)
                && server_says(
                    a,
                    &[
                        "invalid_token",
                        "invalid_client",
                        "invalid_request",
                        "invalid_dpop_proof",
                    ],
                    &["malformed", "jwt", "base64", "segment", "decode", "parse"],
                );
            let category = if role == Role::ClientAssertion {
                Category::Credentials
            } else {
                Category::Parameters
            };
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the {} {} `{}` is not a well-formed JWT: {why}",
                        role.name(),
                        if first.presented {
                            "sent to"
                        } else {
                            "received from"
                        },
                        cx.exchanges[first.exchange].request.endpoint()
                    ),
                )
                .category(category)
                .strength(strength)
                .text(
                    first.exchange,
                    "token.length",
                    g.value.trim().len().to_string(),
                )
                .secret(first.exchange, first.at.clone(), g.value);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

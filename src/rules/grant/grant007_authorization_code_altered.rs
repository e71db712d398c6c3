//! `GRANT007` authorization-code-altered: authorization code altered in transit.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption whose code is not exactly one that an
    /// authorization response in the capture delivered, looks for the delivered code it was
    /// derived from and names the alteration: still percent-encoded (encoded twice), `+` turned
    /// into a space, truncated, extra characters appended, or whitespace / quotes added. Without
    /// an authorization response in the capture, a code that still contains `%XX` escapes after
    /// form decoding is reported as a suspicion. Encoding mistakes are reported with the
    /// category `content_type_encoding`, truncation and other damage with `parameters`.
    ///
    /// ## Why it fails
    /// The server looks the code up by exact value. Codes often contain `/` or `+` (Google's
    /// `4/0A…`): a callback that passes the still-encoded query value to a form encoder sends
    /// `4%252F0A…`, which the server decodes to `4%2F0A…` — an unknown code. A `VARCHAR(32)`
    /// column or a cookie size limit silently truncates long codes (Entra codes are 800+
    /// characters).
    ///
    /// ## Example
    /// Callback `?code=4%2F0AepYLEI…`; token request body `code=4%252F0AepYLEI…` →
    /// `400 {"error":"invalid_grant","error_description":"Malformed auth code."}`.
    ///
    /// ## Fix
    /// Parse the callback query once with a real URL parser and form-encode the value once when
    /// posting it; store codes in fields long enough for the provider's codes.
    ///
    /// ## References
    /// RFC 6749 §4.1.2, Appendix B
    pub struct Grant007 {
        code: "GRANT007",
        name: "authorization-code-altered",
        title: "authorization code altered in transit",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "parse the callback query once with a URL parser, form-encode the code once in the token request, and store it untruncated",
        references: ["RFC 6749 §4.1.2", "RFC 6749 Appendix B"],
        explains_errors: [("invalid_grant", 4)],
        absorbs: ["GRANT003"],
        grants: ["authorization_code"],
    }
}

impl Rule for Grant007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let redeemed: BTreeSet<String> = ex
            .iter()
            .filter(|e| e.is_code_redemption())
            .filter_map(|e| e.request.param("code"))
            .collect();
        for e in ex.iter().filter(|e| e.is_code_redemption() && e.failed()) {
            let Some(sent) = e.request.param("code") else {
                continue;
            };
            if let Some(a) = idx.azr_for_code(&sent) {
                cx.rule_out(
                    e.index,
                    format!("the code is sent as #{} delivered it", a.exchange + 1),
                );
                continue;
            }
            let found = idx.authz_responses.iter().find_map(|a| {
                let delivered = a.params.get("code")?;
                if redeemed.contains(delivered) {
                    return None;
                }
                code_alteration(delivered, &sent).map(|x| (a, delivered.to_string(), x))
            });
            match found {
                Some((a, delivered, (how, cat))) => {
                    let at = a.at("code");
                    let message = format!(
                        "the code in the token request is not the one the authorization response (exchange #{}) delivered: {how}",
                        a.exchange + 1
                    );
                    cx.report(e.index, message)
                        .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                        .category(cat)
                        .strength(Strength::Recomputed)
                        .secret(a.exchange, at, delivered)
                        .secret(e.index, "request.body.code", sent)
                        .emit();
                }
                None if has_percent_escape(&sent) => {
                    let message = "the code in the token request still contains `%XX` escapes after form decoding: it was most likely URL-encoded twice";
                    cx.report(e.index, message)
                        .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                        .category(Category::ContentTypeEncoding)
                        .strength(Strength::Heuristic)
                        .secret(e.index, "request.body.code", sent)
                        .emit();
                }
                None => cx.cannot_tell(
                    e.index,
                    "the authorization response that delivered this code is not in the capture",
                ),
            }
        }
    }
}

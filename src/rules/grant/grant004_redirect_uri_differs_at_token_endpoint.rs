//! `GRANT004` redirect-uri-differs-at-token-endpoint: redirect_uri at token endpoint differs from authorization request.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption, finds the authorization request it belongs
    /// to (code → authorization response → `state`; PAR and request objects included) and
    /// compares its `redirect_uri` with the token request's, byte for byte after the one decoding
    /// each transport applies. Reports an omitted value and names the difference: trailing
    /// slash, `http` vs `https`, host, port, path case, query, whitespace or double encoding. A
    /// double-encoded value (`http%253A%252F%252F…`) is reported with the category
    /// `content_type_encoding`, every other difference with `redirect_uri`; it is reported
    /// even when the authorization request is not in the capture, since a value still
    /// percent-encoded after its one decoding is no absolute URI and matches no redirect URI.
    ///
    /// ## Why it fails
    /// When the authorization request included `redirect_uri`, the token request must include the
    /// identical value (RFC 6749 §4.1.3; OAuth 2.1 §10.2 keeps the rule). Servers compare
    /// strings, so a URL builder that adds a slash, a proxy that turns `https` into `http`, or an
    /// extra encoding pass makes the code unusable: `invalid_grant`.
    ///
    /// ## Example
    /// Authorization request `redirect_uri=https://app.example.com/auth/callback`; token request
    /// `redirect_uri=https://app.example.com/auth/callback/` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Send the byte-identical `redirect_uri` of the authorization request (keep it in the
    /// transaction, do not rebuild it from the incoming request).
    ///
    /// ## References
    /// RFC 6749 §4.1.3; OAuth 2.1 §10.2
    pub struct Grant004 {
        code: "GRANT004",
        name: "redirect-uri-differs-at-token-endpoint",
        title: "redirect_uri at token endpoint differs from authorization request",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "send the byte-identical `redirect_uri` used in the authorization request",
        references: ["RFC 6749 §4.1.3", "OAuth 2.1 §10.2"],
        explains_errors: [("invalid_grant", 1)],
        absorbs: ["PROV001"],
        grants: ["authorization_code"],
    }
}

impl Rule for Grant004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_code_redemption() && e.failed()) {
            let Some((az, link, _)) = idx.authorize_of(ex, e) else {
                // Without the authorization request, one difference still shows: a value encoded
                // twice is no absolute URI, so it equals no redirect URI (RFC 6749 §3.1.2).
                let twice = e
                    .request
                    .param("redirect_uri")
                    .filter(|t| crate::rules::shared::is_double_encoded(t));
                match twice {
                    Some(t) => {
                        let once = decode_once(&t);
                        cx.report(
                            e.index,
                            format!(
                                "the token request's `redirect_uri` is URL-encoded twice: after \
                                 its one decoding it is still `{t}`, not an absolute URI, so it \
                                 cannot equal the `{once}` of the authorization request that \
                                 issued the code"
                            ),
                        )
                        .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                        .category(Category::ContentTypeEncoding)
                        .fix(
                            "encode `redirect_uri` once: give the form encoder the plain URI, \
                             not one already percent-encoded",
                        )
                        .strength(Strength::Direct)
                        .text(e.index, "request.body.redirect_uri", t)
                        .emit();
                    }
                    None => {
                        cx.cannot_tell(e.index, "the authorization request is not in the capture")
                    }
                }
                continue;
            };
            let Some(az_rd) = idx.az_param(ex, az, "redirect_uri") else {
                cx.cannot_tell(
                    e.index,
                    format!(
                        "the authorization request #{} sent no `redirect_uri`",
                        az.number()
                    ),
                );
                continue;
            };
            let tok_rd = e.request.param("redirect_uri").filter(|v| !v.is_empty());
            let base = if link == Link::Code {
                Strength::Recomputed
            } else {
                Strength::Direct
            };
            match tok_rd {
                None => {
                    let message = format!(
                        "the authorization request (exchange #{}) sent `redirect_uri` `{az_rd}` but the token request omits it",
                        az.number()
                    );
                    cx.report(e.index, message)
                        .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                        .strength(if link == Link::Code {
                            Strength::Direct
                        } else {
                            Strength::Heuristic
                        })
                        .text(az.index, "request.query.redirect_uri", az_rd)
                        .text(e.index, "request.body.redirect_uri", "(absent)")
                        .emit();
                }
                Some(t) if t != az_rd => {
                    let (how, cat) = describe_uri_diff(&az_rd, &t);
                    let message = format!(
                        "the token request sends `redirect_uri` `{t}` but the authorization request (exchange #{}) used `{az_rd}`: {how}",
                        az.number()
                    );
                    cx.report(e.index, message)
                        .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                        .category(cat)
                        .strength(base)
                        .text(az.index, "request.query.redirect_uri", az_rd)
                        .text(e.index, "request.body.redirect_uri", t)
                        .emit();
                }
                Some(_) => cx.rule_out(
                    e.index,
                    format!(
                        "`redirect_uri` identical in #{} and #{}",
                        az.number(),
                        e.number()
                    ),
                ),
            }
        }
    }
}

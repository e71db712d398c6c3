//! `DPOP008` dpop-proof-header: proof header invalid.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the DPoP header itself: exactly one `DPoP` header when one is needed (present
    /// whenever `Authorization: DPoP` is used), a decodable JWT, `typ: dpop+jwt`, an asymmetric
    /// `alg` (not `none`, not `HS*`), and a public `jwk` in the header (present, no private
    /// members).
    ///
    /// ## Why it fails
    /// Servers validate the proof's form before anything else (RFC 9449 §4.3 steps 1–7);
    /// generic JWT libraries produce `typ: JWT`, omit the `jwk`, or serialise the whole key pair
    /// into it.
    ///
    /// ## Example
    /// Proof header `{"typ":"JWT","alg":"ES256","jwk":{…}}` → `400 invalid_dpop_proof` "typ".
    ///
    /// ## Fix
    /// Send exactly one `DPoP` header with `typ: dpop+jwt`, an asymmetric algorithm, and the
    /// public key only in `jwk`.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3, §7.1
    pub struct Dpop008 {
        code: "DPOP008",
        name: "dpop-proof-header",
        title: "proof header invalid",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "send exactly one `DPoP` header with `typ: dpop+jwt`, an asymmetric `alg` and only the public key in `jwk`",
        references: ["RFC 9449 §4.2", "RFC 9449 §4.3", "RFC 9449 §7.1"],
        explains_errors: [("invalid_dpop_proof", 4)],
    }
}

/// What is wrong with a decodable proof's JOSE header (RFC 9449 §4.2, §4.3).
fn header_problems(d: &crate::oauth::jwt::DecodedJwt) -> Vec<(String, Category)> {
    let mut problems: Vec<(String, Category)> = Vec::new();
    let key = Category::SignatureKey;
    match d.typ() {
        Some(t)
            if t.eq_ignore_ascii_case("dpop+jwt")
                || t.eq_ignore_ascii_case("application/dpop+jwt") => {}
        t => {
            let shown = t
                .map(|t| format!("`{t}`"))
                .unwrap_or_else(|| "absent".into());
            problems.push((format!("`typ` is {shown} instead of `dpop+jwt`"), key));
        }
    }
    match d.alg() {
        None => problems.push(("`alg` is absent".into(), key)),
        Some(a) if a.eq_ignore_ascii_case("none") => {
            problems.push(("`alg` is `none` (unsigned)".into(), key))
        }
        Some(a) if a.starts_with("HS") => problems.push((
            format!("`alg` is `{a}`, a symmetric algorithm (a proof needs an asymmetric key)"),
            key,
        )),
        _ => {}
    }
    match d.header.get("jwk") {
        None => problems.push(("the header has no `jwk`".into(), key)),
        Some(k) if !k.is_object() => problems.push(("`jwk` is not a JSON object".into(), key)),
        Some(k) => {
            let private = crate::rules::jwt::private_members(k);
            if !private.is_empty() {
                let names: Vec<String> = private.iter().map(|m| format!("`{m}`")).collect();
                problems.push((
                    format!(
                        "`jwk` carries private members {} (the private key was sent; replace the key)",
                        names.join(", ")
                    ),
                    key,
                ));
            }
        }
    }
    problems
}

impl Rule for Dpop008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            let count = e.request.headers.count("dpop");
            let uses_dpop_scheme = dpop_token(e).is_some();
            if count == 0 && !uses_dpop_scheme {
                continue;
            }
            if !relevant(e) {
                continue;
            }
            let mut problems: Vec<(String, Category)> = Vec::new();
            if count == 0 {
                problems.push((
                    "`Authorization: DPoP` is used but there is no `DPoP` proof header".into(),
                    Category::Parameters,
                ));
            } else if count > 1 {
                problems.push((
                    format!("{count} `DPoP` headers; exactly one is allowed"),
                    Category::Parameters,
                ));
            }
            let p = proof_of(e);
            if let Some(p) = &p {
                match &p.jwt {
                    None => problems.push((
                        "the `DPoP` header is not a decodable JWT".into(),
                        Category::Parameters,
                    )),
                    Some(d) => problems.extend(header_problems(d)),
                }
            }
            if problems.is_empty() {
                continue;
            }
            let category = problems[0].1;
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the DPoP proof of `{} {}` is invalid: {}",
                        e.request.method,
                        e.request.endpoint(),
                        problems
                            .iter()
                            .map(|(s, _)| s.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
                .category(category)
                .strength(Strength::Direct)
                .text(
                    e.index,
                    "request.headers.dpop",
                    format!("{count} header(s)"),
                );
            if let Some(p) = &p {
                if let Some(d) = &p.jwt {
                    let mut h = d.header.clone();
                    if let Some(Value::Object(k)) = h.get_mut("jwk") {
                        k.retain(|n, _| matches!(n.as_str(), "kty" | "crv" | "kid" | "alg"));
                    }
                    rep = rep.text(e.index, "dpop.header", Value::Object(h).to_string());
                }
                rep = rep.secret(e.index, "request.headers.dpop", p.raw.clone());
            }
            if confirm_proof(e, &["typ", "jwk", "alg", "dpop"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

//! `PROV003` numeric-member-as-string: token response sends `expires_in` as a string.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a token (or device authorization) response that sends `expires_in` or another
    /// numeric member as a JSON string — Microsoft Entra's v1.0 endpoint
    /// (`/oauth2/token`) answers `"expires_in":"3599"`, `"expires_on":"1700003600"`.
    ///
    /// ## Why it fails
    /// RFC 6749 §5.1 serialises numeric values as JSON numbers. Strictly typed clients reject
    /// the whole token response ("invalid type: string \"3599\", expected u64"), others compute
    /// an expiry of `NaN` or zero and refresh on every call or never.
    ///
    /// ## Example
    /// `POST https://login.microsoftonline.com/{tenant}/oauth2/token` → `200`
    /// `{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","expires_on":"…","access_token":"…"}`
    ///
    /// ## Fix
    /// Parse these members leniently (a number or a numeric string), or use the v2.0 endpoint
    /// (`/oauth2/v2.0/token`, `scope=` instead of `resource=`), which sends numbers.
    ///
    /// ## References
    /// RFC 6749 §5.1; Microsoft identity platform v1.0 token response
    pub struct Prov003 {
        code: "PROV003",
        name: "numeric-member-as-string",
        title: "token response sends `expires_in` as a string",
        category: ContentTypeEncoding,
        severity: Warning,
        kind: Lint,
        fix: "parse `expires_in` (and `expires_on`, `ext_expires_in`) as a number or a numeric string, or move to the v2.0 endpoint that sends numbers",
        references: ["RFC 6749 §5.1"],
    }
}

/// Token-response members RFC 6749 §5.1 (and provider extensions) define as numbers.
const NUMERIC_MEMBERS: &[&str] = &[
    "expires_in",
    "ext_expires_in",
    "refresh_expires_in",
    "refresh_token_expires_in",
    "expires_on",
    "not_before",
    "interval",
];

impl Rule for Prov003 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if !matches!(e.kind, Kind::Token | Kind::DeviceAuthorization) {
                continue;
            }
            let Some(r) = &e.response else { continue };
            let Some(j) = r.json.as_ref().filter(|_| r.is_success()) else {
                continue;
            };
            let strings: Vec<(&str, &str)> = NUMERIC_MEMBERS
                .iter()
                .filter_map(|k| j.get(*k).and_then(|v| v.as_str()).map(|v| (*k, v)))
                .collect();
            let Some((first, value)) = strings.first() else {
                continue;
            };
            let who = provider_of(cx, e.index)
                .map(display_name)
                .unwrap_or("the server");
            let names: Vec<String> = strings.iter().map(|(k, _)| format!("`{k}`")).collect();
            let v1 = if e.provider == Some("entra") && e.request.path().ends_with("/oauth2/token") {
                " (Entra's v1.0 endpoint; `/oauth2/v2.0/token` sends numbers)"
            } else {
                ""
            };
            let message = format!(
                "the token response from {who} sends {} as JSON strings (`\"{first}\":\"{value}\"`), not numbers{v1}",
                names.join(", ")
            );
            let mut rep = cx.report(e.index, message);
            for (k, v) in &strings {
                rep = rep.text(e.index, format!("response.body.{k}"), format!("\"{v}\""));
            }
            rep.strength(Strength::Direct).emit();
        }
    }
}

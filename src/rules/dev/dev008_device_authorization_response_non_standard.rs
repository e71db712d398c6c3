//! `DEV008` device-authorization-response-non-standard: device authorization response non-standard.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks a successful device authorization response for the members RFC 8628 §3.2
    /// requires — `device_code`, `user_code`, `verification_uri`, `expires_in` — and names the
    /// provider variants it finds instead (`verification_url`, `expires` …).
    ///
    /// ## Why it fails
    /// Standard client libraries parse the standard names; a response that uses
    /// `verification_url` (older Google and Microsoft endpoints) or lacks `expires_in` makes
    /// them fail before the user sees a code, or poll forever.
    ///
    /// ## Example
    /// `200 {"device_code":"…","user_code":"ABCD-EFGH","verification_url":"https://…/device","expires_in":1800}`.
    ///
    /// ## Fix
    /// Accept the known variants in the client (or use the provider's library); report the
    /// deviation to the provider.
    ///
    /// ## References
    /// RFC 8628 §3.2
    pub struct Dev008 {
        code: "DEV008",
        name: "device-authorization-response-non-standard",
        title: "device authorization response non-standard",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "accept the known variants in the client (or use the provider's library) and report the deviation",
        references: ["RFC 8628 §3.2"],
    }
}

/// Standard member → provider variants seen in the wild.
const DA_MEMBERS: [(&str, &[&str]); 4] = [
    ("device_code", &["devicecode", "deviceCode"]),
    ("user_code", &["usercode", "userCode"]),
    (
        "verification_uri",
        &[
            "verification_url",
            "verificationUri",
            "verification_uri_complete",
        ],
    ),
    ("expires_in", &["expires", "expiresIn", "expires_at"]),
];

impl Rule for Dev008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind == Kind::DeviceAuthorization) {
            let Some(r) = &e.response else { continue };
            let Some(doc) = r.json.as_ref().filter(|_| r.is_success()) else {
                continue;
            };
            if doc.get("error").is_some() {
                continue;
            }
            let mut problems = Vec::new();
            for (std, variants) in DA_MEMBERS {
                if doc.get(std).is_some() {
                    continue;
                }
                match variants.iter().find(|v| doc.get(**v).is_some()) {
                    Some(v) => problems.push(format!("`{v}` instead of `{std}`")),
                    None => problems.push(format!("no `{std}`")),
                }
            }
            if problems.is_empty() {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the device authorization response is not RFC 8628 shaped: {}",
                    problems.join(", ")
                ),
            )
            .strength(Strength::Direct)
            .text(e.index, "response.body", problems.join(", "))
            .emit();
        }
    }
}

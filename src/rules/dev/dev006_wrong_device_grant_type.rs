//! `DEV006` wrong-device-grant-type: wrong device grant_type.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a token request that redeems a device code (it carries `device_code`, or its
    /// `grant_type` mentions `device`) with a `grant_type` other than the exact URN
    /// `urn:ietf:params:oauth:grant-type:device_code`: the short `device_code`, `device`,
    /// a misspelt or differently cased URN, surrounding whitespace.
    ///
    /// ## Why it fails
    /// The grant type is compared as an exact string; anything else is an unknown grant and the
    /// server answers `unsupported_grant_type` (or `invalid_request`).
    ///
    /// ## Example
    /// `grant_type=device_code&device_code=…&client_id=…` → `400 {"error":"unsupported_grant_type"}`.
    ///
    /// ## Fix
    /// Send `grant_type=urn:ietf:params:oauth:grant-type:device_code`.
    ///
    /// ## References
    /// RFC 8628 §3.4; RFC 6749 §5.2
    pub struct Dev006 {
        code: "DEV006",
        name: "wrong-device-grant-type",
        title: "wrong device grant_type",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "send `grant_type=urn:ietf:params:oauth:grant-type:device_code`",
        references: ["RFC 8628 §3.4", "RFC 6749 §5.2"],
        explains_errors: [("unsupported_grant_type", 2)],
    }
}

impl Rule for Dev006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if !matches!(e.kind, Kind::Token | Kind::Other) || e.request.method != "POST" {
                continue;
            }
            let Some(gt) = e.request.param("grant_type") else {
                continue;
            };
            if gt == DEVICE_GRANT {
                continue;
            }
            let low = gt.trim().to_ascii_lowercase();
            let has_code = e.request.param("device_code").is_some();
            let near = gt.len() < 200 && edit_distance(&low, DEVICE_GRANT) <= 4;
            if !(has_code || low.contains("device") || near) {
                continue;
            }
            let why = if gt.trim() != gt {
                "it has surrounding whitespace".to_string()
            } else if low == DEVICE_GRANT {
                "the URN is compared case-sensitively".to_string()
            } else if matches!(low.as_str(), "device_code" | "device" | "devicecode") {
                format!("`{gt}` is a short name, not the registered URN")
            } else {
                format!(
                    "`{gt}` differs from the URN in {} character(s)",
                    edit_distance(&gt, DEVICE_GRANT)
                )
            };
            let message = format!(
                "the device-code token request sends `grant_type` `{gt}` instead of `{DEVICE_GRANT}`: {why}"
            );
            let mut rep = cx.report(e.index, message).strength(Strength::Direct).text(
                e.index,
                "request.body.grant_type",
                gt.clone(),
            );
            if let Some(er) = e.server_error() {
                rep = rep.text(e.index, er.at, er.code);
            }
            rep.emit();
        }
    }
}

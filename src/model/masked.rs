//! Values a capture does not show. Whoever shared it may have replaced secrets: `oauth-doctor
//! redact` with its placeholders (`REDACTED-40c-1f2e3d4c`), other tools with `[REDACTED]`,
//! `***`, `<redacted>`, `xxxx`, `…`, a sanitized browser export with nothing at all. Such a
//! value is *unknown*: never evidence of a wrong value, never a reason to accuse a server of
//! not checking something. Two equal placeholders of `oauth-doctor redact` still prove two
//! equal values.

/// The start of every placeholder `oauth-doctor redact` writes (`REDACTED-40c-1f2e3d4c`: the
/// value's length and the first hex digits of its SHA-256).
pub const PLACEHOLDER_PREFIX: &str = "REDACTED-";

/// True when `v` is (or, for a JWT, carries as its signature) a placeholder written by
/// `oauth-doctor redact`: the clear value is gone, so a rule must not recompute with it
/// (PKCE S256, Basic encoding, verifier length and alphabet, secret shape). Equal placeholders
/// still prove equal values.
pub fn is_own_placeholder(v: &str) -> bool {
    let v = v.trim();
    let last = v.rsplit('.').next().unwrap_or(v);
    let one = |t: &str| {
        t.strip_prefix(PLACEHOLDER_PREFIX).is_some_and(|rest| {
            rest.split_once("c-").is_some_and(|(n, h)| {
                // 8 hex digits, then the padding and characters of a shaped placeholder; or,
                // for a value that was cut short, a prefix of the hex digits.
                let tail = h.get(8..).unwrap_or("");
                let tail = tail.trim_start_matches('0');
                let hex = &h.as_bytes()[..h.len().min(8)];
                !n.is_empty()
                    && n.bytes().all(|b| b.is_ascii_digit())
                    && !hex.is_empty()
                    && hex.iter().all(|b| b.is_ascii_hexdigit())
                    && tail
                        .chars()
                        .all(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
            })
        })
    };
    let unquoted = |t: &str| -> String {
        let t = t.trim();
        for q in ['"', '\''] {
            if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
                return t[1..t.len() - 1].to_string();
            }
        }
        t.to_string()
    };
    // Also as it reads after form-decoding (a placeholder written into a form-encoded Basic
    // secret or a twice-encoded code) and inside quotes.
    let decoded = crate::oauth::basic::form_decode(v);
    [v.to_string(), decoded]
        .iter()
        .any(|x| one(x) || one(&unquoted(x)) || one(x.rsplit('.').next().unwrap_or(x)))
        || one(last)
}

/// True when `v` stands for a value someone removed before sharing the capture: a placeholder
/// of `oauth-doctor redact` ([`is_own_placeholder`]) or of another tool (`[REDACTED]`,
/// `REDACTED`, `*redacted*`, `<redacted>`, `[xxx redacted]`, `***`, `xxxx`, `…`, `...`,
/// `<state>`-style angle-bracket names, `{{token}}`-style template names). An empty value is
/// not masked here: it is what was sent, unless the export says it removed values.
pub fn is_masked(v: &str) -> bool {
    let t = v.trim();
    if t.is_empty() {
        return false;
    }
    if is_own_placeholder(t) {
        return true;
    }
    let low = t.to_ascii_lowercase();
    let masking_chars = t
        .chars()
        .all(|c| matches!(c, '.' | '*' | '…' | 'x' | 'X' | '#' | '•'));
    masking_chars && (t.chars().count() >= 3 || t == "…")
        || low.contains("redacted")
        || low.contains("masked")
        || low.contains("removed")
        || low.contains("...")
        || low.contains('…')
        || (t.starts_with('<') && t.ends_with('>') && t.len() > 2)
        || (t.starts_with("{{") && t.ends_with("}}"))
        || (t.starts_with("${") && t.ends_with('}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_tools_placeholders_are_masked_values() {
        for v in [
            "[REDACTED]",
            "REDACTED",
            "*redacted*",
            "<redacted>",
            "[xxx redacted]",
            "***",
            "xxxxxxxx",
            "…",
            "eyJhbGciOi...",
            "<state>",
            "{{access_token}}",
            "${CLIENT_SECRET}",
            "REDACTED-40c-1f2e3d4c",
        ] {
            assert!(is_masked(v), "{v:?}");
        }
        for v in [
            "",
            "abc",
            "x",
            "s3cr3t",
            "undefined",
            "Zx+8/Qm=",
            "4/0AX4XfWh",
        ] {
            assert!(!is_masked(v), "{v:?}");
        }
    }
}

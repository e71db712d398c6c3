//! Tolerant parsing of `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3), including
//! the malformed shapes seen in the wild (`Bearer, error=...`, unquoted values).

/// One parsed challenge: the scheme and its auth-params (names lower-cased).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parse the first challenge of a header value; params of later challenges are folded in.
pub fn parse(value: &str) -> Challenge {
    let v = value.trim();
    let (scheme, rest) = match v.find(|c: char| c.is_whitespace() || c == ',') {
        Some(i) => (&v[..i], &v[i..]),
        None => (v, ""),
    };
    let mut params = Vec::new();
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i] == b',' || bytes[i].is_ascii_whitespace()) {
            i += 1;
        }
        let start = i;
        while i < bytes.len()
            && bytes[i] != b'='
            && bytes[i] != b','
            && !bytes[i].is_ascii_whitespace()
        {
            i += 1;
        }
        let name = rest[start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut val = String::new();
        if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            let mut chars = rest[i..].char_indices();
            let mut end = rest.len() - i;
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            val.push(n);
                        }
                    }
                    '"' => {
                        end = j + 1;
                        break;
                    }
                    c => val.push(c),
                }
            }
            i += end;
        } else {
            let s = i;
            while i < bytes.len() && bytes[i] != b',' {
                i += 1;
            }
            val = rest[s..i].trim().to_string();
        }
        if !name.is_empty() {
            params.push((name, val));
        }
    }
    Challenge {
        scheme: scheme.to_string(),
        params,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc6750_challenge() {
        let c = parse(
            r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#,
        );
        assert_eq!(c.scheme, "Bearer");
        assert_eq!(c.get("error"), Some("invalid_token"));
        assert_eq!(c.get("error_description"), Some("The access token expired"));
    }

    #[test]
    fn tolerates_comma_after_scheme_and_bare_values() {
        let c = parse("Bearer, error=invalid_token, error_description=\"expired\"");
        assert_eq!(c.get("error"), Some("invalid_token"));
        assert_eq!(c.get("error_description"), Some("expired"));
        assert_eq!(parse("Basic").scheme, "Basic");
    }
}

//! The documented reasons a difference between a working and a failing capture can explain the
//! failure, for differences that BAD's own diagnosis does not name with a rule. Each has a stable
//! id (printed in every output and listed in `docs/diff-output.md`), why it matters, and where
//! the protocol says so. This is knowledge about OAuth, not about the two captures.

/// Why a kind of difference can make a request fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    pub id: &'static str,
    pub why: &'static str,
    pub reference: &'static str,
}

/// Every reason, sorted by id.
pub const REASONS: &[Reason] = &[
    Reason {
        id: "accept",
        why: "some servers answer a token request form-encoded, or with an HTML page, unless it says `Accept: application/json`",
        reference: "RFC 9110 §12.5.1",
    },
    Reason {
        id: "authorization-scheme",
        why: "a resource server accepts a token only in the scheme it was issued for (`Bearer`, or `DPoP` for a sender-constrained token)",
        reference: "RFC 6750 §2.1; RFC 9449 §7.1",
    },
    Reason {
        id: "basic-encoding",
        why: "client_secret_basic credentials are the form-urlencoded client id and secret, joined by `:` and base64-encoded; a secret with reserved characters encoded one way is another secret to a server that decodes the other way",
        reference: "RFC 6749 §2.3.1; RFC 7617 §2",
    },
    Reason {
        id: "body-encoding",
        why: "token, PAR, introspection and revocation requests are `application/x-www-form-urlencoded`; a server reads a JSON or multipart body as a request without parameters",
        reference: "RFC 6749 §3.2, §4.1.3",
    },
    Reason {
        id: "client-assertion",
        why: "a client assertion is checked for its type URN, issuer, subject, audience, lifetime and signing algorithm; a change in any of them is a rejected client",
        reference: "RFC 7523 §2.2, §3; RFC 7521 §4.2",
    },
    Reason {
        id: "client-auth-method",
        why: "the server authenticates a client only with the method registered for it (`token_endpoint_auth_method`); another method, or two at once, is an unauthenticated client",
        reference: "RFC 6749 §2.3; RFC 7591 §2",
    },
    Reason {
        id: "client-id",
        why: "another client_id is another registration, with its own redirect URIs, grants, scopes and credentials, and codes issued to one client cannot be redeemed by another",
        reference: "RFC 6749 §2.2, §4.1.3",
    },
    Reason {
        id: "client-secret",
        why: "the server compares the client secret with the registered one; another value (a rotated, stale or mistyped secret) is an unauthenticated client",
        reference: "RFC 6749 §2.3.1",
    },
    Reason {
        id: "clock",
        why: "`iat`, `nbf` and `exp` of assertions and proofs the client mints are judged by the server's clock; a client clock minutes off makes them not yet valid or already expired",
        reference: "RFC 7519 §4.1.4–4.1.6; RFC 7523 §3",
    },
    Reason {
        id: "code-lifetime",
        why: "an authorization code lives for a short time (at most 10 minutes, often 30–60 seconds) and is rejected once redeemed too late",
        reference: "RFC 6749 §4.1.2",
    },
    Reason {
        id: "code-origin",
        why: "a code redeemed in a flow that did not obtain it (an old tab, another login, another environment) is unknown, expired or already used",
        reference: "RFC 6749 §4.1.2, §10.5",
    },
    Reason {
        id: "content-type",
        why: "the `Content-Type` tells the server how to read the body; a wrong media type makes it read no parameters",
        reference: "RFC 6749 §3.2; RFC 9110 §8.3",
    },
    Reason {
        id: "dpop",
        why: "a DPoP proof is required for sender-constrained tokens and is checked for its type, key, method, URL, time and nonce",
        reference: "RFC 9449 §4.3",
    },
    Reason {
        id: "duplicate-parameter",
        why: "request parameters must not be included more than once; servers reject the request or read another occurrence",
        reference: "RFC 6749 §3.1, §3.2",
    },
    Reason {
        id: "endpoint",
        why: "another scheme, host, tenant, realm, path, version or method is another endpoint: another server, directory or API version that does not know this client, code or token",
        reference: "RFC 8414 §2; RFC 6749 §3.1, §3.2",
    },
    Reason {
        id: "grant-type",
        why: "`grant_type` selects the grant; an unknown or misspelt value, or a grant not enabled for the client, is refused",
        reference: "RFC 6749 §4.1.3, §5.2",
    },
    Reason {
        id: "granted",
        why: "what the token response granted (scopes, token type, refresh token, audience) decides what later requests can do with the tokens",
        reference: "RFC 6749 §5.1; RFC 8707 §2.2",
    },
    Reason {
        id: "origin",
        why: "a browser's `Origin` header makes a token request cross-origin: servers accept it only for clients registered as single-page applications, and reject it for others",
        reference: "RFC 6454 §7",
    },
    Reason {
        id: "parameter",
        why: "a parameter the request needs is missing, or one the server does not accept in this request is added",
        reference: "RFC 6749 §4.1.1, §4.1.3, §5.2",
    },
    Reason {
        id: "parameter-place",
        why: "token requests carry their parameters in the POST body, authorization requests in the query; a parameter in the other place is not read",
        reference: "RFC 6749 §3.1, §3.2",
    },
    Reason {
        id: "pkce",
        why: "the code verifier must match the challenge of the same authorization request by the same method, and servers that require PKCE refuse requests without it or with `plain`",
        reference: "RFC 7636 §4.1–4.6; RFC 9700 §2.1.1",
    },
    Reason {
        id: "redirect-uri",
        why: "the redirect URI is compared with the registered one, and with the one of the authorization request, character for character: a trailing slash, another port, host or case is another URI",
        reference: "RFC 6749 §3.1.2, §4.1.3; RFC 9700 §4.1.3",
    },
    Reason {
        id: "request-option",
        why: "options of the authorization request (`prompt`, `max_age`, `access_type`, `response_mode` …) change what the server does and returns",
        reference: "OpenID Connect Core 1.0 §3.1.2.1",
    },
    Reason {
        id: "resource-audience",
        why: "`resource` and `audience` name the API the token is for; another value is refused, or yields a token the API rejects",
        reference: "RFC 8707 §2; RFC 8693 §2.1",
    },
    Reason {
        id: "response-type",
        why: "`response_type` selects the flow; a value not enabled for the client or not supported by the server is refused",
        reference: "RFC 6749 §3.1.1; OAuth 2.0 Multiple Response Type Encoding Practices §2",
    },
    Reason {
        id: "scope",
        why: "each scope must be allowed for the client (and consented); asking for one more than allowed fails the request, one fewer yields a token an API or refresh rejects",
        reference: "RFC 6749 §3.3, §5.2",
    },
    Reason {
        id: "step",
        why: "BAD fails at a step GOOD never performs, so nothing in GOOD shows how it should look",
        reference: "RFC 6749 §1.2",
    },
    Reason {
        id: "token-kind",
        why: "an API accepts the access token; an ID token or refresh token in its place is rejected",
        reference: "RFC 6750 §2; OpenID Connect Core 1.0 §2",
    },
    Reason {
        id: "token-lifetime",
        why: "an access token is rejected once used after its lifetime (`expires_in`, `exp`)",
        reference: "RFC 6749 §5.1; RFC 6750 §3.1",
    },
    Reason {
        id: "user",
        why: "another user brings another account state: consent, MFA, password, group membership",
        reference: "RFC 6749 §4.3.2",
    },
    Reason {
        id: "value-shape",
        why: "values that change on every run (codes, verifiers, tokens, state) keep their shape; another length, alphabet or encoding means BAD builds or carries the value differently: truncated, encoded twice, another alphabet or another kind of token",
        reference: "RFC 6749 Appendix A; RFC 7636 §4.1; RFC 7519 §3",
    },
];

/// The reason with this id.
pub fn find(id: &str) -> Option<&'static Reason> {
    REASONS.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons_are_sorted_and_unique() {
        let ids: Vec<&str> = super::REASONS.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }
}

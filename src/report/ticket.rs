//! Words for the ticket: the short summary the Markdown and HTML reports open with, for a
//! person to paste into a ticket to the app's or the identity provider's owners — what failed,
//! the evidence, what to change and who must change it. Who is read from the top cause's
//! category (and, for discovery metadata, its rule family); every string is redacted here.

use super::Report;
use super::flow::top_finding;
use crate::diagnosis::{Category, Finding};

/// Who has to act on a cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The app's configuration or code: what the client sends.
    App,
    /// The client's registration at the identity provider.
    Registration,
    /// The identity provider's settings (or whoever runs the server and what is in front of it).
    Provider,
}

impl Owner {
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::App => "the app's configuration",
            Owner::Registration => "the client registration at the provider",
            Owner::Provider => "the provider's settings",
        }
    }
}

/// Who must change what for a finding: the owner, and the sentence that says it.
pub fn who(f: &Finding) -> (Owner, &'static str) {
    if f.rule.starts_with("DISC") && !matches!(f.category, Category::EndpointUrl) {
        return (
            Owner::Provider,
            "the provider's settings: the metadata or keys it publishes",
        );
    }
    match f.category {
        Category::Credentials => (
            Owner::App,
            "the app's configuration (the client credentials it sends); if they are the registered ones, the client registration at the provider (a secret expired, rotated or never set)",
        ),
        Category::TokenExpiry => (
            Owner::App,
            "the app's configuration or code: it used a code or token after its lifetime, or one that was revoked",
        ),
        Category::GrantType => (
            Owner::Registration,
            "the client registration at the provider (the grant types allowed for the client); if the grant is allowed, the app, which redeemed a code or refresh token twice",
        ),
        Category::Parameters => (
            Owner::App,
            "the app's configuration or code: the parameters it sends",
        ),
        Category::RedirectUri => (
            Owner::Registration,
            "the client registration at the provider (its registered redirect URIs), or the app's redirect_uri setting, so that both are the same string",
        ),
        Category::Pkce => (
            Owner::App,
            "the app's code: how it creates, keeps and sends the PKCE verifier and challenge",
        ),
        Category::ScopeConsent => (
            Owner::Registration,
            "the client registration at the provider (the scopes, APIs and consent granted to the client), or the scope the app requests",
        ),
        Category::ServerError => (
            Owner::Provider,
            "the provider's side: the server, or the proxy or gateway in front of it",
        ),
        Category::RateLimit => (
            Owner::App,
            "the app's configuration or code: how often it calls, and how it backs off; the provider's settings hold the limits",
        ),
        Category::ClockSkew => (
            Owner::App,
            "the app's host: its clock (or the provider's, when the provider's Date header is off)",
        ),
        Category::SignatureKey => (
            Owner::App,
            "the app's configuration: the keys and algorithms it signs or validates with, against the ones the provider publishes",
        ),
        Category::AudienceIssuer => (
            Owner::App,
            "the app's configuration: the issuer, audience or resource it asks for or expects",
        ),
        Category::ContentTypeEncoding => (
            Owner::App,
            "the app's code: how it encodes the request body and values",
        ),
        Category::EndpointUrl => (
            Owner::App,
            "the app's configuration: the endpoint URLs it calls (issuer, tenant, path, version)",
        ),
        Category::AccountState => (
            Owner::Provider,
            "the provider's settings for the user or the tenant (MFA, conditional access, account state); the user may have to sign in again",
        ),
        Category::Other => (
            Owner::App,
            "the app's configuration, unless the evidence points at the provider",
        ),
    }
}

/// The summary, every string already redacted.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// What failed, in one sentence.
    pub failed: String,
    /// `PKCE001 (pkce, confidence 1.00): code_verifier does not match code_challenge`.
    pub cause: Option<String>,
    /// What was seen (the finding's message).
    pub seen: Option<String>,
    pub evidence: Vec<String>,
    /// Evidence items not listed.
    pub more_evidence: usize,
    pub change: Option<String>,
    pub who: Option<(Owner, String)>,
    /// Other problems of the report, one line each.
    pub also: Vec<String>,
}

/// At most this many evidence lines in the summary.
const MAX_EVIDENCE: usize = 5;

impl Ticket {
    pub fn of(r: &Report<'_>) -> Ticket {
        let red = r.redactor;
        let inputs = r.inputs.join(", ");
        let Some(top) = top_finding(r) else {
            let latent = r.findings.len();
            let mut failed = format!(
                "no failure found in {} exchange(s) from {}",
                r.exchanges.len(),
                red.scrub(&inputs)
            );
            if latent > 0 {
                failed.push_str(&format!(
                    "; {latent} latent problem(s) that did not cause a failure here"
                ));
            }
            return Ticket {
                failed,
                cause: None,
                seen: None,
                evidence: Vec::new(),
                more_evidence: 0,
                change: None,
                who: None,
                also: r
                    .findings
                    .iter()
                    .take(3)
                    .map(|f| format!("{} ({}): {}", f.rule, f.severity, red.scrub(&f.title)))
                    .collect(),
            };
        };
        let failed = match top.anchor.and_then(|a| r.exchanges.get(a)) {
            Some(e) => {
                let what = format!(
                    "the {} request #{} ({} {})",
                    kind_words(e.kind),
                    e.number(),
                    e.request.method,
                    red.scrub(&e.request.endpoint())
                );
                match &e.response {
                    None => format!("{what} got no response in the capture"),
                    Some(resp) if resp.status == 0 => format!(
                        "{what} got no HTTP response{}",
                        resp.transport_error
                            .as_deref()
                            .map(|t| format!(" ({})", red.scrub(t)))
                            .unwrap_or_default()
                    ),
                    Some(resp) => {
                        let mut s = format!("{what} was answered {}", resp.status);
                        if let Some(err) = e.server_error() {
                            s.push_str(&format!(" {}", red.scrub(&err.code)));
                            if let Some(d) = err.description.filter(|d| !d.is_empty()) {
                                s.push_str(&format!(
                                    " \"{}\"",
                                    super::flow::shorten(&red.scrub(&d), 160)
                                ));
                            }
                        }
                        if !e.failed() {
                            s.push_str(", which the client must not accept");
                        }
                        s
                    }
                }
            }
            None => red.scrub(&top.title),
        };
        let evidence: Vec<String> = top
            .evidence
            .iter()
            .take(MAX_EVIDENCE)
            .map(|ev| {
                format!(
                    "#{} {}: {}",
                    r.n(ev.exchange),
                    red.scrub(&ev.at),
                    red.value(&ev.value)
                )
            })
            .collect();
        let (owner, words) = who(top);
        let mut also: Vec<String> = Vec::new();
        if !top.consequences.is_empty() {
            also.push(format!(
                "this cause also explains {}",
                top.consequences.join(", ")
            ));
        }
        let others = r
            .findings
            .iter()
            .filter(|f| !f.latent && f.rank != top.rank);
        for f in others.take(3) {
            also.push(format!(
                "{} ({}{}): {}",
                f.rule,
                f.severity,
                f.anchor
                    .map(|a| format!(", #{}", r.n(a)))
                    .unwrap_or_default(),
                red.scrub(&f.title)
            ));
        }
        Ticket {
            failed,
            cause: Some(format!(
                "{} ({}, confidence {:.2}): {}",
                top.rule,
                top.category,
                top.confidence,
                red.scrub(&top.title)
            )),
            seen: Some(red.scrub(&top.message)),
            more_evidence: top.evidence.len().saturating_sub(MAX_EVIDENCE),
            evidence,
            change: Some(red.scrub(&top.fix)),
            who: Some((owner, words.to_string())),
            also,
        }
    }

    /// The summary as plain text, to paste as it is.
    pub fn text(&self, r: &Report<'_>) -> String {
        let mut s = String::new();
        s.push_str(&format!("What failed: {}.\n", sentence(&self.failed)));
        if let Some(c) = &self.cause {
            s.push_str(&format!("Most probable cause: {}.\n", sentence(c)));
        }
        if let Some(seen) = &self.seen {
            s.push_str(&format!("What the capture shows: {}.\n", sentence(seen)));
        }
        if !self.evidence.is_empty() {
            s.push_str("Evidence:\n");
            for e in &self.evidence {
                s.push_str(&format!("  - {e}\n"));
            }
            if self.more_evidence > 0 {
                s.push_str(&format!("  - and {} more\n", self.more_evidence));
            }
        }
        if let Some(c) = &self.change {
            s.push_str(&format!("What to change: {}.\n", sentence(c)));
        }
        if let Some((_, w)) = &self.who {
            s.push_str(&format!("Who must change it: {}.\n", sentence(w)));
        }
        for a in &self.also {
            s.push_str(&format!("Also: {}.\n", sentence(a)));
        }
        s.push_str(&format!(
            "(oauth-doctor {} on {}; secrets are shown {}.)\n",
            env!("CARGO_PKG_VERSION"),
            r.redactor.scrub(&r.inputs.join(", ")),
            if r.redactor.shows_secrets() {
                "in clear (--show-secrets): do not share this"
            } else {
                "as fingerprints"
            }
        ));
        s
    }
}

/// Text that ends a sentence: without its own final period (one is added).
fn sentence(s: &str) -> &str {
    s.trim_end().trim_end_matches('.')
}

/// `token`, `authorization`, `resource` … as a person calls the request.
pub fn kind_words(k: crate::model::Kind) -> &'static str {
    use crate::model::Kind::*;
    match k {
        Authorize => "authorization",
        Callback => "callback",
        Token => "token",
        Par => "pushed authorization",
        DeviceAuthorization => "device authorization",
        Introspection => "introspection",
        Revocation => "revocation",
        Userinfo => "userinfo",
        Discovery => "discovery",
        Jwks => "key set",
        Resource => "API",
        SignIn => "sign-in",
        Registration => "client registration",
        ResourceMetadata => "protected resource metadata",
        Preflight => "CORS preflight",
        Other => "HTTP",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_names_one_of_the_three_owners() {
        for c in Category::ALL {
            let f = Finding {
                category: c,
                ..Finding::from_meta(
                    crate::rules::registry::find("PARAM001").unwrap().meta(),
                    0,
                    String::new(),
                )
            };
            let (owner, words) = who(&f);
            let named = ["the app", "the client registration", "the provider"];
            assert!(named.iter().any(|n| words.starts_with(n)), "{c}: {words}");
            match c {
                Category::RedirectUri | Category::ScopeConsent | Category::GrantType => {
                    assert_eq!(owner, Owner::Registration, "{c}")
                }
                Category::ServerError | Category::AccountState => {
                    assert_eq!(owner, Owner::Provider, "{c}")
                }
                _ => assert_eq!(owner, Owner::App, "{c}"),
            }
        }
    }
}

//! `PROV006` sign-in-refused: the identity provider refused the user's password, one-time code or
//! account on its own sign-in page or API, before any authorization response.

use super::*;
use crate::model::sign_in::{self, Dialect, Refusal};
use crate::providers::signatures::{self, Signature};

declare_rule! {
    /// ## What it does
    /// Reads the answer of the identity provider's own sign-in step — the user's password or
    /// one-time code POSTed to its login page or authentication API — and reports a refusal
    /// with the provider's code explained:
    ///
    /// - Microsoft Entra ID shows its sign-in page again with the error in the page
    ///   configuration (`$Config={… "sErrorCode":"50126" …}`), an `AADSTS` number;
    /// - Auth0 answers its login APIs with `code` (`invalid_user_password`, `too_many_attempts`,
    ///   `password_leaked`) or `error` (`/co/authenticate`), and marks the field of its Universal
    ///   Login page with `data-error-code` (`wrong-credentials`);
    /// - Okta's authentication API answers `errorCode` (`E0000004`) or ends the transaction
    ///   with a `status` (`LOCKED_OUT`, `PASSWORD_EXPIRED`); its identity engine sends an
    ///   `ERROR` message with an i18n key;
    /// - Keycloak shows its login page again with the message in `input-error` /
    ///   `kc-feedback-text` ("Invalid username or password.");
    /// - Amazon Cognito answers `InitiateAuth` with `__type` (`NotAuthorizedException`);
    /// - any other provider shows its login form again (a page with a password field, no
    ///   redirect onward) or answers the POST with an error status.
    ///
    /// A wrong password or code is `credentials`; a locked, disabled or expired account, a
    /// required MFA step or a blocked sign-in is `account_state`. A refused attempt followed by
    /// a successful one is not a failure.
    ///
    /// ## Why it fails
    /// The sign-in never reaches the authorization response: the provider keeps the user on its
    /// page, so no code comes back to the client. Nothing in the client's OAuth configuration
    /// causes it, and changing redirect URIs, scopes or secrets does not help; the account or
    /// what the user typed does.
    ///
    /// ## Example
    /// `POST https://login.microsoftonline.com/{tenant}/login` (`login=…&passwd=…`) → `200`, the
    /// sign-in page with `"sErrorCode":"50126"`: invalid user name or password.
    ///
    /// ## Fix
    /// For `credentials`, sign in with the right user name and password (or code). For
    /// `account_state`, have an administrator unlock or enable the account, or complete what
    /// the provider asks (MFA registration, a password change).
    ///
    /// ## References
    /// RFC 6749 §3.1 (user authentication is outside the protocol); OpenID Connect Core §3.1.2.3;
    /// the provider's documentation linked in each finding
    pub struct Prov006 {
        code: "PROV006",
        name: "sign-in-refused",
        title: "the identity provider refused the user's sign-in",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "sign in with the right user name and password; the client's OAuth configuration is not the cause",
        references: ["RFC 6749 §3.1", "OpenID Connect Core §3.1.2.3"],
        absorbs: ["PROV001", "PROV002", "PROV005", "STAT002", "STAT005", "STAT016"],
    }
}

/// What a provider's sign-in code means: title, category, fix, documentation.
struct Meaning {
    title: String,
    category: Category,
    fix: Option<String>,
    docs: Option<String>,
}

const FIX_CREDENTIALS: &str = "sign in with the right user name and password (or one-time code); the client's OAuth configuration is not the cause";
const FIX_ACCOUNT: &str = "an administrator must unlock or enable the account at the identity provider, or the user must complete what it asks (MFA registration, a password change); the client's OAuth configuration is not the cause";

/// Auth0's sign-in codes: the classic login API's `code`, `/co/authenticate`'s `error`, and the
/// Universal Login prompts' `data-error-code` (Auth0 docs: "Customize Lock error messages",
/// "Cross-origin authentication" error codes, "Universal Login text customization").
const AUTH0: &[(&str, &str, Category)] = &[
    (
        "invalid_user_password",
        "wrong email or password",
        Category::Credentials,
    ),
    (
        "wrong-credentials",
        "wrong username or password",
        Category::Credentials,
    ),
    (
        "wrong-email-credentials",
        "wrong email or password",
        Category::Credentials,
    ),
    (
        "wrong-username-credentials",
        "wrong username or password",
        Category::Credentials,
    ),
    (
        "invalid-code",
        "one-time code not accepted",
        Category::Credentials,
    ),
    (
        "invalid-otp-code",
        "one-time code not accepted",
        Category::Credentials,
    ),
    (
        "access_denied",
        "sign-in denied (wrong email or password, or a rule refused it)",
        Category::Credentials,
    ),
    (
        "too_many_attempts",
        "account blocked after too many failed attempts",
        Category::AccountState,
    ),
    (
        "too-many-failures",
        "account blocked after too many failed attempts",
        Category::AccountState,
    ),
    ("user-blocked", "user blocked", Category::AccountState),
    ("blocked_user", "user blocked", Category::AccountState),
    (
        "ip-blocked",
        "sign-in from this IP address blocked",
        Category::AccountState,
    ),
    (
        "password_leaked",
        "password found in a data breach: sign-in blocked until it is changed",
        Category::AccountState,
    ),
    (
        "password-breached",
        "password found in a data breach: sign-in blocked until it is changed",
        Category::AccountState,
    ),
    (
        "password_change_required",
        "password change required",
        Category::AccountState,
    ),
    (
        "mfa_required",
        "multi-factor authentication required",
        Category::AccountState,
    ),
    (
        "unauthorized",
        "a rule or action refused the user",
        Category::AccountState,
    ),
];

/// Okta's authentication transaction states that end a sign-in, and identity engine message
/// keys (Okta API reference: "Authentication API", "Error codes").
const OKTA: &[(&str, &str, Category)] = &[
    ("LOCKED_OUT", "user locked out", Category::AccountState),
    (
        "PASSWORD_EXPIRED",
        "password expired",
        Category::AccountState,
    ),
    (
        "PASSWORD_RESET",
        "password reset required",
        Category::AccountState,
    ),
    (
        "RECOVERY",
        "account recovery in progress",
        Category::AccountState,
    ),
    (
        "incorrectPassword",
        "password is incorrect",
        Category::Credentials,
    ),
    (
        "E0000207",
        "incorrect username or password",
        Category::Credentials,
    ),
];

/// Entra sign-in page codes the knowledge base has no entry for (Microsoft Entra
/// authentication and authorization error codes).
const ENTRA: &[(&str, &str, Category)] = &[
    (
        "50056",
        "no password stored for the user",
        Category::AccountState,
    ),
    (
        "50064",
        "credential validation failed",
        Category::Credentials,
    ),
    (
        "50058",
        "no session at the identity provider",
        Category::AccountState,
    ),
    (
        "50089",
        "sign-in flow expired: start it again",
        Category::AccountState,
    ),
    (
        "500121",
        "strong authentication (MFA) not completed",
        Category::AccountState,
    ),
    (
        "80012",
        "sign-in outside the allowed hours",
        Category::AccountState,
    ),
    (
        "81010",
        "seamless single sign-on Kerberos ticket invalid",
        Category::Credentials,
    ),
];

/// Words of a refusal that say the account, not what the user typed, is the problem.
const ACCOUNT_WORDS: &[&str] = &[
    "lock",
    "disabled",
    "blocked",
    "suspend",
    "expired",
    "deactivat",
    "inactive",
    "not confirmed",
    "not verified",
    "multi-factor",
    "multifactor",
    "two-factor",
    "2-step",
    "mfa",
    "second factor",
    "change your password",
    "password reset",
    "too many",
    "conditional access",
];

fn table(t: &[(&str, &str, Category)], code: &str) -> Option<Meaning> {
    t.iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, title, category)| Meaning {
            title: (*title).to_string(),
            category: *category,
            fix: None,
            docs: None,
        })
}

fn from_kb(s: &Signature) -> Meaning {
    Meaning {
        title: s.title.clone(),
        category: s.category,
        fix: Some(s.fix.clone()),
        docs: Some(s.docs.clone()),
    }
}

/// The knowledge-base entry of `provider` for `code`: the one whose `contains` occurs in the
/// message, else the code's fallback.
fn kb(provider: &str, code: &str, message: Option<&str>) -> Option<Meaning> {
    let text = message.unwrap_or("").to_lowercase();
    let mut fallback = None;
    for s in signatures::for_code(provider, code) {
        match &s.contains {
            Some(n) if text.contains(&n.to_lowercase()) => return Some(from_kb(s)),
            Some(_) => {}
            None => fallback = fallback.or(Some(s)),
        }
    }
    fallback.map(from_kb)
}

/// Keycloak's login page messages (its default English message bundle).
fn keycloak(message: &str) -> Option<Meaning> {
    let m = message.to_lowercase();
    let (title, category) = if m.contains("invalid username or password")
        || m.contains("invalid username or email")
        || m.contains("invalid email or password")
    {
        ("invalid username or password", Category::Credentials)
    } else if m.contains("temporarily disabled") {
        (
            "account temporarily disabled after failed attempts (brute-force detection)",
            Category::AccountState,
        )
    } else if m.contains("account is disabled") {
        ("account disabled", Category::AccountState)
    } else if m.contains("invalid authenticator code") || m.contains("invalid otp") {
        ("one-time code not accepted", Category::Credentials)
    } else {
        return None;
    };
    Some(Meaning {
        title: title.to_string(),
        category,
        fix: None,
        docs: None,
    })
}

/// The category of a refusal nobody documents, from its words.
fn by_words(r: &Refusal) -> Category {
    let text = format!(
        "{} {}",
        r.code.as_deref().unwrap_or(""),
        r.message.as_deref().unwrap_or("")
    )
    .to_lowercase();
    if ACCOUNT_WORDS.iter().any(|w| text.contains(w)) {
        Category::AccountState
    } else {
        Category::Credentials
    }
}

/// What the refusal means, when its dialect documents it.
fn meaning(r: &Refusal) -> Option<Meaning> {
    let code = r.code.as_deref();
    let msg = r.message.as_deref();
    match r.dialect {
        Dialect::Entra => {
            let c = code?;
            kb("entra", &format!("AADSTS{c}"), msg).or_else(|| table(ENTRA, c))
        }
        Dialect::Auth0 => table(AUTH0, code?).or_else(|| kb("auth0", code?, msg)),
        Dialect::Okta => kb("okta", code?, msg).or_else(|| table(OKTA, code?)),
        Dialect::Cognito => {
            let c = code?;
            let m = msg.unwrap_or("").to_lowercase();
            // Cognito says `NotAuthorizedException` for a disabled user and for too many
            // attempts as well as for a wrong password.
            if c == "NotAuthorizedException"
                && (m.contains("disabled") || m.contains("attempts exceeded"))
            {
                return Some(Meaning {
                    title: if m.contains("disabled") {
                        "user disabled".to_string()
                    } else {
                        "password attempts exceeded".to_string()
                    },
                    category: Category::AccountState,
                    fix: None,
                    docs: None,
                });
            }
            kb("cognito", c, msg)
        }
        Dialect::Keycloak => keycloak(msg?),
        Dialect::Generic => None,
    }
}

fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Entra => "its sign-in page's configuration",
        Dialect::Auth0 => "its login answer",
        Dialect::Okta => "its authentication API",
        Dialect::Keycloak => "its login page",
        Dialect::Cognito => "its `InitiateAuth` answer",
        Dialect::Generic => "its answer",
    }
}

impl Rule for Prov006 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind == Kind::SignIn) {
            // A refused attempt that a later one at the same page made good is not the failure.
            if !cx.weighs(e.index) {
                continue;
            }
            let Some(r) = sign_in::refusal(e) else {
                continue;
            };
            let provider = e.provider.or(r.dialect.provider());
            let who = provider.map_or("the identity provider".to_string(), |p| {
                display_name(p).to_string()
            });
            let status = e.status().unwrap_or(0);
            let known = meaning(&r);
            let code_part = match (&r.code, r.dialect) {
                (Some(c), Dialect::Entra) => Some(format!("`AADSTS{c}`")),
                (Some(c), _) => Some(format!("`{c}`")),
                (None, _) => None,
            };
            let said = match (&code_part, &known, &r.message) {
                (Some(c), Some(k), _) => {
                    format!(": {c} ({}), read from {}", k.title, dialect_name(r.dialect))
                }
                (Some(c), None, Some(m)) => {
                    format!(": {c} (\"{m}\"), read from {}", dialect_name(r.dialect))
                }
                (Some(c), None, None) => format!(": {c}, read from {}", dialect_name(r.dialect)),
                (None, Some(k), _) => format!(": {}", k.title),
                (None, None, Some(m)) => format!(": \"{m}\""),
                (None, None, None) => String::new(),
            };
            let location = e.response.as_ref().and_then(|x| x.location());
            let how = match (r.form_again, location) {
                (true, _) => format!("{status} with the sign-in form again"),
                (false, Some(l)) if r.at == "response.headers.location" => {
                    format!("{status} back to the sign-in page `{l}`")
                }
                _ => format!("{status}"),
            };
            let message = format!(
                "{who} refused the user's sign-in{said}; the sign-in POST got {how}, and no authorization response followed"
            );
            let category = known.as_ref().map_or_else(|| by_words(&r), |k| k.category);
            let strength = if known.is_some() {
                Strength::ProviderCode
            } else if r.code.is_some() || r.message.is_some() {
                Strength::Direct
            } else {
                Strength::Heuristic
            };
            // The knowledge base's fixes are written for token requests (a password grant): on
            // the provider's own page only an account's state calls for its advice.
            let fix = match (category, known.as_ref().and_then(|k| k.fix.clone())) {
                (Category::Credentials, _) => FIX_CREDENTIALS.to_string(),
                (_, Some(f)) => f,
                (Category::AccountState, None) => FIX_ACCOUNT.to_string(),
                (_, None) => FIX_CREDENTIALS.to_string(),
            };
            let mut rep = cx
                .report(e.index, message)
                .category(category)
                .strength(strength)
                .fix(fix);
            if let Some(k) = &known {
                rep = rep.title(format!("sign-in refused: {}", k.title));
                if let Some(d) = &k.docs {
                    rep = rep.reference(d.clone());
                }
            }
            if known.is_some() || r.message.is_some() {
                rep = rep.confirmed();
            }
            if e.provider.is_none() {
                if let Some(p) = provider {
                    rep = rep.provider(p);
                }
            }
            if let Some(c) = &r.code {
                let shown = if r.dialect == Dialect::Entra {
                    format!("AADSTS{c}")
                } else {
                    c.clone()
                };
                rep = rep.text(e.index, r.at, shown);
            } else if let (Some(l), "response.headers.location") = (location, r.at) {
                rep = rep.text(e.index, r.at, l.to_string());
            } else if !r.form_again {
                rep = rep.text(e.index, "response.status", status.to_string());
            }
            if let Some(m) = &r.message {
                rep = rep.text(e.index, "response.body (message)", m.clone());
            }
            if r.form_again {
                rep = rep.text(
                    e.index,
                    "response.body (login form)",
                    "a form with a password field",
                );
            }
            rep.emit();
        }
    }
}

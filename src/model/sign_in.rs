//! What an identity provider answered when the user's password or one-time code was sent to its
//! own sign-in page or API ([`Kind::SignIn`]): a refusal, read in the provider's dialect —
//! Microsoft Entra's page configuration (`$Config` with `sErrorCode`), Auth0's login APIs and
//! Universal Login page, Okta's authentication API and identity engine, Keycloak's login page,
//! Amazon Cognito's `InitiateAuth` — or, for any other provider, the login form shown again
//! instead of a redirect onward. Reads the exchange only; what the codes mean belongs to the
//! rules that explain them.

use super::{Exchange, Kind, Response};
use serde_json::Value;

/// Whose dialect a refusal was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Microsoft Entra ID: `sErrorCode` in the page configuration, an `AADSTS` number.
    Entra,
    /// Auth0: `code` (`/usernamepassword/login`), `error` (`/co/authenticate`) or the Universal
    /// Login page's `data-error-code`.
    Auth0,
    /// Okta: `errorCode` (`E0000004`), a transaction `status` (`LOCKED_OUT`) or an identity
    /// engine message key.
    Okta,
    /// Keycloak: the message its login page shows (no code).
    Keycloak,
    /// Amazon Cognito: the `__type` of an `InitiateAuth` error.
    Cognito,
    /// Any other sign-in page or API: an error code it sent, or its form shown again.
    Generic,
}

impl Dialect {
    /// The provider id (docs/json-output.md, "Provider ids"), when the dialect names one.
    pub fn provider(self) -> Option<&'static str> {
        match self {
            Dialect::Entra => Some("entra"),
            Dialect::Auth0 => Some("auth0"),
            Dialect::Okta => Some("okta"),
            Dialect::Keycloak => Some("keycloak"),
            Dialect::Cognito => Some("cognito"),
            Dialect::Generic => None,
        }
    }
}

/// A sign-in the identity provider refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub dialect: Dialect,
    /// The provider's code as it wrote it: `50126`, `invalid_user_password`, `wrong-credentials`,
    /// `E0000004`, `LOCKED_OUT`, `NotAuthorizedException`.
    pub code: Option<String>,
    /// What the page or API told the user, when it says.
    pub message: Option<String>,
    /// Where the code (or, without one, the message) was read: `response.body.$Config.sErrorCode`.
    pub at: &'static str,
    /// The answer shows the sign-in form again (a page, not a redirect onward).
    pub form_again: bool,
}

/// The refusal in a sign-in exchange's answer, if it is one. An answer that moves on (a
/// redirect, a `form_post` back to the client, the next step of a transaction) is none.
pub fn refusal(e: &Exchange) -> Option<Refusal> {
    if e.kind != Kind::SignIn {
        return None;
    }
    let r = e.response.as_ref()?;
    if r.is_redirect() {
        return redirected_back(e, r);
    }
    if r.status == 0 || r.status >= 500 {
        return None;
    }
    let path = e.request.path().to_ascii_lowercase();
    let body = r.body.as_deref().unwrap_or("");
    if let Some(j) = &r.json {
        return json_refusal(e, r, j, &path);
    }
    let page = r.is_html() || body.trim_start().starts_with('<');
    if !page {
        return (r.status >= 400).then(|| Refusal {
            dialect: Dialect::Generic,
            code: None,
            message: first_line(body),
            at: "response.status",
            form_again: false,
        });
    }
    let form_again = has_password_form(body);
    if let Some(code) = page_error_code(body) {
        return Some(Refusal {
            dialect: Dialect::Entra,
            code: Some(code),
            message: config_string(body, "sErrTxt").filter(|t| !t.is_empty()),
            at: "response.body.$Config.sErrorCode",
            form_again,
        });
    }
    // Entra states every refusal in its page configuration: a page without an error code is
    // the next step (its templates may hold a password field).
    if body.contains("$Config=") {
        return None;
    }
    if let Some(code) = attribute_after(body, "data-error-code=") {
        // Auth0's Universal Login marks the field it refuses with the prompt's error code.
        return Some(Refusal {
            dialect: Dialect::Auth0,
            code: Some(code),
            message: element_text_after(body, "data-error-code="),
            at: "response.body.data-error-code",
            form_again,
        });
    }
    let keycloak = path.contains("/login-actions/")
        || body.contains("kc-form-login")
        || body.contains("kc-feedback-text");
    if keycloak {
        let message = ["id=\"input-error", "kc-feedback-text", "alert-error"]
            .iter()
            .find_map(|m| element_text_after(body, m));
        if message.is_some() || r.status >= 400 {
            return Some(Refusal {
                dialect: Dialect::Keycloak,
                code: None,
                message,
                at: "response.body (login page)",
                form_again,
            });
        }
        return None;
    }
    if form_again || r.status >= 400 {
        return Some(Refusal {
            dialect: Dialect::Generic,
            code: None,
            message: error_text(body),
            at: if form_again {
                "response.body (login form)"
            } else {
                "response.status"
            },
            form_again,
        });
    }
    None
}

/// A redirect back to the sign-in page with an error flag (`Location: /login?error`, as Spring
/// Security and many form logins answer a wrong password).
fn redirected_back(e: &Exchange, r: &Response) -> Option<Refusal> {
    let loc = r.location()?;
    let from = e.request.parsed.as_ref()?;
    let to = from.join(loc).ok()?;
    let q = super::Params::parse(to.query().unwrap_or(""));
    let flag = ["error", "login_error", "authentication_error", "failed"]
        .iter()
        .find(|k| q.has(k))?;
    let same_page = to.host_str() == from.host_str() && to.path() == from.path();
    if !same_page && !super::looks_like_login(to.path()) {
        return None;
    }
    Some(Refusal {
        dialect: Dialect::Generic,
        code: q.non_empty(flag).map(str::to_string),
        message: None,
        at: "response.headers.location",
        form_again: false,
    })
}

fn json_refusal(e: &Exchange, r: &Response, j: &Value, path: &str) -> Option<Refusal> {
    let s = |k: &str| j.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
    let okta = path.contains("/api/v1/authn") || path.contains("/idp/idx/");
    let auth0 = path.ends_with("/usernamepassword/login")
        || path.ends_with("/co/authenticate")
        || path.starts_with("/u/")
        || (j.get("name").is_some_and(Value::is_string)
            && s("code").is_some()
            && (s("description").is_some() || j.get("statusCode").is_some()));
    let cognito = e
        .request
        .headers
        .get("x-amz-target")
        .is_some_and(|t| t.starts_with("AWSCognitoIdentityProviderService."));
    if okta {
        // The authentication API's transaction states that end the sign-in (Okta API
        // reference, "Authentication API: transaction state"); `MFA_REQUIRED` and the like are
        // the next step, not a refusal.
        if let Some(st) = s("status").filter(|st| {
            matches!(
                *st,
                "LOCKED_OUT" | "PASSWORD_EXPIRED" | "PASSWORD_RESET" | "RECOVERY"
            )
        }) {
            return Some(Refusal {
                dialect: Dialect::Okta,
                code: Some(st.to_string()),
                message: None,
                at: "response.body.status",
                form_again: false,
            });
        }
        if let Some(c) = s("errorCode") {
            return Some(Refusal {
                dialect: Dialect::Okta,
                code: Some(c.to_string()),
                message: s("errorSummary").map(str::to_string),
                at: "response.body.errorCode",
                form_again: false,
            });
        }
        // The identity engine: `messages.value[]` with an i18n key, class `ERROR`.
        if let Some((key, msg)) = idx_error(j) {
            return Some(Refusal {
                dialect: Dialect::Okta,
                code: Some(key),
                message: msg,
                at: "response.body.messages",
                form_again: false,
            });
        }
    }
    if cognito {
        if let Some(t) = s("__type") {
            return Some(Refusal {
                dialect: Dialect::Cognito,
                code: Some(t.rsplit('#').next().unwrap_or(t).to_string()),
                message: s("message").map(str::to_string),
                at: "response.body.__type",
                form_again: false,
            });
        }
    }
    if r.status < 400 {
        return None;
    }
    let (code, at) = match (s("code"), s("error")) {
        (Some(c), _) => (Some(c), "response.body.code"),
        (None, Some(c)) => (Some(c), "response.body.error"),
        (None, None) => (None, "response.status"),
    };
    let message = [
        "description",
        "error_description",
        "message",
        "errorSummary",
    ]
    .iter()
    .find_map(|k| s(k))
    .map(str::to_string);
    Some(Refusal {
        dialect: if auth0 {
            Dialect::Auth0
        } else if okta {
            Dialect::Okta
        } else {
            Dialect::Generic
        },
        code: code.map(str::to_string),
        message,
        at,
        form_again: false,
    })
}

/// The error code a sign-in page states in its inline configuration (Microsoft Entra's
/// `$Config={… "sErrorCode":"50126" …}`), if it states one.
pub fn page_error_code(body: &str) -> Option<String> {
    if !body.contains("$Config") {
        return None;
    }
    config_string(body, "sErrorCode")
        .or_else(|| config_number(body, "iErrorCode"))
        .filter(|c| !c.is_empty() && c != "0")
}

/// The first `ERROR` message of an Okta identity engine answer: its i18n key and text.
fn idx_error(j: &Value) -> Option<(String, Option<String>)> {
    let all = j.get("messages")?.get("value")?.as_array()?;
    let m = all
        .iter()
        .find(|m| m.get("class").and_then(Value::as_str) == Some("ERROR"))?;
    let key = m.get("i18n")?.get("key")?.as_str()?.to_string();
    let text = m.get("message").and_then(Value::as_str).map(str::to_string);
    Some((key, text))
}

/// The value of `"name":"…"` in a page's inline configuration (Entra writes its page state as
/// a JavaScript object, `$Config={…}`), bounded to the first occurrence.
fn config_string(body: &str, name: &str) -> Option<String> {
    let needle = format!("\"{name}\":\"");
    let start = body.find(&needle)? + needle.len();
    let rest = &body[start..];
    let end = rest.find('"')?;
    Some(rest[..end].chars().take(500).collect())
}

/// The value of `"name":123` in a page's inline configuration.
fn config_number(body: &str, name: &str) -> Option<String> {
    let needle = format!("\"{name}\":");
    let start = body.find(&needle)? + needle.len();
    let digits: String = body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then_some(digits)
}

/// The quoted value of the first attribute `attr` (written with its `=`).
fn attribute_after(body: &str, attr: &str) -> Option<String> {
    let start = body.find(attr)? + attr.len();
    let rest = &body[start..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    let end = rest.find(quote)?;
    let v = rest[..end].trim();
    (!v.is_empty() && v.len() <= 100).then(|| v.to_string())
}

/// The text of the element whose opening tag contains `marker`, tags removed, when short
/// enough to be a message.
fn element_text_after(body: &str, marker: &str) -> Option<String> {
    element_text_at(body, body.find(marker)?)
}

/// The text of the element whose opening tag contains byte `at`.
fn element_text_at(body: &str, at: usize) -> Option<String> {
    let rest = body.get(at..)?;
    let open_end = rest.find('>')? + 1;
    let rest = &rest[open_end..];
    // Up to the element's closing tag (messages hold no nested block elements).
    let end = ["</span", "</div", "</p", "</li", "</label"]
        .iter()
        .filter_map(|t| rest.find(t))
        .min()?;
    let text = super::signal::page_text(&rest[..end]);
    let text = text.trim();
    (!text.is_empty() && text.chars().count() <= 300).then(|| text.to_string())
}

/// The error a re-shown form states: the text of the first element marked as an error or
/// alert (`class="error"`, `class="alert alert-danger"`, `role="alert"`, `…-error"`).
fn error_text(body: &str) -> Option<String> {
    // ASCII lower-casing keeps byte offsets.
    let lower = body.to_ascii_lowercase();
    let mut best: Option<(usize, String)> = None;
    for marker in [
        "role=\"alert\"",
        "class=\"error",
        "class=\"alert",
        "-error\"",
        "error-message",
        "errormessage",
        "class=\"invalid-feedback",
        "id=\"error\"",
        "errormsg",
    ] {
        let mut from = 0;
        while let Some(p) = lower[from..].find(marker) {
            let at = from + p;
            from = at + marker.len();
            if best.as_ref().is_some_and(|(b, _)| *b < at) {
                break;
            }
            // Only markers inside an opening tag.
            let inside_tag = lower[..at]
                .rfind(['<', '>'])
                .is_some_and(|q| lower.as_bytes()[q] == b'<');
            if !inside_tag {
                continue;
            }
            if let Some(t) = element_text_at(body, at) {
                best = Some((at, t));
                break;
            }
        }
    }
    best.map(|(_, t)| t)
}

/// Whether a page holds a form with a password field: the sign-in form, shown again.
pub fn has_password_form(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    lower.contains("<form")
        && ["type=\"password\"", "type='password'", "type=password "]
            .iter()
            .any(|p| lower.contains(p))
}

fn first_line(body: &str) -> Option<String> {
    let l = body.lines().map(str::trim).find(|l| !l.is_empty())?;
    (l.chars().count() <= 200).then(|| l.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Headers, Provenance, Request};
    use std::sync::Arc;

    fn sign_in(url: &str, body: &str, status: u16, ctype: &str, resp: &str) -> Exchange {
        let req_type = if body.starts_with('{') {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        Exchange {
            ordinal: 0,
            index: 0,
            source: Provenance {
                file: Arc::from("t.json"),
                entry: 0,
                line: None,
            },
            started_at: None,
            duration_ms: None,
            request: Request::new(
                "POST",
                url,
                Headers::new(vec![("Content-Type".into(), req_type.into())]),
                Some(body.to_string()),
            ),
            response: Some(Response::new(
                status,
                Headers::new(vec![("Content-Type".into(), ctype.into())]),
                Some(resp.to_string()),
            )),
            kind: Kind::SignIn,
            sanitized: false,
            provider: None,
            verified: Vec::new(),
        }
    }

    #[test]
    fn entra_page_configuration() {
        let page = r#"<html><head><title>Sign in to your account</title></head><body><script type="text/javascript" nonce="n">//<![CDATA[
$Config={"fShowPersistentCookiesWarning":false,"urlPost":"https://login.microsoftonline.com/t/login","sErrorCode":"50053","sErrTxt":"","iPawnIcon":0,"arrValErrs":["50053"],"pgid":"ConvergedSignIn"};
//]]></script><form name="f1" method="post"><input type="password" name="passwd"></form></body></html>"#;
        let r = refusal(&sign_in(
            "https://login.microsoftonline.com/t/login",
            "login=a&passwd=x",
            200,
            "text/html; charset=utf-8",
            page,
        ))
        .unwrap();
        assert_eq!(r.dialect, Dialect::Entra);
        assert_eq!(r.code.as_deref(), Some("50053"));
        assert_eq!(r.message, None);
        assert!(r.form_again);
        // The same page without an error code is the next step, not a refusal.
        let fine = page.replace(r#""sErrorCode":"50053","#, "");
        let fine = fine
            .replace("<form", "<div")
            .replace("type=\"password\"", "");
        assert_eq!(
            refusal(&sign_in(
                "https://login.microsoftonline.com/t/login",
                "login=a&passwd=x",
                200,
                "text/html",
                &fine
            )),
            None
        );
    }

    #[test]
    fn auth0_okta_and_cognito_apis() {
        let r = refusal(&sign_in(
            "https://auth.acme.example/usernamepassword/login",
            r#"{"username":"a","password":"x"}"#,
            400,
            "application/json",
            r#"{"name":"ValidationError","code":"invalid_user_password","description":"Wrong email or password.","statusCode":400}"#,
        ))
        .unwrap();
        assert_eq!(r.dialect, Dialect::Auth0);
        assert_eq!(r.code.as_deref(), Some("invalid_user_password"));
        assert_eq!(r.message.as_deref(), Some("Wrong email or password."));
        let r = refusal(&sign_in(
            "https://acme.okta.com/api/v1/authn",
            r#"{"username":"a","password":"x"}"#,
            200,
            "application/json",
            r#"{"status":"LOCKED_OUT","_links":{}}"#,
        ))
        .unwrap();
        assert_eq!(
            (r.dialect, r.code.as_deref()),
            (Dialect::Okta, Some("LOCKED_OUT"))
        );
        // The next factor is not a refusal.
        assert_eq!(
            refusal(&sign_in(
                "https://acme.okta.com/api/v1/authn",
                r#"{"username":"a","password":"x"}"#,
                200,
                "application/json",
                r#"{"status":"MFA_REQUIRED","stateToken":"00abc"}"#,
            )),
            None
        );
        let r = refusal(&sign_in(
            "https://acme.okta.com/idp/idx/challenge/answer",
            r#"{"credentials":{"passcode":"x"},"stateHandle":"02"}"#,
            401,
            "application/ion+json",
            r#"{"version":"1.0.0","messages":{"type":"array","value":[{"message":"Password is incorrect","i18n":{"key":"incorrectPassword"},"class":"ERROR"}]}}"#,
        ));
        // `application/ion+json` is JSON to the model only when it says so; either way the
        // 401 is a refusal.
        assert!(r.is_some());
    }

    #[test]
    fn keycloak_and_generic_pages() {
        let kc = r#"<html><body><div id="kc-form"><form id="kc-form-login" action="https://kc.example/realms/r/login-actions/authenticate?session_code=x" method="post"><input id="username" name="username" value="carol"><input id="password" name="password" type="password" aria-invalid="true"><span id="input-error" class="pf-c-form__helper-text pf-m-error required kc-feedback-text" aria-live="polite">
                        Invalid username or password.
                </span></form></div></body></html>"#;
        let r = refusal(&sign_in(
            "https://kc.example/realms/r/login-actions/authenticate?session_code=x&execution=y&client_id=web&tab_id=z",
            "username=carol&password=x&credentialId=",
            200,
            "text/html;charset=utf-8",
            kc,
        ))
        .unwrap();
        assert_eq!(r.dialect, Dialect::Keycloak);
        assert_eq!(r.message.as_deref(), Some("Invalid username or password."));
        assert!(r.form_again);
        let page = r#"<!DOCTYPE html><html><head><title>Sign-in</title></head><body><div class="login-card"><h1>Sign-in</h1> <p class="error">Invalid login or password.</p><form action="/interaction/abc" method="post"><input type="text" name="login" value="carol"><input required type="password" name="password"></form></div></body></html>"#;
        let r = refusal(&sign_in(
            "https://idp.example/interaction/abc",
            "login=carol&password=x",
            200,
            "text/html",
            page,
        ))
        .unwrap();
        assert_eq!(r.dialect, Dialect::Generic);
        assert_eq!(r.message.as_deref(), Some("Invalid login or password."));
        assert!(r.form_again);
        // Spring Security's form login: back to the page with an error flag.
        let mut spring = sign_in(
            "http://localhost:9000/login",
            "username=carol&password=x&_csrf=t",
            302,
            "text/html",
            "",
        );
        spring.response = Some(Response::new(
            302,
            Headers::new(vec![(
                "Location".into(),
                "http://localhost:9000/login?error".into(),
            )]),
            None,
        ));
        let r = refusal(&spring).unwrap();
        assert_eq!(
            (r.dialect, r.code, r.at),
            (Dialect::Generic, None, "response.headers.location")
        );
        // Onward to the authorization endpoint is a sign-in that worked.
        spring.response = Some(Response::new(
            302,
            Headers::new(vec![(
                "Location".into(),
                "http://localhost:9000/oauth2/authorize?client_id=web&continue".into(),
            )]),
            None,
        ));
        assert_eq!(refusal(&spring), None);
        // A consent page after the password is the next step.
        assert_eq!(
            refusal(&sign_in(
                "https://idp.example/interaction/abc",
                "login=carol&password=x",
                200,
                "text/html",
                "<html><form method=post><button name=consent>Allow</button></form></html>",
            )),
            None
        );
    }
}

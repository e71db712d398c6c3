//! `REDIR010` callback-cookie-dropped: session cookie dropped on the cross-site callback.

use super::*;

declare_rule! {
    /// ## What it does
    /// Compares the cookies the client's own origin set (or received) before the authorization
    /// request with the `Cookie` header of the callback request. When the callback arrives
    /// without them — typically a cross-site `form_post` callback and a cookie with
    /// `SameSite=Lax` (the browser default) or `Strict` — the client has lost the transaction
    /// data (`state`, `nonce`, PKCE verifier) it stored in the session. Captures without any
    /// cookie header (sanitized browser exports) are not judged.
    ///
    /// ## Why it fails
    /// The callback comes from the authorization server's site. Browsers send `SameSite=Lax`
    /// cookies only on top-level GET navigations and `Strict` cookies not at all on cross-site
    /// requests, so a `form_post` callback (a cross-site POST) reaches the client without its
    /// session: "state mismatch", "nonce missing", "code_verifier not found".
    ///
    /// ## Example
    /// `GET https://app.example.com/login` → `Set-Cookie: sid=…; SameSite=Lax`; … `POST
    /// https://app.example.com/cb` (form_post, no `Cookie`) → `400 invalid state`.
    ///
    /// ## Fix
    /// Mark the transaction cookie `SameSite=None; Secure`, or use the query response mode so
    /// the callback is a top-level GET.
    ///
    /// ## References
    /// RFC 6265bis §5.4.7 (SameSite); OAuth 2.0 Form Post Response Mode §2; RFC 9700 §4.7
    pub struct Redir010 {
        code: "REDIR010",
        name: "callback-cookie-dropped",
        title: "session cookie dropped on the cross-site callback",
        category: Other,
        severity: Error,
        kind: Diag,
        fix: "mark the transaction cookie `SameSite=None; Secure`, or use the query response mode so the callback is a top-level GET",
        references: ["RFC 6265bis §5.4.7", "OAuth 2.0 Form Post Response Mode §2", "RFC 9700 §4.7"],
        absorbs: ["REDIR009", "JWT011", "PKCE002", "PKCE001"],
    }
}

/// A cookie set by a response: name and its `SameSite` attribute (lower case, if any).
fn set_cookies(e: &Exchange) -> Vec<(String, Option<String>, bool)> {
    let Some(r) = &e.response else {
        return Vec::new();
    };
    r.headers
        .get_all("set-cookie")
        .filter_map(|v| {
            let mut parts = v.split(';');
            let (name, value) = parts.next()?.split_once('=')?;
            let mut same_site = None;
            let mut deleted = value.trim().is_empty();
            for p in parts {
                let p = p.trim().to_ascii_lowercase();
                if let Some(s) = p.strip_prefix("samesite=") {
                    same_site = Some(s.trim().to_string());
                }
                if p == "max-age=0" || p.starts_with("expires=thu, 01 jan 1970") {
                    deleted = true;
                }
            }
            Some((name.trim().to_string(), same_site, deleted))
        })
        .collect()
}

fn cookie_names(e: &Exchange) -> Vec<String> {
    e.request
        .headers
        .get_all("cookie")
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.trim().to_string()))
        .filter(|k| !k.is_empty())
        .collect()
}

impl Rule for Redir010 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let any_cookie = ex.iter().any(|e| {
            e.request.headers.contains("cookie")
                || e.response
                    .as_ref()
                    .is_some_and(|r| r.headers.contains("set-cookie"))
        });
        if !any_cookie {
            return;
        }
        // The transaction must have started here: an authorization request before it.
        let cbs: Vec<(usize, Callback)> = callbacks(cx)
            .into_iter()
            .filter_map(|c| Some((c.request?, c)))
            .filter(|(_, c)| request_for(ex, c).is_some())
            .collect();
        if cbs.is_empty() {
            return;
        }
        // Cookies each origin holds before each callback (name → SameSite), in one pass.
        type Jar = Vec<(String, Option<String>, usize)>;
        let wanted: std::collections::HashSet<usize> = cbs.iter().map(|(ri, _)| *ri).collect();
        let mut jars: std::collections::HashMap<(&str, &str, Option<u16>), Jar> =
            std::collections::HashMap::new();
        let mut before: std::collections::HashMap<usize, Jar> = std::collections::HashMap::new();
        for e in ex {
            let Some(o) = e.request.origin() else {
                continue;
            };
            let held = jars.entry(o).or_default();
            if wanted.contains(&e.index) {
                before.insert(e.index, held.clone());
            }
            for n in cookie_names(e) {
                if !held.iter().any(|(h, _, _)| *h == n) {
                    held.push((n, Some("unknown".into()), e.index));
                }
            }
            for (n, ss, deleted) in set_cookies(e) {
                held.retain(|(h, _, _)| *h != n);
                if !deleted {
                    held.push((n, ss, e.index));
                }
            }
        }
        for (ri, c) in cbs {
            let cb = &ex[ri];
            let Some(origin) = origin_of(&cb.request.url) else {
                continue;
            };
            let Some(held) = before.get(&ri).filter(|h| !h.is_empty()) else {
                continue;
            };
            let sent = cookie_names(cb);
            let missing: Vec<&(String, Option<String>, usize)> =
                held.iter().filter(|(n, _, _)| !sent.contains(n)).collect();
            if missing.is_empty() {
                continue;
            }
            let cross_site_post = cb.request.method == "POST";
            // No attribute means Lax in current browsers; `unknown` = only seen in a request.
            let explained = missing.iter().any(|(_, ss, _)| match ss.as_deref() {
                None | Some("lax") => cross_site_post,
                Some("strict") => true,
                _ => false,
            });
            let refused = cb.status().is_some_and(|s| s >= 400) || says_state_error(cb);
            if !(refused || explained) {
                continue;
            }
            let explains = |ss: &Option<String>| match ss.as_deref() {
                None | Some("lax") => cross_site_post,
                Some("strict") => true,
                _ => false,
            };
            // The cookies the SameSite rules explain first; the others only as a count.
            let shown: Vec<&&(String, Option<String>, usize)> = if explained {
                missing.iter().filter(|(_, ss, _)| explains(ss)).collect()
            } else {
                missing.iter().collect()
            };
            let others = missing.len() - shown.len();
            let names: Vec<String> = shown
                .iter()
                .map(|(n, ss, _)| match ss.as_deref() {
                    Some("unknown") => format!("`{n}`"),
                    Some(s) => format!("`{n}` (SameSite={s})"),
                    None => format!("`{n}` (no SameSite attribute: Lax)"),
                })
                .collect();
            let mut listed = names.join(", ");
            if others > 0 {
                listed.push_str(&format!(" and {others} other cookie(s)"));
            }
            let why = if explained && cross_site_post {
                "the callback is a cross-site POST (form_post), on which browsers do not send `SameSite=Lax` or `Strict` cookies (Lax is the default)"
            } else if explained {
                "`SameSite=Strict` cookies are not sent on the cross-site navigation back from the authorization server"
            } else {
                "the browser did not send them back"
            };
            let (ni, set_at) = (shown[0].0.clone(), shown[0].2);
            let message = format!(
                "the callback `{} {}` arrived without the cookie(s) {} that `{origin}` had before the login: {why}{}",
                cb.request.method,
                c.endpoint,
                listed,
                if refused {
                    format!("; the callback answered {}", cb.status().unwrap_or(0))
                } else {
                    String::new()
                }
            );
            cx.report(ri, message)
                .strength(if explained {
                    Strength::Recomputed
                } else {
                    Strength::Heuristic
                })
                .text(
                    set_at,
                    if set_cookies(&ex[set_at]).iter().any(|(n, _, _)| *n == ni) {
                        "response.headers.set-cookie"
                    } else {
                        "request.headers.cookie"
                    },
                    ni.clone(),
                )
                .text(
                    ri,
                    "request.headers.cookie",
                    if sent.is_empty() {
                        "(none)".to_string()
                    } else {
                        sent.join(", ")
                    },
                )
                .emit();
        }
    }
}

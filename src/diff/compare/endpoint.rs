//! The endpoint of a pair: HTTP method, scheme, host, port, and in the path the tenant, realm,
//! authorization server, policy and version. Another host is one difference, not one per path.

use super::Cx;
use crate::diagnosis::Category;
use crate::diff::align::StepKind;
use crate::diff::{Aspect, Difference};

/// Hosts whose first path segment is the tenant (Microsoft Entra ID and its national clouds).
fn tenant_first(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    [
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.windows.net",
        "sts.windows.net",
        "login.partner.microsoftonline.cn",
    ]
    .contains(&h.as_str())
        || h.ends_with(".b2clogin.com")
        || h.ends_with(".ciamlogin.com")
}

fn is_version(s: &str) -> bool {
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// What part of the path differs: (field, GOOD's part, BAD's part).
fn path_difference(host: &str, g: &str, b: &str) -> Option<(&'static str, String, String)> {
    if g == b {
        return None;
    }
    if g.trim_end_matches('/') == b.trim_end_matches('/') {
        return Some(("path (trailing slash)", g.to_string(), b.to_string()));
    }
    if g.eq_ignore_ascii_case(b) {
        return Some(("path (letter case)", g.to_string(), b.to_string()));
    }
    let gs: Vec<&str> = g.split('/').collect();
    let bs: Vec<&str> = b.split('/').collect();
    if gs.len() == bs.len() {
        let differing: Vec<usize> = (0..gs.len()).filter(|&i| gs[i] != bs[i]).collect();
        if differing.len() == 1 {
            let i = differing[0];
            let prev = if i > 0 { gs[i - 1] } else { "" };
            let field = if tenant_first(host) && i == 1 {
                "tenant"
            } else if tenant_first(host) && i == 2 && host.contains("b2clogin") {
                "policy"
            } else if prev.eq_ignore_ascii_case("realms") {
                "realm"
            } else if prev.eq_ignore_ascii_case("oauth2") && !is_version(gs[i]) {
                "authorization server"
            } else if is_version(gs[i]) && is_version(bs[i]) {
                "version"
            } else {
                "path"
            };
            return Some((field, gs[i].to_string(), bs[i].to_string()));
        }
    }
    let version = |v: &[&str]| v.iter().find(|s| is_version(s)).map(|s| s.to_string());
    let (gv, bv) = (version(&gs), version(&bs));
    if gv != bv {
        let strip = |v: &[&str]| -> Vec<String> {
            v.iter()
                .filter(|s| !is_version(s))
                .map(|s| s.to_string())
                .collect()
        };
        if strip(&gs) == strip(&bs) {
            return Some((
                "version",
                gv.unwrap_or_else(|| "none".into()),
                bv.unwrap_or_else(|| "none".into()),
            ));
        }
    }
    Some(("path", g.to_string(), b.to_string()))
}

pub(super) fn endpoint(cx: &Cx, out: &mut Vec<Difference>) {
    let (g, b) = (&cx.g.request, &cx.b.request);
    let label = cx.label();
    let mk = |field: &str, gv: String, bv: String, what: String| {
        let mut d = Difference::new(Aspect::Endpoint, field, Category::EndpointUrl);
        if matches!(
            field,
            "host" | "port" | "tenant" | "realm" | "authorization server" | "policy"
        ) {
            // Another server or directory does not know this client, code or token.
            d.also_categories = vec![
                Category::Credentials,
                Category::GrantType,
                Category::AudienceIssuer,
            ];
        }
        d.text(gv.clone(), bv.clone())
            .message(format!("BAD sends {label} {what}"))
            .fix(format!(
                "send {label} to GOOD's endpoint `{} {}`",
                g.method,
                g.endpoint()
            ))
            .reason(Some("endpoint"))
            .keys(&[
                "url",
                "endpoint",
                "token_endpoint",
                "authorization_endpoint",
                "host",
                "path",
                "method",
                "issuer",
            ])
            .weight(10)
    };
    if g.method != b.method {
        cx.push(
            out,
            mk(
                "HTTP method",
                g.method.clone(),
                b.method.clone(),
                format!("as `{}`, GOOD as `{}`", b.method, g.method),
            ),
        );
    }
    let (Some(gu), Some(bu)) = (&g.parsed, &b.parsed) else {
        if g.endpoint() != b.endpoint() {
            cx.push(
                out,
                mk(
                    "URL",
                    g.endpoint(),
                    b.endpoint(),
                    format!("to `{}`, GOOD to `{}`", b.endpoint(), g.endpoint()),
                ),
            );
        }
        return;
    };
    if gu.scheme() != bu.scheme() {
        cx.push(
            out,
            mk(
                "scheme",
                gu.scheme().into(),
                bu.scheme().into(),
                format!("over `{}`, GOOD over `{}`", bu.scheme(), gu.scheme()),
            ),
        );
    }
    let (gh, bh) = (gu.host_str().unwrap_or(""), bu.host_str().unwrap_or(""));
    if !gh.eq_ignore_ascii_case(bh) {
        // Another server: its paths are its own, and are not reported one by one.
        let what = if gu.path() == bu.path() {
            format!("to host `{bh}`, GOOD to `{gh}`")
        } else {
            format!(
                "to host `{bh}`, GOOD to `{gh}` (`{}`, GOOD `{}`)",
                b.endpoint(),
                g.endpoint()
            )
        };
        cx.push(out, mk("host", gh.into(), bh.into(), what));
        return;
    } else if gu.port_or_known_default() != bu.port_or_known_default() {
        let p = |u: &url::Url| {
            u.port_or_known_default()
                .map(|p| p.to_string())
                .unwrap_or_default()
        };
        cx.push(
            out,
            mk(
                "port",
                p(gu),
                p(bu),
                format!("to port {}, GOOD to {}", p(bu), p(gu)),
            ),
        );
    }
    let (gp, bp) = if cx.gs.kind == StepKind::Resource {
        // Two calls of one API with other record ids are the same endpoint.
        (
            cx.gs.sub.split_once(' ').map_or("", |x| x.1).to_string(),
            cx.bs.sub.split_once(' ').map_or("", |x| x.1).to_string(),
        )
    } else {
        (gu.path().to_string(), bu.path().to_string())
    };
    let gp = gp.strip_prefix(gh).unwrap_or(&gp).to_string();
    let bp = bp.strip_prefix(bh).unwrap_or(&bp).to_string();
    if let Some((field, gv, bv)) = path_difference(gh, &gp, &bp) {
        let what = match field {
            "path (trailing slash)" => format!(
                "to path `{bp}`, GOOD to `{gp}`: {} trailing slash",
                if bp.ends_with('/') {
                    "BAD adds a"
                } else {
                    "BAD drops the"
                }
            ),
            "path" | "path (letter case)" => format!("to path `{bp}`, GOOD to `{gp}`"),
            f => format!("to {f} `{bv}`, GOOD to `{gv}` (path `{bp}`, GOOD `{gp}`)"),
        };
        cx.push(out, mk(field, gv, bv, what));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_realms_and_versions_are_named() {
        assert_eq!(
            path_difference(
                "login.microsoftonline.com",
                "/73f1ddf2-7a00-4772-bb8a-9c9973a98ef4/oauth2/v2.0/token",
                "/2b4729a2-946e-4079-a3f7-5207843713b3/oauth2/v2.0/token"
            )
            .unwrap()
            .0,
            "tenant"
        );
        assert_eq!(
            path_difference(
                "login.microsoftonline.com",
                "/common/oauth2/v2.0/token",
                "/common/oauth2/token"
            )
            .unwrap()
            .0,
            "version"
        );
        assert_eq!(
            path_difference(
                "login.example.org",
                "/realms/acme/protocol/openid-connect/token",
                "/realms/acme-staging/protocol/openid-connect/token"
            )
            .unwrap()
            .0,
            "realm"
        );
        assert_eq!(
            path_difference("idp.example", "/token", "/oauth/token")
                .unwrap()
                .0,
            "path"
        );
    }
}

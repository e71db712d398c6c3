//! Every rule, sorted by code. Adding a rule family adds one line here.

use super::Rule;

/// Rule code prefixes, one per family (docs/rules/README.md).
pub const FAMILIES: &[&str] = &[
    "BCP", "CRED", "DEV", "DISC", "DPOP", "EXP", "GRANT", "JWT", "PARAM", "PKCE", "PROV", "REDIR",
    "STAT",
];

/// All registered rules, sorted by code.
pub fn all() -> Vec<&'static dyn Rule> {
    let mut v: Vec<&'static dyn Rule> = Vec::new();
    let families: &[&[&'static dyn Rule]] = &[
        super::bcp::RULES,
        super::cred::RULES,
        super::dev::RULES,
        super::disc::RULES,
        super::dpop::RULES,
        super::exp::RULES,
        super::grant::RULES,
        super::jwt::RULES,
        super::param::RULES,
        super::pkce::RULES,
        super::prov::RULES,
        super::redir::RULES,
        super::stat::RULES,
    ];
    for family in families {
        v.extend_from_slice(family);
    }
    v.sort_by_key(|r| r.meta().code);
    v
}

/// Look a rule up by code (case-insensitive).
pub fn find(code: &str) -> Option<&'static dyn Rule> {
    all()
        .into_iter()
        .find(|r| r.meta().code.eq_ignore_ascii_case(code))
}

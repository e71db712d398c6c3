//! STAT: HTTP-level symptoms — redirects, 4xx/5xx, CORS, missing challenges — and the fallback
//! that turns any server `error` code into a ranked diagnosis.

mod stat001_back_channel_redirect;
mod stat002_success_status_with_error;
mod stat003_endpoint_not_found;
mod stat004_wrong_method_or_media_type;
mod stat005_rate_limited;
mod stat006_server_fault;
mod stat007_resource_401_without_bearer_challenge;
mod stat008_authorization_not_received;
mod stat009_resource_invalid_token;
mod stat010_insufficient_scope;
mod stat011_resource_403_application;
mod stat012_browser_blocked_call;
mod stat013_authorize_error_page;
mod stat014_authorization_error_response;
mod stat015_request_too_large;
mod stat016_server_error_code;
mod stat017_transport_failure;
mod stat018_back_end_relays_provider_error;

pub use stat001_back_channel_redirect::Stat001;
pub use stat002_success_status_with_error::Stat002;
pub use stat003_endpoint_not_found::Stat003;
pub use stat004_wrong_method_or_media_type::Stat004;
pub use stat005_rate_limited::Stat005;
pub use stat006_server_fault::Stat006;
pub use stat007_resource_401_without_bearer_challenge::Stat007;
pub use stat008_authorization_not_received::Stat008;
pub use stat009_resource_invalid_token::Stat009;
pub use stat010_insufficient_scope::Stat010;
pub use stat011_resource_403_application::Stat011;
pub use stat012_browser_blocked_call::Stat012;
pub use stat013_authorize_error_page::Stat013;
pub use stat014_authorization_error_response::Stat014;
pub use stat015_request_too_large::Stat015;
pub use stat016_server_error_code::Stat016;
pub use stat017_transport_failure::Stat017;
pub use stat018_back_end_relays_provider_error::Stat018;

use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::signal::page_text;
use crate::model::{Exchange, Kind};
use crate::oauth::errors;
use crate::oauth::www_auth;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Stat001, &Stat002, &Stat003, &Stat004, &Stat005, &Stat006, &Stat007, &Stat008, &Stat009,
    &Stat010, &Stat011, &Stat012, &Stat013, &Stat014, &Stat015, &Stat016, &Stat017, &Stat018,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 1;

fn responses(ex: &[Exchange]) -> impl Iterator<Item = (&Exchange, &crate::model::Response)> {
    ex.iter()
        .filter_map(|e| e.response.as_ref().map(|r| (e, r)))
}

fn status_text(e: &Exchange) -> String {
    e.status().map(|s| s.to_string()).unwrap_or_default()
}

fn challenges(r: &crate::model::Response) -> Vec<www_auth::Challenge> {
    r.headers
        .get_all("www-authenticate")
        .map(www_auth::parse)
        .collect()
}

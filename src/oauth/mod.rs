//! Protocol knowledge with no I/O: error codes, client authentication encodings, JWT decoding,
//! PKCE, `WWW-Authenticate` parsing. Pure functions over strings and the model.

pub mod basic;
pub mod errors;
pub mod jwks;
pub mod jwt;
pub mod pkce;
pub mod www_auth;

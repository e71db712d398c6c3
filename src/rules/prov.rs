//! PROV: provider-specific knowledge — the identity provider's own error codes and quirks, read
//! through the knowledge base in `src/providers/`.

use super::Rule;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[];

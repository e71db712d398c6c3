//! DISC: see RULES.md. Each rule is a unit struct declared with `declare_rule!`; its doc comment is
//! its documentation.

use super::Rule;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[];

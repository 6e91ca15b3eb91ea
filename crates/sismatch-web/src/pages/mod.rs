//! The pages: each a function from what it shows to an HTML string, with no IO, so that every
//! page can be rendered and inspected in a unit test. Handlers decide which page to show.

pub mod check;
pub mod login;
pub mod search;
pub mod status;

use crate::html::esc;
use crate::i18n::{Lang, t};

/// The `<select>` of identifier kinds, `chosen` selected ("" = any kind).
pub fn kind_select(lang: Lang, chosen: &str) -> String {
    let mut options = format!(r#"<option value="">{}</option>"#, t(lang, "kind.any"));
    for kind in sismatch_ident::IdentifierKind::NAMES {
        let selected = if kind == chosen { " selected" } else { "" };
        options.push_str(&format!(
            r#"<option value="{kind}"{selected}>{}</option>"#,
            esc(&kind_label(kind))
        ));
    }
    format!(
        r#"<label for="kind">{}</label><select id="kind" name="kind">{options}</select>"#,
        t(lang, "field.kind")
    )
}

/// How a kind reads in a list: acronyms as they are (`HIN`, `MMSI`), words in lower case
/// (`engine serial`).
fn kind_label(kind: &str) -> String {
    if kind.len() <= 4 {
        kind.to_string()
    } else {
        kind.replace('_', " ").to_lowercase()
    }
}

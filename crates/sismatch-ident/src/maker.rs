//! The maker of a firearm as part of its identity: firearm serials are unique only per maker
//! (DESIGN §2, the key is (maker, serial)), so the store's duplicate check and the core's groups
//! both compare makers, and must agree on when two spellings name one maker.

/// A maker's name compared without case, spaces or punctuation: `Smith & Wesson`,
/// `Smith&Wesson` and `SMITH-WESSON` are all `SMITHWESSON`. `None` when nothing is left: a name
/// of punctuation only names no maker.
pub fn maker_key(name: &str) -> Option<String> {
    let key: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    (!key.is_empty()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::maker_key;

    #[test]
    fn one_maker_however_spelt() {
        assert_eq!(maker_key("Smith & Wesson"), maker_key("Smith&Wesson"));
        assert_eq!(maker_key("Smith & Wesson").as_deref(), Some("SMITHWESSON"));
        assert_eq!(maker_key(" glock "), maker_key("GLOCK"));
        assert_eq!(maker_key("Heckler & Koch"), maker_key("heckler-koch"));
        assert_ne!(maker_key("Glock"), maker_key("Beretta"));
        assert_eq!(maker_key(" - "), None);
        assert_eq!(maker_key(""), None);
    }
}

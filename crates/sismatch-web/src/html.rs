//! Building HTML by hand, with one rule: every piece of text that did not come from this
//! file goes through [`esc`]. No templates, no inline script or style (the Content-Security-
//! Policy forbids both), one stylesheet; pages work without JavaScript.

use std::fmt::Write;

use crate::accounts::Account;
use crate::i18n::{Lang, t};

/// `text` escaped for HTML text and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// What every page needs besides its body.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    /// The page's language.
    pub lang: Lang,
    /// The signed-in person, if any.
    pub person: Option<&'a Account>,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: &'a str,
    /// The path of the page (for the language switch to come back to).
    pub path: &'a str,
}

/// The hidden CSRF field of a form.
pub fn csrf_field(csrf: &str) -> String {
    format!(r#"<input type="hidden" name="csrf" value="{}">"#, esc(csrf))
}

/// A message box: `kind` is `error`, `ok` or `info`; errors are announced to screen readers.
pub fn message(kind: &str, text: &str) -> String {
    let role = if kind == "error" { "alert" } else { "status" };
    format!(
        r#"<p class="message {kind}" role="{role}">{}</p>"#,
        esc(text)
    )
}

/// A whole page around `body`.
pub fn page(frame: &Frame<'_>, title: &str, body: &str) -> String {
    let lang = frame.lang;
    let mut nav = String::new();
    if let Some(person) = frame.person {
        let links = [
            (person.may_check(), "/check", "nav.check"),
            (person.may_search(), "/search", "nav.search"),
            (person.may_see_status(), "/status", "nav.status"),
        ];
        for (shown, href, key) in links {
            if shown {
                let current = if frame.path.starts_with(href) {
                    r#" aria-current="page""#
                } else {
                    ""
                };
                let _ = write!(nav, r#"<a href="{href}"{current}>{}</a>"#, t(lang, key));
            }
        }
        let _ = write!(
            nav,
            r#"<span class="who">{} ({}{})</span><form method="post" action="/logout" class="inline">{}<button type="submit">{}</button></form>"#,
            esc(&person.name),
            person.role,
            person
                .country
                .as_deref()
                .map(|c| format!(" {c}"))
                .unwrap_or_default(),
            csrf_field(frame.csrf),
            t(lang, "nav.signout"),
        );
    }
    let mut langs = String::new();
    for other in Lang::ALL {
        let current = if other == lang {
            r#" aria-current="true""#
        } else {
            ""
        };
        let _ = write!(
            langs,
            r#"<a href="/lang?set={code}&amp;back={back}" lang="{code}" hreflang="{code}"{current}>{label}</a>"#,
            code = other.code(),
            back = esc(&percent(frame.path)),
            label = other.code().to_ascii_uppercase(),
        );
    }
    format!(
        r##"<!doctype html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} · sismatch</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<a class="skip" href="#main">{skip}</a>
<header>
<a class="brand" href="/">sismatch</a>
<nav aria-label="{menu}">{nav}</nav>
<nav class="langs" aria-label="{language}">{langs}</nav>
</header>
<main id="main">
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"##,
        code = lang.code(),
        title = esc(title),
        skip = t(lang, "nav.skip"),
        menu = t(lang, "nav.menu"),
        language = t(lang, "nav.language"),
    )
}

/// `path` percent-encoded for a query parameter.
fn percent(path: &str) -> String {
    form_urlencoded::byte_serialize(path.as_bytes()).collect()
}

/// The one stylesheet: readable on a phone in sunlight (high contrast, large targets), and a
/// print layout for the check certificate.
pub const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fff}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:#0b2e59;color:#fff}
header a,header button{color:#fff}
.brand{font-weight:700;font-size:1.2rem;text-decoration:none;margin-right:auto}
nav{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
nav a[aria-current]{font-weight:700;text-decoration:underline 3px}
.who{opacity:.9}
.langs a{padding:.2rem .3rem}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
label{display:block;font-weight:600;margin:.8rem 0 .2rem}
input[type=text],input[type=password],textarea,select{width:100%;max-width:36rem;font:inherit;padding:.55rem;border:2px solid #555;border-radius:4px;background:#fff;color:#111}
textarea{min-height:6rem}
button{font:inherit;padding:.6rem 1.2rem;margin-top:1rem;border:0;border-radius:4px;background:#0b2e59;color:#fff;cursor:pointer;min-height:44px}
header button{background:transparent;border:1px solid #fff;margin:0;padding:.2rem .6rem;min-height:auto}
:focus-visible{outline:3px solid #f5a300;outline-offset:2px}
.inline{display:inline}
.hint{color:#444;font-size:.9rem;margin:.2rem 0}
.message{padding:.7rem 1rem;border-radius:4px;border-left:6px solid}
.message.error{background:#fde8e8;border-color:#b00020}
.message.ok{background:#e6f4ea;border-color:#1e7b34}
.message.info{background:#eef3fb;border-color:#0b2e59}
.answer{padding:1rem;border-radius:6px;margin:1rem 0;border:3px solid}
.answer h2{margin:0 0 .4rem;font-size:1.8rem}
.answer.hit{background:#fde8e8;border-color:#b00020}
.answer.nohit{background:#e6f4ea;border-color:#1e7b34}
.answer.incomplete{background:#fff4e0;border-color:#a65f00}
.match{border:1px solid #999;border-radius:6px;padding:.7rem 1rem;margin:1rem 0}
.match h3{margin:0;font-size:1.15rem}
.score{font-variant-numeric:tabular-nums;font-weight:700}
.explanation{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95rem}
.restricted{background:#fff4e0;border:2px dashed #a65f00;padding:.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #bbb;vertical-align:top}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere;min-width:0}
button[type=submit]{display:block}
header button[type=submit]{display:inline-block}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.5rem;z-index:1}
.certificate{border:3px double #111;padding:1.5rem;max-width:40rem}
@media print{header,.noprint{display:none}body{font-size:12pt}main{max-width:none}}
@media (max-width:40rem){body{font-size:16px}main{padding:.6rem}.brand{width:100%}dl{grid-template-columns:1fr}dt{margin-top:.4rem}table{display:block;overflow-x:auto}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_inert() {
        assert_eq!(
            esc(r#"<script>alert("x")</script>&'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        );
    }
}

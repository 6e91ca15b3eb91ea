//! The dealer check page and its printable certificate. Everything shown comes from a
//! [`CheckView`], which holds nothing about any alert.

use crate::check::{CheckForm, CheckView, Outcome};
use crate::html::{Frame, csrf_field, esc, message, page};
use crate::i18n::{Lang, t};
use crate::pages::kind_select;

/// The check form, the last answer below it (if any), `error` above it (if any).
pub fn render(
    frame: &Frame<'_>,
    form: &CheckForm,
    error: Option<&str>,
    answer: Option<&CheckView>,
    police_phone: &str,
) -> String {
    let lang = frame.lang;
    let error = error.map(|e| message("error", e)).unwrap_or_default();
    let answer = answer
        .map(|a| answer_block(lang, a, police_phone))
        .unwrap_or_default();
    let body = format!(
        r#"{error}{answer}<form method="post" action="/check" class="noprint">
{csrf}
<label for="values">{values_label}</label>
<p class="hint" id="values-hint">{values_hint}</p>
<textarea id="values" name="values" aria-describedby="values-hint" autocapitalize="characters" spellcheck="false" required>{values}</textarea>
{kinds}
<button type="submit">{submit}</button>
</form>"#,
        csrf = csrf_field(frame.csrf),
        values_label = t(lang, "field.values"),
        values_hint = t(lang, "hint.values"),
        values = esc(&form.values),
        kinds = kind_select(lang, &form.kind),
        submit = t(lang, "action.check"),
    );
    page(frame, t(lang, "title.check"), &body)
}

/// What a check established: reference, numbers, countries, time, then `more` rows.
fn facts(lang: Lang, view: &CheckView, more: &str) -> String {
    format!(
        r#"<dl>
<dt>{}</dt><dd id="reference">{}</dd>
<dt>{}</dt><dd>{}</dd>
<dt>{}</dt><dd id="countries">{}</dd>
<dt>{}</dt><dd>{}</dd>
{more}</dl>"#,
        t(lang, "answer.reference"),
        esc(&view.reference),
        t(lang, "field.values"),
        esc(&view.values.join(", ")),
        t(lang, "answer.checked"),
        esc(&view.countries.join(", ")),
        t(lang, "answer.time"),
        esc(&view.checked_at),
    )
}

fn answer_block(lang: Lang, view: &CheckView, police_phone: &str) -> String {
    let (class, title, text) = match view.outcome {
        Outcome::Hit => ("hit", t(lang, "answer.hit"), t(lang, "answer.hit_text")),
        Outcome::NoHit => (
            "nohit",
            t(lang, "answer.nohit"),
            t(lang, "answer.nohit_text"),
        ),
        Outcome::Incomplete => (
            "incomplete",
            t(lang, "answer.incomplete"),
            t(lang, "answer.incomplete_text"),
        ),
    };
    let phone = if view.outcome == Outcome::Hit && !police_phone.is_empty() {
        format!(
            r#"<p>{}: <a href="tel:{tel}">{shown}</a></p>"#,
            t(lang, "answer.call"),
            tel = esc(&police_phone.replace(' ', "")),
            shown = esc(police_phone)
        )
    } else {
        String::new()
    };
    let certificate = if view.outcome == Outcome::NoHit {
        format!(
            r#"<p class="noprint"><a href="/check/certificate">{}</a></p>"#,
            t(lang, "action.certificate")
        )
    } else {
        String::new()
    };
    format!(
        r#"<section class="answer {class}" role="status" aria-live="polite">
<h2 id="outcome">{title}</h2>
<p>{text}</p>
{facts}
{phone}{certificate}
</section>"#,
        facts = facts(lang, view, ""),
    )
}

/// The printable certificate of a NO HIT check: what dealers keep to show they checked.
pub fn certificate(frame: &Frame<'_>, view: &CheckView) -> String {
    let lang = frame.lang;
    let body = format!(
        r#"<section class="certificate">
<p>{statement}</p>
{facts}
<p class="hint">{caveat}</p>
</section>
<p class="noprint">{print}</p>"#,
        statement = t(lang, "certificate.statement"),
        facts = facts(
            lang,
            view,
            &format!(
                "<dt>{}</dt><dd>{}</dd>",
                t(lang, "certificate.by"),
                esc(&view.checked_by)
            )
        ),
        caveat = t(lang, "answer.nohit_text"),
        print = t(lang, "certificate.print"),
    );
    page(frame, t(lang, "title.certificate"), &body)
}

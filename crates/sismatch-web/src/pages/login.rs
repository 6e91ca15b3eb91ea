//! The sign-in page.

use crate::html::{Frame, esc, message, page};
use crate::i18n::t;

/// The sign-in form, with `error` above it when the last attempt failed.
pub fn render(frame: &Frame<'_>, login_csrf: &str, name: &str, error: Option<&str>) -> String {
    let lang = frame.lang;
    let error = error.map(|e| message("error", e)).unwrap_or_default();
    let body = format!(
        r#"{error}<form method="post" action="/login">
<input type="hidden" name="csrf" value="{csrf}">
<label for="name">{name_label}</label>
<input type="text" id="name" name="name" value="{name}" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="password">{password_label}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">{submit}</button>
</form>
<p class="hint">{hint}</p>"#,
        csrf = esc(login_csrf),
        name_label = t(lang, "field.name"),
        name = esc(name),
        password_label = t(lang, "field.password"),
        submit = t(lang, "action.signin"),
        hint = t(lang, "hint.signin"),
    );
    page(frame, t(lang, "title.signin"), &body)
}

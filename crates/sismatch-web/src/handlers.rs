//! The HTTP handlers: each reads the request, checks who is signed in and the form's CSRF
//! token, delegates to a plain function (`check`, `search`, `status`) and renders a page or
//! redirects (POST/redirect/GET). Bad input gives the form back with the message; nothing
//! here answers 500.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{Response, StatusCode, header};
use sismatch_proto::v1;

use crate::accounts::Account;
use crate::app::App;
use crate::core_api::explain;
use crate::i18n::{Lang, t};
use crate::input::Form;
use crate::pages;
use crate::pages::search::SearchForm;
use crate::random;
use crate::respond::{Ctx, clear_session_cookie, html, local_path, redirect};
use crate::session::{LANG_COOKIE, LOGIN_COOKIE, LastSearch, SESSION_COOKIE, Session, set_cookie};
use crate::{check, search, status};

type Page = Response<Body>;
type AppState = State<Arc<App>>;

/// `/`: the signed-in person's page, or the sign-in page.
pub async fn home(ctx: Ctx) -> Page {
    match &ctx.session {
        Some((_, session)) => redirect(session.person.home(), &[]),
        None => redirect("/login", &[]),
    }
}

fn login_page(app: &App, ctx: &Ctx, status: StatusCode, name: &str, error: Option<&str>) -> Page {
    let Some(token) = random::token() else {
        return html(
            StatusCode::SERVICE_UNAVAILABLE,
            "no randomness".to_string(),
            &[],
        );
    };
    let cookie = set_cookie(
        LOGIN_COOKIE,
        &token,
        Some(std::time::Duration::from_secs(3600)),
        app.settings.secure_cookies,
    );
    let body = pages::login::render(&ctx.frame("/login"), &token, name, error);
    html(status, body, &[cookie])
}

/// `GET /login`.
pub async fn login_form(State(app): AppState, ctx: Ctx) -> Page {
    if let Some((_, session)) = &ctx.session {
        return redirect(session.person.home(), &[]);
    }
    login_page(&app, &ctx, StatusCode::OK, "", None)
}

/// `POST /login`: throttled per name and per address; the password is verified off the
/// async workers (Argon2 is slow on purpose).
pub async fn login(State(app): AppState, ctx: Ctx, body: Bytes) -> Page {
    let lang = ctx.lang;
    let form = Form::parse(&body);
    let name = form.get("name").trim().to_string();
    let password = form.get("password").to_string();
    let login_token = ctx.login_token.as_deref().unwrap_or("");
    if login_token.is_empty() || !random::same_secret(login_token, form.get("csrf")) {
        return login_page(
            &app,
            &ctx,
            StatusCode::FORBIDDEN,
            &name,
            Some(t(lang, "msg.csrf")),
        );
    }
    let now = Instant::now();
    let name_key = format!("name:{}", name.to_lowercase());
    if app.failures_by_name.blocked(&name_key, now).is_some()
        || app.failures_by_address.blocked(&ctx.address, now).is_some()
    {
        return login_page(
            &app,
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            &name,
            Some(t(lang, "msg.throttled")),
        );
    }
    // At most a few Argon2 verifications at once (each takes ~19 MiB and tens of ms): a flood
    // of sign-ins from many addresses waits here instead of exhausting memory.
    let Ok(_permit) = app.verifications.acquire().await else {
        return login_page(&app, &ctx, StatusCode::SERVICE_UNAVAILABLE, &name, None);
    };
    let verifier = Arc::clone(&app);
    let checked_name = name.clone();
    let account =
        tokio::task::spawn_blocking(move || verifier.accounts.verify(&checked_name, &password))
            .await
            .ok()
            .flatten();
    let Some(account) = account else {
        app.failures_by_name.record(&name_key, now);
        app.failures_by_address.record(&ctx.address, now);
        tracing::info!(user = %name, address = %ctx.address, "failed sign-in");
        return login_page(
            &app,
            &ctx,
            StatusCode::UNAUTHORIZED,
            &name,
            Some(t(lang, "msg.bad_signin")),
        );
    };
    app.failures_by_name.clear(&name_key);
    let home = account.home();
    tracing::info!(user = %account.name, role = %account.role, "signed in");
    let Some(id) = app.sessions.create(account, now) else {
        return login_page(&app, &ctx, StatusCode::SERVICE_UNAVAILABLE, &name, None);
    };
    let secure = app.settings.secure_cookies;
    let session = set_cookie(SESSION_COOKIE, &id, Some(app.sessions.lifetime()), secure);
    let clear_login = set_cookie(LOGIN_COOKIE, "", None, secure);
    redirect(home, &[session, clear_login])
}

/// `POST /logout`.
pub async fn logout(State(app): AppState, ctx: Ctx, body: Bytes) -> Page {
    let form = Form::parse(&body);
    if let Some((id, _)) = &ctx.session
        && ctx.csrf_ok(form.get("csrf"))
    {
        app.sessions.remove(id);
    }
    redirect("/login", &[clear_session_cookie(&app)])
}

/// The page for a signed-in person not allowed here, or the sign-in redirect.
fn refuse(ctx: &Ctx, path: &str) -> Page {
    if ctx.session.is_none() {
        return redirect("/login", &[]);
    }
    let body = crate::html::page(
        &ctx.frame(path),
        t(ctx.lang, "msg.not_allowed"),
        &crate::html::message("error", t(ctx.lang, "msg.not_allowed")),
    );
    html(StatusCode::FORBIDDEN, body, &[])
}

/// `GET /check`: the form and the last answer.
pub async fn check_form(State(app): AppState, ctx: Ctx) -> Page {
    let Some((_, session)) = ctx.allowed(Account::may_check) else {
        return refuse(&ctx, "/check");
    };
    let form = check::CheckForm::default();
    let body = pages::check::render(
        &ctx.frame("/check"),
        &form,
        None,
        session.last_check.as_ref(),
        &app.settings.police_phone,
    );
    html(StatusCode::OK, body, &[])
}

/// `POST /check`: validates, asks the core, keeps the answer in the session, redirects.
pub async fn check(State(app): AppState, ctx: Ctx, body: Bytes) -> Page {
    let Some((id, session)) = ctx.allowed(Account::may_check) else {
        return refuse(&ctx, "/check");
    };
    let lang = ctx.lang;
    let form = Form::parse(&body);
    let typed = check::CheckForm::from(&form);
    let again = |status: StatusCode, error: &str| {
        let body = pages::check::render(
            &ctx.frame("/check"),
            &typed,
            Some(error),
            None,
            &app.settings.police_phone,
        );
        html(status, body, &[])
    };
    if !ctx.csrf_ok(form.get("csrf")) {
        return again(StatusCode::FORBIDDEN, t(lang, "msg.csrf"));
    }
    let (request, values) = match check::request(&form, lang) {
        Ok(parsed) => parsed,
        Err(error) => return again(StatusCode::BAD_REQUEST, &error),
    };
    if app
        .checks_by_address
        .admit(&ctx.address, Instant::now())
        .is_err()
    {
        return again(StatusCode::TOO_MANY_REQUESTS, t(lang, "msg.page_limit"));
    }
    match check::check(&app.core, &session.person, request, values).await {
        Ok(view) => {
            app.sessions.update(id, |s| s.last_check = Some(view));
            redirect("/check", &[])
        }
        Err(error) => again(status_of(&error), &explain(lang, &error)),
    }
}

/// The HTTP status of a page showing `error`.
fn status_of(error: &crate::WebError) -> StatusCode {
    match error {
        crate::WebError::Core {
            code: tonic::Code::ResourceExhausted,
            ..
        } => StatusCode::TOO_MANY_REQUESTS,
        crate::WebError::Core {
            code: tonic::Code::PermissionDenied | tonic::Code::Unauthenticated,
            ..
        } => StatusCode::FORBIDDEN,
        error if error.is_callers() => StatusCode::BAD_REQUEST,
        _ => StatusCode::BAD_GATEWAY,
    }
}

/// `GET /check/certificate`: the printable certificate of the last NO HIT check.
pub async fn certificate(State(app): AppState, ctx: Ctx) -> Page {
    let Some((_, session)) = ctx.allowed(Account::may_check) else {
        return refuse(&ctx, "/check/certificate");
    };
    match session
        .last_check
        .as_ref()
        .filter(|v| v.outcome == check::Outcome::NoHit)
    {
        Some(view) => html(
            StatusCode::OK,
            pages::check::certificate(&ctx.frame("/check/certificate"), view),
            &[],
        ),
        None => {
            let body = pages::check::render(
                &ctx.frame("/check"),
                &check::CheckForm::default(),
                Some(t(ctx.lang, "msg.no_check")),
                None,
                &app.settings.police_phone,
            );
            html(StatusCode::NOT_FOUND, body, &[])
        }
    }
}

/// `GET /search`: the form, a one-time message and the last answer.
pub async fn search_form(State(app): AppState, ctx: Ctx) -> Page {
    let Some((id, session)) = ctx.allowed(Account::may_search) else {
        return refuse(&ctx, "/search");
    };
    let flash = app.sessions.take_flash(id);
    let (typed, answer) = match &session.last_search {
        Some(last) => (last.form.clone(), Some(&last.answer)),
        None => (SearchForm::default(), None),
    };
    let flash = flash.as_ref().map(|(kind, text)| (*kind, text.as_str()));
    let body = pages::search::render(&ctx.frame("/search"), &typed, None, flash, answer);
    html(StatusCode::OK, body, &[])
}

/// `POST /search`: validates, asks the core, keeps the answer in the session, redirects.
pub async fn search(State(app): AppState, ctx: Ctx, body: Bytes) -> Page {
    let Some((id, session)) = ctx.allowed(Account::may_search) else {
        return refuse(&ctx, "/search");
    };
    let lang = ctx.lang;
    let form = Form::parse(&body);
    let typed = SearchForm::from(&form);
    let again = |status: StatusCode, error: &str| {
        let body = pages::search::render(&ctx.frame("/search"), &typed, Some(error), None, None);
        html(status, body, &[])
    };
    if !ctx.csrf_ok(form.get("csrf")) {
        return again(StatusCode::FORBIDDEN, t(lang, "msg.csrf"));
    }
    let request = match search::request(&form, lang) {
        Ok(request) => request,
        Err(error) => return again(StatusCode::BAD_REQUEST, &error),
    };
    match app.core.search(&session.person, request.clone()).await {
        Ok(answer) => {
            let last = LastSearch {
                form: typed.clone(),
                request,
                answer,
            };
            app.sessions.update(id, |s| s.last_search = Some(last));
            redirect("/search", &[])
        }
        Err(error) => again(status_of(&error), &explain(lang, &error)),
    }
}

/// `POST /search/report`: sends the hit report and says how it went on the search page.
pub async fn report_hit(State(app): AppState, ctx: Ctx, body: Bytes) -> Page {
    let Some((id, session)) = ctx.allowed(Account::may_search) else {
        return refuse(&ctx, "/search");
    };
    let lang = ctx.lang;
    let form = Form::parse(&body);
    let flash = if !ctx.csrf_ok(form.get("csrf")) {
        ("error", t(lang, "msg.csrf").to_string())
    } else {
        match search::hit_report(&form, &session.person, lang) {
            Err(error) => ("error", explain(lang, &error)),
            Ok(report) => match app.core.report_hit(&session.person, report).await {
                Ok(answer) => {
                    search_again(&app, id, session).await;
                    let hit = answer.hit.unwrap_or_default();
                    let mut message = format!(
                        "{} ({} {})",
                        t(lang, "msg.hit_reported"),
                        answer.node,
                        hit.id
                    );
                    if hit.state == i32::from(v1::HitState::Pending) {
                        message = format!("{message} {}", t(lang, "msg.hit_pending"));
                    }
                    ("ok", message)
                }
                Err(error) => ("error", explain(lang, &error)),
            },
        }
    };
    app.sessions.update(id, |s| s.flash = Some(flash));
    redirect("/search", &[])
}

/// Asks the last search again (after a hit report, so that the alert shows HIT_CONFIRMED);
/// the previous answer stays if the core does not answer.
async fn search_again(app: &App, id: &str, session: &Session) {
    let Some(last) = &session.last_search else {
        return;
    };
    if let Ok(answer) = app.core.search(&session.person, last.request.clone()).await {
        app.sessions.update(id, |s| {
            if let Some(last) = s.last_search.as_mut() {
                last.answer = answer;
            }
        });
    }
}

/// `GET /status`: the operator's view of the federation.
pub async fn status(State(app): AppState, ctx: Ctx) -> Page {
    let Some((_, session)) = ctx.allowed(Account::may_see_status) else {
        return refuse(&ctx, "/status");
    };
    let view = status::gather(
        &app.core,
        &app.status_nodes,
        app.authorization.as_ref(),
        &session.person,
        ctx.lang,
    )
    .await;
    html(
        StatusCode::OK,
        pages::status::render(&ctx.frame("/status"), &view),
        &[],
    )
}

/// `GET /lang?set=nl&back=/check`: the language switch.
pub async fn language(State(app): AppState, RawQuery(query): RawQuery) -> Page {
    let form = Form::parse(query.unwrap_or_default().as_bytes());
    let back = local_path(form.get("back")).to_string();
    match Lang::from_code(form.get("set")) {
        Some(lang) => {
            let cookie = set_cookie(
                LANG_COOKIE,
                lang.code(),
                Some(std::time::Duration::from_secs(365 * 24 * 3600)),
                app.settings.secure_cookies,
            );
            redirect(&back, &[cookie])
        }
        None => redirect(&back, &[]),
    }
}

/// `GET /style.css`.
pub async fn style() -> Page {
    let mut response = html(StatusCode::OK, crate::html::STYLE.to_string(), &[]);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/css; charset=utf-8"),
    );
    response
}

/// `GET /healthz`: the web server is up (it does not ask the core: `/status` does).
pub async fn health() -> Page {
    let mut response = html(StatusCode::OK, "ok\n".to_string(), &[]);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Any other path.
pub async fn not_found(ctx: Ctx) -> Page {
    let text = t(ctx.lang, "msg.not_found");
    let body = crate::html::page(&ctx.frame("/"), text, "");
    html(StatusCode::NOT_FOUND, body, &[])
}

//! The police search page: the form, who already reported a searched number (one alert per
//! object), the ranked matches with their explanations, the cross-border groups, each node's
//! status, and a hit-report form under every match. The
//! alerts are shown as the core returned them for this officer.

use std::fmt::Write;

use sismatch_proto::v1;

use crate::html::{Frame, csrf_field, esc, message, page};
use crate::i18n::{Lang, t, tf};
use crate::input::Form;
use crate::pages::kind_select;
use crate::search::PURPOSES;

/// The search form's fields as typed, to fill the form again.
#[derive(Debug, Clone, Default)]
pub struct SearchForm {
    /// The numbers, one per line.
    pub values: String,
    /// The kind chosen, or empty.
    pub kind: String,
    /// Countries typed (`NL, BE`).
    pub countries: String,
    /// The maker of the values, when known.
    pub manufacturer: String,
    /// Free text.
    pub text: String,
    /// Whether partner expansion was asked.
    pub expand: bool,
    /// The purpose chosen.
    pub purpose: String,
    /// The case reference.
    pub case_reference: String,
}

impl SearchForm {
    /// The form as submitted.
    pub fn from(form: &Form) -> SearchForm {
        SearchForm {
            values: form.get("values").to_string(),
            kind: form.get("kind").to_string(),
            countries: form.get("countries").to_string(),
            manufacturer: form.get("manufacturer").to_string(),
            text: form.get("text").to_string(),
            expand: form.get("expand") == "on",
            purpose: form.get("purpose").to_string(),
            case_reference: form.get("case_reference").to_string(),
        }
    }
}

/// The name of protobuf enum value `value` without its prefix (`BOAT` for
/// `OBJECT_CATEGORY_BOAT`), or "" for a number the enum does not know.
fn short<T: TryFrom<i32>>(value: i32, name: fn(&T) -> &'static str, prefix: &str) -> String {
    T::try_from(value).map_or_else(
        |_| String::new(),
        |known| name(&known).trim_start_matches(prefix).to_string(),
    )
}

fn category(value: i32) -> String {
    short(value, v1::ObjectCategory::as_str_name, "OBJECT_CATEGORY_")
}

fn status(value: i32) -> String {
    short(value, v1::AlertStatus::as_str_name, "ALERT_STATUS_")
}

/// The action on a hit; SEIZE when the alert names none (the nodes' default).
fn action(value: i32) -> String {
    match short(value, v1::HitAction::as_str_name, "HIT_ACTION_").as_str() {
        "" | "UNSPECIFIED" => "SEIZE".to_string(),
        action => action.to_string(),
    }
}

fn kind(value: i32) -> String {
    short(value, v1::IdentifierKind::as_str_name, "IDENTIFIER_KIND_")
}

fn outcome(value: i32) -> String {
    short(value, v1::NodeOutcome::as_str_name, "NODE_OUTCOME_")
}

/// The search page.
pub fn render(
    frame: &Frame<'_>,
    form: &SearchForm,
    error: Option<&str>,
    flash: Option<(&str, &str)>,
    answer: Option<&v1::MatchingCoreSearchResponse>,
) -> String {
    let lang = frame.lang;
    let mut body = String::new();
    if let Some((kind, text)) = flash {
        body.push_str(&message(kind, text));
    }
    if let Some(error) = error {
        body.push_str(&message("error", error));
    }
    body.push_str(&search_form(frame, form));
    if let Some(answer) = answer {
        body.push_str(&results(frame, answer));
    }
    page(frame, t(lang, "title.search"), &body)
}

fn search_form(frame: &Frame<'_>, form: &SearchForm) -> String {
    let lang = frame.lang;
    let mut purposes = String::new();
    for (name, key) in PURPOSES {
        let selected = if form.purpose == name {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            purposes,
            r#"<option value="{name}"{selected}>{}</option>"#,
            t(lang, key)
        );
    }
    format!(
        r#"<form method="post" action="/search">
{csrf}
<label for="values">{values_label}</label>
<p class="hint" id="values-hint">{values_hint}</p>
<textarea id="values" name="values" aria-describedby="values-hint" autocapitalize="characters" spellcheck="false">{values}</textarea>
{kinds}
<label for="manufacturer">{maker_label}</label>
<input type="text" id="manufacturer" name="manufacturer" value="{manufacturer}" placeholder="Glock, Yamaha">
<label for="countries">{countries_label}</label>
<input type="text" id="countries" name="countries" value="{countries}" placeholder="NL, BE">
<label for="text">{text_label}</label>
<input type="text" id="text" name="text" value="{text}">
<fieldset>
<legend>{partners_label}</legend>
<label><input type="checkbox" name="expand" value="on"{expand}> {expand_label}</label>
<label for="purpose">{purpose_label}</label>
<select id="purpose" name="purpose"><option value="">—</option>{purposes}</select>
<label for="case_reference">{case_label}</label>
<input type="text" id="case_reference" name="case_reference" value="{case}">
</fieldset>
<button type="submit">{submit}</button>
</form>"#,
        csrf = csrf_field(frame.csrf),
        values_label = t(lang, "field.values"),
        values_hint = t(lang, "hint.search_values"),
        values = esc(&form.values),
        kinds = kind_select(lang, &form.kind),
        maker_label = t(lang, "field.maker"),
        manufacturer = esc(&form.manufacturer),
        countries_label = t(lang, "field.countries"),
        countries = esc(&form.countries),
        text_label = t(lang, "field.text"),
        text = esc(&form.text),
        partners_label = t(lang, "field.partners"),
        expand = if form.expand { " checked" } else { "" },
        expand_label = t(lang, "field.expand"),
        purpose_label = t(lang, "field.purpose"),
        case_label = t(lang, "field.case"),
        case = esc(&form.case_reference),
        submit = t(lang, "action.search"),
    )
}

fn results(frame: &Frame<'_>, answer: &v1::MatchingCoreSearchResponse) -> String {
    let lang = frame.lang;
    let mut out = String::from(r#"<section aria-labelledby="results"><h2 id="results">"#);
    let _ = write!(
        out,
        "{} ({})</h2>",
        t(lang, "results.title"),
        answer.matches.len()
    );
    if answer.partial {
        out.push_str(&message("error", t(lang, "results.partial")));
    }
    if answer.matches.is_empty() {
        out.push_str(&message("info", t(lang, "results.none")));
    }
    if !answer.already_reported.is_empty() {
        // One alert per object (DESIGN §4): an officer about to report it learns who has.
        let by: Vec<String> = answer
            .already_reported
            .iter()
            .map(|r| format!("{} ({})", r.country, r.alert_id))
            .collect();
        let text = tf(lang, "results.already_reported", &[("by", &by.join(", "))]);
        out.push_str(&message("info", &text));
    }
    for (i, m) in answer.matches.iter().enumerate() {
        out.push_str(&one_match(frame, i + 1, m));
    }
    if !answer.groups.is_empty() {
        let _ = write!(out, "<h3>{}</h3><ul>", t(lang, "results.groups"));
        for group in &answer.groups {
            let _ = write!(
                out,
                "<li>{}: {}</li>",
                esc(&group.explanation),
                esc(&group.alert_ids.join(", "))
            );
        }
        out.push_str("</ul>");
    }
    out.push_str(&node_table(lang, &answer.nodes, t(lang, "results.nodes")));
    if !answer.partners.is_empty() {
        out.push_str(&node_table(
            lang,
            &answer.partners,
            t(lang, "results.partners"),
        ));
    }
    let _ = write!(
        out,
        r#"<p class="hint">{}: {}</p></section>"#,
        t(lang, "answer.reference"),
        esc(&answer.reference)
    );
    out
}

pub(crate) fn node_table(lang: Lang, nodes: &[v1::NodeStatus], title: &str) -> String {
    let mut out = format!(
        "<h3>{title}</h3><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>ms</th><th>{}</th></tr></thead><tbody>",
        t(lang, "status.node"),
        t(lang, "status.country"),
        t(lang, "status.outcome"),
        t(lang, "status.message"),
    );
    for node in nodes {
        let elapsed = node
            .elapsed
            .as_ref()
            .map_or(0.0, |d| d.seconds as f64 * 1e3 + f64::from(d.nanos) / 1e6);
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td class="outcome">{}</td><td>{elapsed:.1}</td><td>{}</td></tr>"#,
            esc(&node.node),
            esc(&node.country),
            esc(&outcome(node.outcome)),
            esc(&node.message),
        );
    }
    out.push_str("</tbody></table>");
    out
}

fn one_match(frame: &Frame<'_>, rank: usize, m: &v1::Match) -> String {
    let lang = frame.lang;
    let Some(alert) = &m.alert else {
        return String::new();
    };
    let object: Vec<String> = [
        alert.brand.clone(),
        alert.model.clone(),
        alert.colour.clone(),
        if alert.year == 0 {
            String::new()
        } else {
            alert.year.to_string()
        },
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect();
    let mut out = format!(
        r#"<article class="match" id="match-{rank}"><h3>{rank}. {category} · {object}</h3>
<p><span class="score">{score_label} {score:.4}</span> · {country} · {alert_label} <span class="alert-id">{id}</span> · {status} · {action_label}: <strong>{action}</strong></p>
<p class="explanation">{explanation}</p>"#,
        category = esc(&category(alert.category)),
        object = esc(&object.join(" ")),
        score_label = t(lang, "results.score"),
        score = m.score,
        country = esc(&alert.country),
        alert_label = t(lang, "field.alert"),
        id = esc(&alert.id),
        status = esc(&status(alert.status)),
        action_label = t(lang, "results.action"),
        action = esc(&action(alert.action)),
        explanation = esc(&m.explanation),
    );
    if !alert.description.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(&alert.description));
    }
    let _ = write!(
        out,
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "field.kind"),
        t(lang, "results.stored"),
        t(lang, "results.read"),
        t(lang, "results.score"),
        t(lang, "results.explanation"),
    );
    for im in &m.identifier_matches {
        let (stored_kind, stored) = im
            .matched_identifier
            .as_ref()
            .map_or((String::new(), String::new()), |i| {
                (kind(i.kind), i.value.clone())
            });
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.4}</td><td class="explanation">{}</td></tr>"#,
            esc(&stored_kind),
            esc(&stored),
            esc(&im.query_value),
            im.score,
            esc(&im.explanation),
        );
    }
    out.push_str("</tbody></table>");
    if let Some(restricted) = &alert.restricted {
        out.push_str(&restricted_block(lang, restricted));
    }
    let matched_value = m
        .identifier_matches
        .first()
        .map_or(String::new(), |im| im.query_value.clone());
    out.push_str(&report_form(frame, &alert.id, &matched_value));
    out.push_str("</article>");
    out
}

/// The restricted part, which the core sends only to police of the issuing country.
fn restricted_block(lang: Lang, restricted: &v1::RestrictedData) -> String {
    let mut out = format!(
        r#"<div class="restricted"><strong>{}</strong><dl>"#,
        t(lang, "results.restricted")
    );
    for (label, contact) in [("owner", &restricted.owner), ("victim", &restricted.victim)] {
        if let Some(c) = contact {
            let parts: Vec<&str> = [
                c.name.as_str(),
                c.phone.as_str(),
                c.email.as_str(),
                c.address.as_str(),
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
            let _ = write!(out, "<dt>{label}</dt><dd>{}</dd>", esc(&parts.join(", ")));
        }
    }
    if !restricted.notes.is_empty() {
        let _ = write!(out, "<dt>notes</dt><dd>{}</dd>", esc(&restricted.notes));
    }
    out.push_str("</dl></div>");
    out
}

fn report_form(frame: &Frame<'_>, alert_id: &str, matched_value: &str) -> String {
    let lang = frame.lang;
    let id = esc(alert_id);
    format!(
        r#"<details><summary>{summary}</summary>
<form method="post" action="/search/report">
{csrf}
<input type="hidden" name="alert_id" value="{id}">
<input type="hidden" name="matched_value" value="{matched}">
<label for="location-{id}">{location}</label>
<input type="text" id="location-{id}" name="location" required>
<label for="note-{id}">{note}</label>
<textarea id="note-{id}" name="note"></textarea>
<label for="case-{id}">{case}</label>
<input type="text" id="case-{id}" name="case_reference">
<button type="submit">{submit}</button>
</form></details>"#,
        summary = t(lang, "action.report"),
        csrf = csrf_field(frame.csrf),
        matched = esc(matched_value),
        location = t(lang, "field.location"),
        note = t(lang, "field.note"),
        case = t(lang, "field.case"),
        submit = t(lang, "action.report_send"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame<'static> {
        Frame {
            lang: Lang::En,
            person: None,
            csrf: "token",
            path: "/search",
        }
    }

    #[test]
    fn an_answer_is_shown_with_its_explanation_and_markup_as_text() {
        let answer = v1::MatchingCoreSearchResponse {
            matches: vec![v1::Match {
                node: "NL".to_string(),
                country: "NL".to_string(),
                alert: Some(v1::Alert {
                    id: "NL-1".to_string(),
                    country: "NL".to_string(),
                    category: v1::ObjectCategory::Boat.into(),
                    brand: "<script>alert(1)</script>".to_string(),
                    action: 0,
                    ..v1::Alert::default()
                }),
                score: 0.76191,
                explanation: "look-alike O→0 at 4".to_string(),
                ..v1::Match::default()
            }],
            nodes: vec![v1::NodeStatus {
                node: "NL".to_string(),
                outcome: v1::NodeOutcome::Timeout.into(),
                ..v1::NodeStatus::default()
            }],
            partial: true,
            already_reported: vec![v1::AlreadyReported {
                country: "NL".to_string(),
                alert_id: "NL-1".to_string(),
                identifier: "ABC12345D404".to_string(),
            }],
            ..v1::MatchingCoreSearchResponse::default()
        };
        let page = render(&frame(), &SearchForm::default(), None, None, Some(&answer));
        assert!(page.contains("Already reported by NL (NL-1)"), "{page}");
        assert!(
            page.contains("1. BOAT · &lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
        assert!(!page.contains("<script>"));
        assert!(page.contains("score 0.7619"));
        assert!(page.contains("look-alike O→0 at 4"));
        assert!(page.contains("<strong>SEIZE</strong>"));
        assert!(page.contains(r#"class="outcome">TIMEOUT"#));
        assert!(page.contains("matches may be missing"));
        assert!(page.contains(r#"name="alert_id" value="NL-1""#));
    }
}

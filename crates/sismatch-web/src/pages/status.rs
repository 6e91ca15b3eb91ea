//! The operator's status page: how every node answered a probe through the core just now
//! (outcome and time), and, for the nodes the web server's configuration lists, their own
//! status (alerts, identifiers indexed, index lag or rebuild progress, index segments, the last
//! minute's searches with their p50 / p99 and failures, hits received, up since).

use std::fmt::Write;

use sismatch_proto::v1;

use crate::html::{Frame, esc, message, page};
use crate::i18n::{Lang, t};
use crate::pages::search::node_table;
use crate::status::{NodeRow, StatusView};

/// The status page.
pub fn render(frame: &Frame<'_>, view: &StatusView) -> String {
    let lang = frame.lang;
    let mut body = String::new();
    match &view.probe {
        Ok(nodes) => body.push_str(&node_table(lang, nodes, t(lang, "status.probe"))),
        Err(error) => body.push_str(&message("error", error)),
    }
    if !view.nodes.is_empty() {
        let _ = write!(
            body,
            "<h3>{}</h3><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "status.nodes"),
            t(lang, "status.node"),
            t(lang, "status.alerts"),
            t(lang, "status.identifiers"),
            t(lang, "status.lag"),
            t(lang, "status.segments"),
            t(lang, "status.searches"),
            t(lang, "status.latency"),
            t(lang, "status.failures"),
            t(lang, "status.hits"),
            t(lang, "status.since"),
            t(lang, "status.version"),
        );
        for row in &view.nodes {
            body.push_str(&node_row(row, lang));
        }
        body.push_str("</tbody></table>");
    }
    page(frame, t(lang, "title.status"), &body)
}

fn node_row(row: &NodeRow, lang: Lang) -> String {
    match &row.status {
        Ok(s) => format!(
            "<tr><td>{}</td><td>{} ({} {})</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&row.name),
            s.alerts_total,
            s.alerts_active,
            t(lang, "status.active"),
            s.identifiers_indexed,
            lag(s, lang),
            s.index_segments,
            s.searches_last_minute,
            latency(s),
            s.search_failures_last_minute,
            s.hits_received,
            since(s),
            esc(&s.version),
        ),
        Err(error) => format!(
            r#"<tr><td>{}</td><td colspan="11" class="outcome">{}</td></tr>"#,
            esc(&row.name),
            esc(error)
        ),
    }
}

/// Changes stored but not yet searchable, or how far a rebuild of the index has come (searches
/// may miss alerts meanwhile).
fn lag(status: &v1::GetNodeStatusResponse, lang: Lang) -> String {
    if status.rebuilding {
        return format!(
            "{} {:.0} %",
            t(lang, "status.rebuilding"),
            status.rebuild_progress * 100.0
        );
    }
    status
        .store_sequence
        .saturating_sub(status.index_sequence)
        .to_string()
}

/// The last minute's p50 / p99 search time, in milliseconds; a dash without searches.
fn latency(status: &v1::GetNodeStatusResponse) -> String {
    if status.searches_last_minute == 0 {
        return "–".to_string();
    }
    format!(
        "{:.2} / {:.2}",
        status.search_p50_ms_last_minute, status.search_p99_ms_last_minute
    )
}

/// When the node started, to the second, in UTC; empty when it did not say.
fn since(status: &v1::GetNodeStatusResponse) -> String {
    status
        .started_at
        .as_ref()
        .and_then(|at| jiff::Timestamp::new(at.seconds, 0).ok())
        .map_or_else(String::new, |at| at.to_string())
}

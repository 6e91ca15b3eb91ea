//! Identifier expansion through manufacturer partners (DESIGN §4): an engine found without an
//! alert may lead, through the maker's sales register, to the stolen boat it was sold with.
//!
//! A partner is asked about a query value only when the value's normalised key starts with one
//! of the prefixes configured for it (its HIN manufacturer codes, its VINs' WMIs, its engine
//! serials' prefixes): partners are not told about numbers that are not theirs. The linked
//! identifiers they return are searched on the nodes like the officer's own values, and the
//! matches found through them say so.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sismatch_ident::{IdentifierKind, parse};
use sismatch_proto::v1::{self, manufacturer_partner_client::ManufacturerPartnerClient};
use sismatch_proto::wire::{duration, enum_in};
use tokio::task::JoinSet;
use tonic::metadata::{Ascii, MetadataValue};
use tracing::{Instrument, info_span, warn};

use crate::config::{ClientTls, PartnerMemberConfig};
use crate::error::Result;
use crate::link::{CallError, Link, outgoing};

/// A partner node the core may ask.
pub struct PartnerMember {
    config: PartnerMemberConfig,
    link: Arc<Link>,
}

impl PartnerMember {
    /// A lazily connected partner; one that cannot be reached is marked down and skipped
    /// (UNAVAILABLE, no connection attempt) until the background reconnect succeeds.
    pub fn new(
        config: PartnerMemberConfig,
        connect_timeout: Duration,
        max_backoff: Duration,
        tls: Option<&ClientTls>,
    ) -> Result<Arc<PartnerMember>> {
        let link = Link::new(
            &format!("partners.{}.address", config.name),
            &config.name,
            &config.address,
            connect_timeout,
            max_backoff,
            tls,
        )?;
        Ok(Arc::new(PartnerMember { config, link }))
    }

    /// Whether this partner's register may hold `value`.
    fn covers(&self, value: &str, kind: i32) -> bool {
        let kind = enum_in::<v1::IdentifierKind, IdentifierKind>(kind)
            .ok()
            .flatten();
        let key = parse(value, kind).key;
        self.config
            .prefixes
            .iter()
            .any(|prefix| !prefix.is_empty() && key.starts_with(prefix.as_str()))
    }
}

/// Asks `partner` (unless it is known to be down) for the numbers of `call`, within
/// `deadline`: its answer, or why there is none, classified as a node's call is.
async fn ask(
    partner: &PartnerMember,
    call: tonic::Request<v1::LookupRequest>,
    deadline: Duration,
) -> std::result::Result<v1::LookupResponse, CallError> {
    let channel = partner.link.channel().map_err(CallError::Unavailable)?;
    let mut client = ManufacturerPartnerClient::new(channel);
    partner
        .link
        .settle(tokio::time::timeout(deadline, client.lookup(call)).await)
}

/// One linked identifier to search, and where it came from.
#[derive(Debug, Clone)]
pub struct Expansion {
    /// Index of the officer's query value it was linked to.
    pub asked_index: u32,
    /// The link, for the matches' explanation.
    pub link: v1::PartnerLink,
}

/// What the partners answered for one search.
pub struct Expanded {
    /// Linked identifiers to search, in order; query `original + i` is `expansions[i]`.
    pub expansions: Vec<Expansion>,
    /// One status per partner asked.
    pub statuses: Vec<v1::NodeStatus>,
}

/// Asks every partner covering some query value, in parallel within `deadline`, on behalf of
/// the police caller, and collects the linked identifiers.
pub async fn expand(
    partners: &[Arc<PartnerMember>],
    queries: &[v1::IdentifierQuery],
    purpose: i32,
    case_reference: &str,
    on_behalf_of: Option<MetadataValue<Ascii>>,
    deadline: Duration,
) -> Expanded {
    let mut calls = JoinSet::new();
    for (position, partner) in partners.iter().enumerate() {
        let asked: Vec<(u32, v1::IdentifierQuery)> = queries
            .iter()
            .enumerate()
            .filter(|(_, q)| partner.covers(&q.value, q.kind))
            .map(|(i, q)| (u32::try_from(i).unwrap_or(u32::MAX), q.clone()))
            .collect();
        if asked.is_empty() {
            continue;
        }
        let partner = Arc::clone(partner);
        let request = v1::LookupRequest {
            identifiers: asked.iter().map(|(_, q)| q.clone()).collect(),
            purpose,
            case_reference: case_reference.to_string(),
            officer: String::new(),
        };
        let on_behalf_of = on_behalf_of.clone();
        let span = info_span!(
            "partner_call",
            partner = %partner.config.name,
            otel.kind = "client"
        );
        calls.spawn(
            async move {
                let started = Instant::now();
                let call = outgoing(request, deadline, on_behalf_of.as_ref());
                let answer = ask(&partner, call, deadline).await;
                (position, partner, asked, answer, started.elapsed())
            }
            .instrument(span),
        );
    }
    let mut replies = Vec::new();
    while let Some(joined) = calls.join_next().await {
        match joined {
            Ok(reply) => replies.push(reply),
            Err(error) => warn!(%error, "a partner call task failed"),
        }
    }
    replies.sort_by_key(|reply| reply.0);
    let mut expanded = Expanded {
        expansions: Vec::new(),
        statuses: Vec::new(),
    };
    for (_, partner, asked, answer, elapsed) in replies {
        let mut status = v1::NodeStatus {
            node: partner.config.name.clone(),
            address: partner.config.address.clone(),
            elapsed: Some(duration(elapsed)),
            ..v1::NodeStatus::default()
        };
        match answer {
            Err(problem) => {
                status.outcome = problem.outcome().into();
                status.message = problem.message();
            }
            Ok(response) => {
                status.outcome = v1::NodeOutcome::Ok.into();
                if response.outcome == i32::from(v1::LookupOutcome::Refused) {
                    status.outcome = v1::NodeOutcome::Error.into();
                    status.message = format!("refused: {}", response.refusal_message);
                }
                for record in response.records {
                    let Some((asked_index, _)) = asked.get(record.query_index as usize) else {
                        continue;
                    };
                    for linked in record.linked {
                        status.results += 1;
                        expanded.expansions.push(Expansion {
                            asked_index: *asked_index,
                            link: v1::PartnerLink {
                                partner: response.partner.clone(),
                                asked: record.identifier.clone(),
                                linked: linked.identifier,
                                relation: linked.relation,
                            },
                        });
                    }
                }
            }
        }
        expanded.statuses.push(status);
    }
    expanded
}

/// Marks the identifier matches of `found` that came from linked queries (indices from
/// `original` on) as found through their partner, pointing at the officer's value.
pub fn mark(found: &mut v1::Match, original: u32, expansions: &[Expansion]) {
    for hit in &mut found.identifier_matches {
        let Some(expansion) = hit
            .query_index
            .checked_sub(original)
            .and_then(|i| expansions.get(i as usize))
        else {
            continue;
        };
        let link = &expansion.link;
        let asked = link.asked.as_ref().map_or("", |i| i.value.as_str());
        let linked = link.linked.as_ref().map_or("", |i| i.value.as_str());
        let via = format!("via partner {}: {asked} → {linked}", link.partner);
        hit.explanation = format!("{via}; {}", hit.explanation);
        hit.query_index = expansion.asked_index;
        hit.source = v1::MatchSource::Partner.into();
        hit.partner_link = Some(link.clone());
        if !found.explanation.starts_with("via partner") {
            found.explanation = format!("{via}; {}", found.explanation);
        }
    }
}

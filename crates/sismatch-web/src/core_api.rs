//! The web server's calls to the matching core. The web server is a *trusted forwarder*: it
//! calls with its own identity (client certificate or token) and names the signed-in person
//! in `x-sismatch-on-behalf-of`, so the core applies that person's role and country and its
//! audit log names who asked. A core that does not list the web server among its trusted
//! forwarders refuses such calls (PERMISSION_DENIED), which the pages say plainly.

use std::time::Duration;

use sismatch_auth::{ON_BEHALF_OF, encode_on_behalf_of};
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use crate::accounts::Account;
use crate::error::{Result, WebError};
use crate::i18n::{Lang, t, tf};

/// How long a page waits for the core beyond the fan-out deadline before it gives up.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to the core and the web server's own credentials.
#[derive(Debug, Clone)]
pub struct CoreApi {
    client: MatchingCoreClient<Channel>,
    authorization: Option<MetadataValue<Ascii>>,
}

impl CoreApi {
    /// Calls the core over `channel` (TLS, if any, is the channel's), adding `authorization`
    /// (`Bearer ...`) to every call when given.
    pub fn new(channel: Channel, authorization: Option<MetadataValue<Ascii>>) -> CoreApi {
        CoreApi {
            client: MatchingCoreClient::new(channel).max_decoding_message_size(16 * 1024 * 1024),
            authorization,
        }
    }

    fn request<T>(&self, message: T, person: &Account) -> Result<tonic::Request<T>> {
        let mut request = tonic::Request::new(message);
        request.set_timeout(CALL_TIMEOUT);
        if let Some(value) = &self.authorization {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        let forwarded = encode_on_behalf_of(&person.caller())
            .parse()
            .map_err(|_| WebError::Input("the user name cannot be forwarded".to_string()))?;
        request.metadata_mut().insert(ON_BEHALF_OF, forwarded);
        Ok(request)
    }

    /// The dealer check (`MatchingCore/Check`) on behalf of `person`.
    pub async fn check(
        &self,
        person: &Account,
        request: v1::CheckRequest,
    ) -> Result<v1::CheckResponse> {
        let request = self.request(request, person)?;
        Ok(self.client.clone().check(request).await?.into_inner())
    }

    /// A federated search (`MatchingCore/Search`) on behalf of `person`.
    pub async fn search(
        &self,
        person: &Account,
        request: v1::MatchingCoreSearchRequest,
    ) -> Result<v1::MatchingCoreSearchResponse> {
        let request = self.request(request, person)?;
        Ok(self.client.clone().search(request).await?.into_inner())
    }

    /// A hit report (`MatchingCore/ReportHit`) on behalf of `person`.
    pub async fn report_hit(
        &self,
        person: &Account,
        hit: v1::HitReport,
    ) -> Result<v1::MatchingCoreReportHitResponse> {
        let request = self.request(v1::MatchingCoreReportHitRequest { hit: Some(hit) }, person)?;
        Ok(self.client.clone().report_hit(request).await?.into_inner())
    }
}

/// What the person at the counter reads, in `lang`, when the core refused or failed a call.
/// The core's own messages (which field is wrong, why a report was refused) stay in English.
pub fn explain(lang: Lang, error: &WebError) -> String {
    use tonic::Code;
    let WebError::Core { code, message } = error else {
        return error.to_string();
    };
    match code {
        Code::InvalidArgument | Code::NotFound | Code::FailedPrecondition => message.clone(),
        Code::ResourceExhausted => tf(lang, "core.quota", &[("message", message)]),
        Code::PermissionDenied | Code::Unauthenticated => {
            tf(lang, "core.refused", &[("message", message)])
        }
        Code::Unavailable | Code::DeadlineExceeded => t(lang, "core.unreachable").to_string(),
        _ => t(lang, "core.failed").to_string(),
    }
}

//! Log output: to standard error (standard output carries results and bound addresses), in
//! the format the operator's log pipeline wants.

use std::fmt;
use std::io::IsTerminal;
use std::str::FromStr;

use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::error::{Result, TelemetryError};
use crate::traces::{self, Otlp};

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable, one event per line with its fields: for a terminal.
    #[default]
    Compact,
    /// Human-readable over several lines, with the spans an event is in: for debugging.
    Pretty,
    /// One JSON object per line, span fields included: for Loki, Elasticsearch and the like.
    Json,
}

impl FromStr for LogFormat {
    type Err = TelemetryError;

    fn from_str(text: &str) -> Result<LogFormat> {
        match text.to_ascii_lowercase().as_str() {
            "compact" | "text" => Ok(LogFormat::Compact),
            "pretty" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            _ => Err(TelemetryError::Logging {
                field: "log_format",
                message: format!("'{text}' is not one of compact, pretty, json"),
            }),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Compact => "compact",
            LogFormat::Pretty => "pretty",
            LogFormat::Json => "json",
        })
    }
}

/// What [`init_logging`] set up that needs closing: the trace exporter, whose last batch of
/// spans is only sent by [`Telemetry::shutdown`].
#[derive(Debug)]
#[must_use = "call shutdown() at exit, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans not yet exported and stops the exporter; a failure is only reported
    /// on standard error, since the server's work is done by then.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(error) = provider.shutdown()
        {
            eprintln!("warning: exporting the last traces failed: {error}");
        }
    }
}

/// Installs the process's log subscriber: `format` on standard error, at `level` unless
/// `RUST_LOG` says otherwise, and, with `otlp`, spans exported to an OpenTelemetry collector.
/// A `RUST_LOG` that does not parse is an error rather than silently ignored: an operator who
/// set it expects it to work. With `otlp`, call it inside a tokio runtime.
pub fn init_logging(format: LogFormat, level: &str, otlp: Option<&Otlp>) -> Result<Telemetry> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(&directives)
            .map_err(|e| TelemetryError::Logging {
                field: "RUST_LOG",
                message: e.to_string(),
            })?,
        _ => EnvFilter::new(level),
    };
    let ansi = std::io::stderr().is_terminal();
    let lines = tracing_subscriber::fmt::layer()
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let lines: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Compact => lines.compact().boxed(),
        LogFormat::Pretty => lines.pretty().boxed(),
        LogFormat::Json => lines
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .boxed(),
    };
    let provider = otlp.map(traces::provider).transpose()?;
    let spans = provider
        .as_ref()
        .map(|provider| tracing_opentelemetry::layer().with_tracer(traces::tracer(provider)));
    tracing_subscriber::registry()
        .with(lines)
        .with(spans)
        .with(filter)
        .try_init()
        .map_err(|e| TelemetryError::Logging {
            field: "log_format",
            message: format!("cannot install the log subscriber: {e}"),
        })?;
    Ok(Telemetry { provider })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name_and_a_wrong_one_names_the_key() {
        assert_eq!("JSON".parse::<LogFormat>().ok(), Some(LogFormat::Json));
        assert_eq!("pretty".parse::<LogFormat>().ok(), Some(LogFormat::Pretty));
        assert_eq!("text".parse::<LogFormat>().ok(), Some(LogFormat::Compact));
        let error = "xml".parse::<LogFormat>().err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("log_format: 'xml' is not one of compact, pretty, json")
        );
    }
}

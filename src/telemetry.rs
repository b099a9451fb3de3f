//! Logging: one subscriber for the server, the CLI and the demo.

use std::io::IsTerminal;

use tracing::{Event, Level, Metadata, Subscriber};

pub use crate::config::LogFormat;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, filter::filter_fn, fmt};

pub fn init_tracing(filter: &str) {
    init_tracing_as(filter, LogFormat::Text);
}

/// `Json`: one object per line, with the request span's fields (the request id) under
/// `span`.
pub fn init_tracing_as(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(layers(format))
        .try_init();
}

fn layers<S>(format: LogFormat) -> Vec<Box<dyn Layer<S> + Send + Sync>>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let json = format == LogFormat::Json;
    // Logs go to stderr so command output on stdout (tokens, ids) stays clean to parse.
    // Colours only for a person at a terminal, not in journald or a file.
    let ansi = std::io::stderr().is_terminal();
    let ours = fmt::layer()
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let ours = if json {
        // The target stays in JSON: `"target":"access"` picks out the access log.
        ours.json()
            .with_target(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_filter(filter_fn(|m| !client_fault(m)))
            .boxed()
    } else {
        ours.with_filter(filter_fn(|m| !client_fault(m))).boxed()
    };
    let theirs = fmt::layer()
        .event_format(AsWarning { json })
        .with_writer(std::io::stderr)
        .with_filter(filter_fn(client_fault))
        .boxed();
    vec![ours, theirs]
}

/// actix-http reports a client's malformed or broken HTTP ("stream error", a parse
/// error, a peer gone mid-write) at ERROR. Nothing failed on our side, and an alert on
/// ERROR would fire for every scanner, so these are written as warnings.
fn client_fault(m: &Metadata<'_>) -> bool {
    *m.level() == Level::ERROR
        && (m.target().starts_with("actix_http::h1") || m.target().starts_with("actix_http::h2"))
}

/// The line the default format writes, at WARN and with where it came from (as a JSON
/// object with the fields as its message in the JSON format).
struct AsWarning {
    json: bool,
}

impl<S, N> FormatEvent<S, N> for AsWarning
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        if !self.json {
            SystemTime.format_time(&mut writer)?;
            write!(writer, "  WARN {}: ", event.metadata().target())?;
            ctx.field_format().format_fields(writer.by_ref(), event)?;
            return writeln!(writer);
        }
        let mut time = String::new();
        SystemTime.format_time(&mut Writer::new(&mut time))?;
        let mut message = String::new();
        ctx.field_format()
            .format_fields(Writer::new(&mut message), event)?;
        let line = serde_json::json!({
            "timestamp": time,
            "level": "WARN",
            "target": event.metadata().target(),
            "fields": { "message": message },
        });
        writeln!(writer, "{line}")
    }
}

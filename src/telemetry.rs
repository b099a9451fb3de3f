//! Logging: one subscriber for the server, the CLI and the demo.

use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, filter::filter_fn, fmt};

pub fn init_tracing(filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    // Logs go to stderr so command output on stdout (tokens, ids) stays clean to parse.
    let ours = fmt::layer()
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_filter(filter_fn(|m| !client_fault(m)));
    let theirs = fmt::layer()
        .event_format(AsWarning)
        .with_writer(std::io::stderr)
        .with_filter(filter_fn(client_fault));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(ours)
        .with(theirs)
        .try_init();
}

/// actix-http reports a client's malformed or broken HTTP ("stream error", a parse
/// error, a peer gone mid-write) at ERROR. Nothing failed on our side, and an alert on
/// ERROR would fire for every scanner, so these are written as warnings.
fn client_fault(m: &Metadata<'_>) -> bool {
    *m.level() == Level::ERROR
        && (m.target().starts_with("actix_http::h1") || m.target().starts_with("actix_http::h2"))
}

/// The line the default format writes, at WARN and with where it came from.
struct AsWarning;

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
        SystemTime.format_time(&mut writer)?;
        write!(writer, "  WARN {}: ", event.metadata().target())?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

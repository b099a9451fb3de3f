use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = checkout_desk::cli::Cli::parse();
    match checkout_desk::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

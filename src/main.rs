//! The `steward` executable: parse the command line, load the config, start logging, dispatch.
//! Exit codes: 0 done, 1 failed, 2 bad arguments or configuration.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use steward::cli::{Cli, Command, ConfigArgs, ConfigCommand};
use steward::config::{Config, LogFormat};

fn main() -> ExitCode {
    rustls::crypto::ring::default_provider().install_default().expect("install the ring crypto provider");
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("steward: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(e)) => {
            eprintln!("steward: {e:#}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    /// Bad arguments or configuration: exit code 2.
    Usage(String),
    Runtime(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Runtime(e)
    }
}

/// Loads the configuration: defaults, file, `STEWARD_*` environment, then `--data-dir`.
fn load_config(args: &ConfigArgs) -> Result<Config, Failure> {
    let mut config =
        Config::load(args.config.as_deref(), std::env::vars()).map_err(|e| Failure::Usage(e.to_string()))?;
    if let Some(dir) = &args.data_dir {
        config.server.data_dir = dir.clone();
    }
    config.validate().map_err(Failure::Usage)?;
    Ok(config)
}

fn init_logging(config: &Config, default_level: &str) {
    let level = if config.log.level == "info" { default_level } else { config.log.level.as_str() };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match config.log.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build().context("start the async runtime")?)
}

fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Server(args) => {
            let mut config = load_config(&args.config)?;
            if let Some(listen) = args.listen {
                config.server.listen = listen;
            }
            init_logging(&config, "info");
            runtime()?.block_on(steward::server::run(config, shutdown_signal())).context("server")?;
            Ok(())
        }
        Command::Admin(args) => {
            let config = load_config(&args.config)?;
            init_logging(&config, "warn");
            let output = runtime()?.block_on(async {
                let db = steward::server::open_store(&config)?;
                let result = steward::admin::run(&db, args.command, || {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    Ok(line)
                })
                .await;
                db.close().await;
                result.map_err(anyhow::Error::from)
            });
            match output {
                Ok(text) => {
                    println!("{text}");
                    Ok(())
                }
                Err(e)
                    if e.downcast_ref::<steward::admin::AdminError>()
                        .is_some_and(|a| matches!(a, steward::admin::AdminError::Input(_))) =>
                {
                    Err(Failure::Usage(e.to_string()))
                }
                Err(e) => Err(Failure::Runtime(e)),
            }
        }
        Command::Backup(args) => {
            let config = load_config(&args.config)?;
            init_logging(&config, "warn");
            let source = config.server.data_dir.join(steward::server::DB_FILE);
            let on_terminal = std::io::stderr().is_terminal();
            let summary = steward::backup::backup(&source, &args.out, |done, total| {
                if on_terminal {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r{}", steward::backup::progress_bar(done, total));
                    let _ = err.flush();
                }
            })
            .with_context(|| format!("backup of {}", source.display()))?;
            if on_terminal {
                eprintln!();
            }
            println!(
                "Backed up {} ({} pages, {} bytes) to {}; integrity check ok.",
                source.display(),
                summary.pages,
                summary.bytes,
                args.out.display()
            );
            Ok(())
        }
        Command::Config(ConfigCommand::Example) => {
            print!("{}", steward::config::EXAMPLE);
            Ok(())
        }
        Command::Config(ConfigCommand::Check { config }) => {
            let config = load_config(&config)?;
            print!("{}", toml::to_string_pretty(&config).context("print the configuration")?);
            Ok(())
        }
    }
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("install the SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

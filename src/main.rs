//! The `steward` executable: parse the command line, load the config, start logging, dispatch.
//! Exit codes: 0 done, 1 failed, 2 bad arguments or configuration.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use steward::cli::{AgentCommand, Cli, Command, ConfigArgs, ConfigCommand};
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
        Err(Failure::Revoked(message)) => {
            eprintln!("steward: {message}");
            ExitCode::from(steward::agent::EXIT_REVOKED)
        }
    }
}

enum Failure {
    /// Bad arguments or configuration: exit code 2.
    Usage(String),
    Runtime(anyhow::Error),
    /// The server revoked this device: exit code 3, which the agent's systemd unit does not restart.
    Revoked(String),
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

/// The agent's logging: one level from RUST_LOG (error, warn, info, debug, trace) or `default`.
/// Plain levels, not filter directives: parsing directives pulls in a regex engine, and every
/// page of code the agent touches stays in its resident memory on the machines it watches.
fn init_agent_logging(default: tracing::Level) {
    let level = std::env::var("RUST_LOG").ok().and_then(|v| v.trim().parse::<tracing::Level>().ok()).unwrap_or(default);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
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
                let result = steward::admin::run(&db, &config, args.command, || {
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
        Command::Agent(command) => agent(command),
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
        Command::Demo(args) => {
            init_logging(&Config::default(), "warn");
            runtime()?.block_on(steward::demo::run(args, shutdown_signal()))?;
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

fn agent(command: AgentCommand) -> Result<(), Failure> {
    use steward::agent::{self, AgentError, RunOptions, spool::Bounds};
    let failure = |e: AgentError| match e {
        AgentError::Usage(m) => Failure::Usage(m),
        e @ AgentError::Revoked(_) => Failure::Revoked(e.to_string()),
        other => Failure::Runtime(other.into()),
    };
    // One thread: an agent should be a quiet guest on the machine it watches.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("start the runtime")?;
    match command {
        AgentCommand::Enroll { server, token, fingerprint, insecure_http, state_dir } => {
            init_agent_logging(tracing::Level::WARN);
            let done = rt
                .block_on(agent::enroll(&server, &token, fingerprint.as_deref(), insecure_http, &state_dir))
                .map_err(failure)?;
            let e = &done.enrollment;
            println!("Enrolled as device {} of {} at {}.", e.device_id, e.client, e.server);
            if !e.pin.is_empty() {
                println!("Pinned the server's public key: sha256//{}", e.pin);
            }
            if done.possible_clone {
                println!(
                    "The server already knows a device with this machine id; this one was added as a new device \
                     flagged as a possible clone, for staff to merge or keep."
                );
            }
            Ok(())
        }
        AgentCommand::Run { state_dir, interval, spool_max_age, spool_max_bytes } => {
            init_agent_logging(tracing::Level::INFO);
            let options = RunOptions {
                interval: interval.map(|d| d.0),
                bounds: Bounds { max_age: spool_max_age.0, max_bytes: spool_max_bytes },
            };
            rt.block_on(agent::run(&state_dir, options, shutdown_signal())).map_err(failure)
        }
        AgentCommand::Once => {
            init_agent_logging(tracing::Level::WARN);
            let report = agent::once();
            println!("{}", serde_json::to_string_pretty(&report).context("print the report")?);
            Ok(())
        }
        AgentCommand::Install { state_dir, binary, unit_dir, no_start } => {
            init_agent_logging(tracing::Level::WARN);
            let binary = match binary {
                Some(b) => b,
                None => std::env::current_exe().context("find this executable")?,
            };
            let path = agent::install::install(&binary, &state_dir, &unit_dir, !no_start).map_err(failure)?;
            println!("Wrote {}{}.", path.display(), if no_start { "" } else { " and started the agent" });
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

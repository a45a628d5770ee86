//! The command line: `steward server | admin | backup | config`. `--help` on each explains every flag.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::db::users::Role;

#[derive(Debug, Parser)]
#[command(
    name = "steward",
    version,
    about = "Steward: RMM and PSA for managed service providers, in one binary.",
    long_about = "Steward: RMM and PSA for managed service providers, in one binary.\n\n\
                  `steward server` runs the appliance (web UI, API, agent receiver). With no config file it \
                  keeps its data in ./steward-data and serves HTTPS on 0.0.0.0:8443.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the appliance: web UI, API and agent receiver, until SIGTERM or Ctrl-C.
    Server(ServerArgs),
    /// Manage users, API keys and clients from the shell (safe while the server runs).
    Admin(AdminArgs),
    /// Write a consistent copy of the database, safe while the server runs.
    Backup(BackupArgs),
    /// Show or check configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// Where the configuration comes from; shared by every command that reads it.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// TOML config file (see `steward config example`). Without one, the embedded defaults apply.
    #[arg(long, value_name = "FILE", env = "STEWARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data folder (database, TLS certificate); overrides server.data_dir. Default ./steward-data.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Address and port to listen on, e.g. 0.0.0.0:8443 or 127.0.0.1:0 (any free port);
    /// overrides server.listen.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// People who log in.
    #[command(subcommand)]
    User(UserCommand),
    /// API keys for integrations.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Clients (customer companies).
    #[command(subcommand)]
    Client(ClientCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; their login is their e-mail address.
    Add {
        /// E-mail address, also the login.
        #[arg(long)]
        email: String,
        /// admin, technician or client (a client company's contact).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The client company, for --role client.
        #[arg(long, value_name = "NAME")]
        client: Option<String>,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from standard input (first line). Without it, a password is made
        /// up and printed once.
        #[arg(long)]
        password_stdin: bool,
        /// Print exactly one JSON object: {"id": ...} (and "password" when one was made up).
        #[arg(long)]
        json: bool,
    },
    /// List users.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password (for a forgotten admin password, say); their sessions end.
    SetPassword {
        /// The user's login ("admin", or their e-mail).
        #[arg(long)]
        user: String,
        /// Read the new password from standard input instead of making one up.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make an API key for a user and print it once.
    Create {
        /// The user's login ("admin", or their e-mail).
        #[arg(long, value_name = "LOGIN")]
        user: String,
        /// What the key is for, e.g. "billing export".
        #[arg(long)]
        name: String,
        /// Print exactly one JSON object: {"key": "..."}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Add a client and print its id.
    Add {
        /// The client's name, unique (ignoring case).
        name: String,
        /// Print exactly one JSON object: {"id": ...}.
        #[arg(long)]
        json: bool,
    },
    /// List clients.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// File to write the copy to; replaced atomically if it exists.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the example configuration: every key with its default and what it does.
    Example,
    /// Check a configuration (file and STEWARD_* environment) and print the result as TOML.
    Check {
        #[command(flatten)]
        config: ConfigArgs,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

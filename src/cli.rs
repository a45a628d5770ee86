//! The command line: `steward server | agent | admin | backup | config | demo`. `--help` on each explains every flag.

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
    /// Run on a client computer: enroll with a server, then report health, inventory and patches.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Manage users, API keys, clients and enrollment tokens from the shell (safe while the server runs).
    Admin(AdminArgs),
    /// Write a consistent copy of the database, safe while the server runs.
    Backup(BackupArgs),
    /// Show or check configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// A server with sample clients, tickets and a local agent, for a first look.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's data; default: a new temporary folder, deleted when the demo stops.
    /// A folder given here is kept, and a later `steward demo` on it continues with it.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address and port to serve on (HTTPS, self-signed); port 0 picks a free one.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
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

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Enroll this machine with a server, using an enrollment token made there.
    Enroll {
        /// The server's address, e.g. https://rmm.example.com:8443.
        #[arg(long, value_name = "URL")]
        server: String,
        /// The enrollment token (Steward: Devices, Add device; or `steward admin enroll-token create`).
        #[arg(long)]
        token: String,
        /// The server certificate's SHA-256 fingerprint, as the server prints it; needed for a
        /// self-signed certificate (or `sha256//<base64>`, the public key's pin). The agent then
        /// pins the server's public key (not the certificate), and follows a planned key rotation.
        /// Without it, the agent trusts the system's CAs and checks the server's name.
        #[arg(long, value_name = "SHA256")]
        fingerprint: Option<String>,
        /// Allow an http:// server address (credentials and reports then travel unencrypted;
        /// only behind a TLS-terminating proxy on the same host, or in a lab).
        #[arg(long)]
        insecure_http: bool,
        /// Where the agent keeps its credentials and spool (mode 0700).
        #[arg(long, value_name = "DIR", default_value = crate::agent::DEFAULT_STATE_DIR)]
        state_dir: PathBuf,
    },
    /// Report every interval until SIGTERM or Ctrl-C, spooling to disk while the server is away.
    Run {
        /// Where enrollment left the credentials and spool.
        #[arg(long, value_name = "DIR", default_value = crate::agent::DEFAULT_STATE_DIR)]
        state_dir: PathBuf,
        /// Check-in interval such as 60s or 5m (with ±10 % jitter); default: what the server asks.
        #[arg(long, value_name = "DURATION")]
        interval: Option<crate::config::HumanDuration>,
        /// Oldest report the spool keeps while the server is unreachable.
        #[arg(long, value_name = "DURATION", default_value = "7d")]
        spool_max_age: crate::config::HumanDuration,
        /// Most bytes of reports the spool keeps; past either bound the oldest are dropped and counted.
        #[arg(long, value_name = "BYTES", default_value_t = 50 * 1024 * 1024)]
        spool_max_bytes: u64,
    },
    /// Collect one full report and print it as JSON; sends nothing.
    Once,
    /// Write the systemd unit that runs the agent, and start it.
    Install {
        /// Where enrollment left the credentials.
        #[arg(long, value_name = "DIR", default_value = crate::agent::DEFAULT_STATE_DIR)]
        state_dir: PathBuf,
        /// The steward executable the unit runs; default: this one.
        #[arg(long, value_name = "PATH")]
        binary: Option<PathBuf>,
        /// Folder for the unit file.
        #[arg(long, value_name = "DIR", default_value = "/etc/systemd/system")]
        unit_dir: PathBuf,
        /// Only write the unit; do not run systemctl.
        #[arg(long)]
        no_start: bool,
    },
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
    /// Enrollment tokens that let agents join a client.
    #[command(subcommand, name = "enroll-token")]
    EnrollToken(EnrollTokenCommand),
    /// The server's TLS key (self-signed mode): planned rotation that agents follow.
    #[command(subcommand)]
    Tls(TlsCommand),
}

#[derive(Debug, Subcommand)]
pub enum TlsCommand {
    /// Make the next TLS key; agents learn its pin at their next check-in. With --activate, put
    /// it in place of the current key: the server serves it from its next restart.
    Rotate {
        /// Switch to the next key made earlier (do this once the agents have checked in since).
        #[arg(long)]
        activate: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum EnrollTokenCommand {
    /// Make a token and print it with the one-line agent install command.
    Create {
        /// The client the devices join.
        #[arg(long, value_name = "NAME")]
        client: String,
        /// The client's site the devices join.
        #[arg(long, value_name = "NAME")]
        site: Option<String>,
        /// How long the token works, e.g. 24h or 7d; default [monitoring] enroll_token_ttl.
        #[arg(long, value_name = "DURATION")]
        ttl: Option<crate::config::HumanDuration>,
        /// How many machines may enroll with it.
        #[arg(long, value_name = "N", default_value_t = 1)]
        uses: i64,
        /// Print exactly one JSON object: {"token": "...", "install_command": "..."}.
        #[arg(long)]
        json: bool,
    },
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
        /// The key stops working after this long, e.g. 90d; default: never.
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<crate::config::HumanDuration>,
        /// Print exactly one JSON object: {"key": "..."}.
        #[arg(long)]
        json: bool,
    },
    /// List the API keys in force (every user's, or one user's), with their last use.
    List {
        /// Only this user's keys ("admin", or their e-mail).
        #[arg(long, value_name = "LOGIN")]
        user: Option<String>,
        /// Print exactly one JSON object: {"items": [...]}.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API key at once, by the id `api-key list` shows.
    Revoke {
        /// The key's id.
        id: i64,
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

//! What a new machine fetches: this server's own executable and the install script that
//! downloads it, enrolls with a token, and installs the systemd unit.

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::install::curl_tls;
use crate::server::state::AppState;

pub use crate::install::binary_name;

/// `GET /download/steward-linux-<arch>`: the running executable, streamed from disk.
pub async fn binary(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    if name != binary_name() {
        let message = format!("This server runs on {} and offers only {}.\n", std::env::consts::ARCH, binary_name());
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response();
    }
    let opened = match std::env::current_exe() {
        Ok(path) => tokio::fs::File::open(path).await,
        Err(e) => Err(e),
    };
    let file = match opened {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "cannot open the running executable for download");
            return (StatusCode::INTERNAL_SERVER_ERROR, "The server cannot read its own executable.\n").into_response();
        }
    };
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, len.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", binary_name())),
        ],
        body,
    )
        .into_response()
}

/// `GET /install.sh`: a POSIX shell script with this server's address and identity filled in.
pub async fn install_script(State(state): State<AppState>) -> Response {
    let identity = state.tls_identity.as_deref();
    let script = INSTALL_TEMPLATE
        .replace("@SERVER@", &state.public_url)
        .replace("@FINGERPRINT@", identity.map_or("", |i| i.fingerprint.as_str()))
        .replace("@CURL_TLS@", &curl_tls(identity))
        .replace("@BINARY@", &binary_name())
        .replace("@VERSION@", crate::VERSION);
    ([(header::CONTENT_TYPE, "text/x-shellscript; charset=utf-8")], script).into_response()
}

const INSTALL_TEMPLATE: &str = r#"#!/bin/sh
# Installs the Steward agent @VERSION@ from @SERVER@ on this machine:
# downloads the executable, enrolls with an enrollment token, and starts the systemd service.
#
#   sh install.sh --token TOKEN [--prefix DIR] [--state-dir DIR] [--no-service]
set -eu

SERVER='@SERVER@'
FINGERPRINT='@FINGERPRINT@'
TOKEN=''
PREFIX=/usr/local/bin
STATE_DIR=/var/lib/steward-agent
SERVICE=1

while [ $# -gt 0 ]; do
  case "$1" in
    --token) TOKEN="${2:?--token needs a value}"; shift 2 ;;
    --prefix) PREFIX="${2:?--prefix needs a value}"; shift 2 ;;
    --state-dir) STATE_DIR="${2:?--state-dir needs a value}"; shift 2 ;;
    --no-service) SERVICE=0; shift ;;
    *) echo "install.sh: unknown option $1 (use --token, --prefix, --state-dir, --no-service)" >&2; exit 2 ;;
  esac
done
[ -n "$TOKEN" ] || { echo "install.sh: --token TOKEN is required (make one in Steward: Devices, Add device)" >&2; exit 2; }
[ "$(uname -s)" = Linux ] || { echo "install.sh: this installer is for Linux" >&2; exit 1; }
command -v curl >/dev/null || { echo "install.sh: curl is needed" >&2; exit 1; }

mkdir -p "$PREFIX"
tmp="$(mktemp "$PREFIX/.steward.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
echo "Downloading the Steward agent from $SERVER ..."
curl -fsSL @CURL_TLS@ -o "$tmp" "$SERVER/download/@BINARY@"
chmod 0755 "$tmp"
mv -f "$tmp" "$PREFIX/steward"
trap - EXIT

if [ -n "$FINGERPRINT" ]; then
  "$PREFIX/steward" agent enroll --server "$SERVER" --token "$TOKEN" --fingerprint "$FINGERPRINT" --state-dir "$STATE_DIR"
else
  case "$SERVER" in
    # The server's own address is plain HTTP (its admin chose that): say so, and allow it.
    http://*) echo "install.sh: warning: $SERVER is plain HTTP; the agent's credentials travel unencrypted" >&2
              "$PREFIX/steward" agent enroll --server "$SERVER" --token "$TOKEN" --insecure-http --state-dir "$STATE_DIR" ;;
    *) "$PREFIX/steward" agent enroll --server "$SERVER" --token "$TOKEN" --state-dir "$STATE_DIR" ;;
  esac
fi

if [ "$SERVICE" = 1 ]; then
  "$PREFIX/steward" agent install --state-dir "$STATE_DIR" --binary "$PREFIX/steward"
fi
echo "The Steward agent is installed."
"#;

//! HTTPS between instances (issue 5): the server's TLS listener and the client's pinned
//! certificate check.
//!
//! - **Server.** `whereabouts serve --tls-cert F --tls-key F` (PEM) wraps the listener:
//!   [`server_config`] reads the files, [`TlsListener`] does the handshakes beside the accept
//!   loop (each bounded in time, at most [`MAX_HANDSHAKES`] at once), so a slow client never holds
//!   up the others.
//! - **Client.** No web certificate authorities are trusted. A peer's certificate is pinned when
//!   the peer is registered (`peer set --url https://… --tls-cert peer.pem`, stored as the
//!   SHA-256 of its DER, [`certificate_pin`]); [`PinnedVerifier`] accepts that certificate and no
//!   other, whatever its names and dates, and still checks the handshake's signature, so the
//!   peer proves it holds the key. A changed certificate is refused until it is compared out of
//!   band and pinned again, like the peer's signing keys.
//! - TLS 1.3 only, rustls with the ring provider.
//!
//! TLS protects what the bundle's own encryption and signatures do not: the request itself
//! (who pushes to whom, sizes, the pull requests) and the server's identity.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::Digest as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};

/// Handshakes in progress at once; more connections wait in the kernel's backlog.
pub const MAX_HANDSHAKES: usize = 256;
/// Time a client has to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a TLS setting cannot be used; each names the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {problem}")]
    File { path: String, problem: String },
    #[error("TLS: {0}")]
    Config(String),
}

fn file_error(path: &Path, problem: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.display().to_string(),
        problem: problem.to_string(),
    }
}

/// `sha256:<hex>` of a certificate's DER: what `peer set` pins.
#[must_use]
pub fn certificate_pin(der: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(der)))
}

/// The certificates of a PEM file, the server's own first.
///
/// # Errors
/// The file cannot be read, is not PEM, or holds no certificate.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(path, format!("not a PEM certificate file: {e}")))?;
    if certificates.is_empty() {
        return Err(file_error(
            path,
            "no certificate in it (expected -----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(certificates)
}

/// The pin of the first certificate of a PEM file (the peer's own).
///
/// # Errors
/// As [`read_certificates`].
pub fn pin_of_file(path: &Path) -> Result<String, TlsError> {
    Ok(certificate_pin(read_certificates(path)?[0].as_ref()))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server's TLS setting, with the pin of its certificate (what peers give `peer set`).
#[derive(Clone, Debug)]
pub struct ServerTls {
    pub config: Arc<rustls::ServerConfig>,
    pub pin: String,
}

/// The server's TLS setting from PEM files: the certificate (chain) and its private key
/// (PKCS#8, PKCS#1 or SEC1).
///
/// # Errors
/// A file that cannot be read or parsed, or a key that does not match the certificate.
pub fn server_config(certificate: &Path, key: &Path) -> Result<ServerTls, TlsError> {
    let chain = read_certificates(certificate)?;
    let pin = certificate_pin(chain[0].as_ref());
    let key_bytes = std::fs::read(key).map_err(|e| file_error(key, e))?;
    let private = PrivateKeyDer::from_pem_slice(&key_bytes)
        .map_err(|e| file_error(key, format!("no private key in it: {e}")))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| {
            file_error(
                key,
                format!("not the key of {}: {e}", certificate.display()),
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ServerTls {
        config: Arc::new(config),
        pin,
    })
}

/// Accepts TCP connections and completes their TLS handshakes in tasks of their own, handing
/// axum only connections whose handshake succeeded. A failed or slow handshake is dropped
/// (and logged at debug level, without the address).
pub struct TlsListener {
    ready: mpsc::Receiver<(tokio_rustls::server::TlsStream<TcpStream>, SocketAddr)>,
    addr: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener`.
    ///
    /// # Errors
    /// The listener has no local address.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (send, ready) = mpsc::channel(64);
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let permits = Arc::new(Semaphore::new(MAX_HANDSHAKES));
        let acceptor = tokio::spawn(async move {
            loop {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    return;
                };
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: wait a moment, as axum does.
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if send.is_closed() {
                    return;
                }
                let acceptor = acceptor.clone();
                let send = send.clone();
                tokio::spawn(async move {
                    let handshake =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
                    drop(permit);
                    match handshake {
                        Ok(Ok(tls)) => {
                            let _ = send.send((tls, peer)).await;
                        }
                        Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self {
            ready,
            addr,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept task only ends when the listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// The peer's certificate did not match its pin.
#[derive(Debug)]
struct PinMismatch {
    presented: String,
    pinned: String,
}

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the peer presented certificate {} but {} is pinned for it; if the peer changed its \
             certificate, compare the new one out of band and pin it with `whereabouts peer set \
             --tls-cert`",
            self.presented, self.pinned
        )
    }
}

impl std::error::Error for PinMismatch {}

/// Accepts exactly the pinned certificates (by the SHA-256 of their DER) and checks the
/// handshake signature against the one presented. Names and validity dates are not checked:
/// the pin is the peer's identity, exchanged out of band like its signing keys. While a peer
/// renews its certificate, two pins are held (the old and the new), both accepted until the
/// old one is removed with `peer set`.
#[derive(Debug)]
pub struct PinnedVerifier {
    pins: Vec<String>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    /// `pin`: one pin, or two separated by white space (as a peer's setting keeps them).
    #[must_use]
    pub fn new(pin: &str) -> Self {
        Self {
            pins: pin.split_whitespace().map(str::to_owned).collect(),
            algorithms: provider().signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = certificate_pin(end_entity.as_ref());
        if self.pins.contains(&presented) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(Arc::new(PinMismatch {
                    presented,
                    pinned: self.pins.join(" or "),
                }))),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // The client offers TLS 1.3 only.
        Err(rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::Tls12NotOffered,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A failed client handshake in words: the pin mismatch as [`PinnedVerifier`] wrote it (rustls
/// shows an application's own certificate error with its debug form), anything else as rustls
/// says it.
#[must_use]
pub fn handshake_failure(error: &std::io::Error) -> String {
    if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return format!("invalid peer certificate: {}", other.0);
    }
    error.to_string()
}

/// A client connector that trusts `pin` (one pin, or two separated by white space) and
/// nothing else.
///
/// # Errors
/// The ring provider refuses TLS 1.3 (it does not).
pub fn pinned_connector(pin: &str) -> Result<tokio_rustls::TlsConnector, TlsError> {
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(pin)))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_the_sha256_of_the_der() {
        assert_eq!(
            certificate_pin(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "hello\n").unwrap();
        let error = read_certificates(&empty).unwrap_err().to_string();
        assert!(error.contains("empty.pem: no certificate"), "{error}");
        let missing = dir.path().join("missing.pem");
        let error = pin_of_file(&missing).unwrap_err().to_string();
        assert!(error.contains("missing.pem"), "{error}");
    }
}

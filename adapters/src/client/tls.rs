//! `ssl:` remotes: TLS with the PEM files an OVS daemon is given (`-p` private key,
//! `-c` certificate, `-C` CA certificate).
//!
//! As in OVS, the server is authenticated by its certificate chaining to the CA
//! certificate; the name in the certificate is not compared with the remote's address
//! (OVS PKI certificates name a switch or controller, not a host). The client presents
//! its own certificate, which `ovsdb-server` requires.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::jsonrpc::Error;

/// The three PEM files of an SSL configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub private_key: PathBuf,
    pub certificate: PathBuf,
    pub ca_cert: PathBuf,
}

/// Reads the PEM files into a client configuration; the error names the file at fault.
pub fn client_config(files: &TlsFiles) -> Result<Arc<rustls::ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for ca in certs(&files.ca_cert)? {
        roots.add(ca).map_err(|e| {
            Error::Io(format!(
                "{}: not a usable CA certificate: {e}",
                files.ca_cert.display()
            ))
        })?;
    }
    let chain = certs(&files.certificate)?;
    let key = PrivateKeyDer::from_pem_file(&files.private_key).map_err(|e| {
        Error::Io(format!(
            "{}: cannot read private key: {e}",
            files.private_key.display()
        ))
    })?;
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| Error::Io(format!("{}: {e}", files.ca_cert.display())))?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Io(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(CaOnly(inner)))
        .with_client_auth_cert(chain, key)
        .map_err(|e| {
            Error::Io(format!(
                "{} and {} do not match: {e}",
                files.certificate.display(),
                files.private_key.display()
            ))
        })?;
    Ok(Arc::new(config))
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let bad = |e: &dyn std::fmt::Display| {
        Error::Io(format!("{}: cannot read certificate: {e}", path.display()))
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&e))?;
    if certs.is_empty() {
        return Err(bad(&"no certificate in file"));
    }
    Ok(certs)
}

/// Runs the TLS handshake on a connected socket.
pub(crate) async fn handshake(
    config: &Arc<rustls::ClientConfig>,
    remote: &str,
    addr: &str,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, Error> {
    let ip = super::jsonrpc::parse_addr(addr)
        .ok_or_else(|| Error::Io(format!("{remote}: bad address")))?
        .ip();
    let connector = tokio_rustls::TlsConnector::from(config.clone());
    connector
        .connect(ServerName::IpAddress(ip.into()), tcp)
        .await
        .map_err(|e| Error::Io(format!("{remote}: SSL handshake failed: {e}")))
}

/// Chain validation against the CA, without host-name matching.
#[derive(Debug)]
struct CaOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for CaOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The chain is checked before the name: a name error means the chain was good.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            r => r,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

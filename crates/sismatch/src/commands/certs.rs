//! `sismatch certs`: a local certificate authority and certificates for a demo federation, so
//! that mutual TLS can be tried without any PKI. Not for production: a national deployment
//! uses its own PKI and only the names (certificate subjects) matter to sismatch.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// Arguments of `sismatch certs`.
#[derive(Debug, Args)]
pub struct CertsArgs {
    /// Folder to write `ca.pem`, `ca.key` and `NAME.pem`, `NAME.key` per name into (created).
    #[arg(long)]
    out: PathBuf,
    /// The identities to certify (`node-nl`, `core`, `politie-nl`, `garage-jansen`): each
    /// certificate's subject common name, usable as a server (valid for NAME, `localhost`
    /// and 127.0.0.1) and as a client.
    #[arg(required = true)]
    names: Vec<String>,
}

fn write(folder: &Path, file: &str, contents: &str) -> Result<()> {
    let path = folder.join(file);
    std::fs::write(&path, contents).with_context(|| format!("cannot write {}", path.display()))
}

impl CertsArgs {
    /// Makes the authority and the certificates.
    pub fn run(self) -> Result<()> {
        write_certificates(&self.out, &self.names)?;
        println!(
            "wrote ca.pem and {} certificates to {}",
            self.names.len(),
            self.out.display()
        );
        Ok(())
    }
}

/// Writes a new local authority (`ca.pem`, `ca.key`) and a certificate and key per name
/// (`NAME.pem`, `NAME.key`) into `out`, created when missing. Also the demo's, for its
/// manufacturer partner and the police entry of its core.
pub fn write_certificates(out: &Path, names: &[String]) -> Result<()> {
    for name in names {
        let safe = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !safe {
            bail!("name '{name}': use letters, digits, '-', '_' and '.' only");
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "sismatch local demo CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key)?;
    write(out, "ca.pem", &ca_cert.pem())?;
    write(out, "ca.key", &ca_key.serialize_pem())?;
    let issuer = Issuer::new(ca, ca_key);
    for name in names {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec![
            name.clone(),
            "localhost".to_string(),
            "127.0.0.1".to_string(),
        ])?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let cert = params.signed_by(&key, &issuer)?;
        write(out, &format!("{name}.pem"), &cert.pem())?;
        write(out, &format!("{name}.key"), &key.serialize_pem())?;
    }
    Ok(())
}

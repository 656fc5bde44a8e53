//! The serving certificate: read from PEM files, turned into a rustls configuration (ring
//! provider, HTTP/1.1), and its expiry read from the certificate itself.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// A loaded certificate and key.
pub struct Loaded {
    pub config: Arc<ServerConfig>,
    /// Unix time at which the leaf certificate expires (0 when it cannot be read).
    pub not_after: i64,
    /// The bytes of both files, to tell when they change.
    pub fingerprint: Vec<u8>,
}

/// Reads `cert` (a PEM chain, leaf first) and `key` (a PEM private key).
pub fn load(cert: &Path, key: &Path) -> anyhow::Result<Loaded> {
    use anyhow::Context;
    let cert_pem =
        std::fs::read(cert).with_context(|| format!("reading certificate {}", cert.display()))?;
    let key_pem = std::fs::read(key).with_context(|| format!("reading key {}", key.display()))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading certificate {}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("{} holds no PEM certificate", cert.display());
    }
    let private = PrivateKeyDer::from_pem_slice(&key_pem)
        .with_context(|| format!("reading key {}", key.display()))?;
    let not_after = chain.first().and_then(|c| not_after(c)).unwrap_or(0);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("setting up TLS")?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .with_context(|| {
            format!(
                "the key {} does not fit the certificate {}",
                key.display(),
                cert.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut fingerprint = cert_pem;
    fingerprint.extend_from_slice(&key_pem);
    Ok(Loaded {
        config: Arc::new(config),
        not_after,
        fingerprint,
    })
}

/// One DER element: (tag, content, rest).
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The `notAfter` of a certificate, as Unix time.
fn not_after(cert: &[u8]) -> Option<i64> {
    let (_, certificate, _) = element(cert)?;
    let (_, tbs, _) = element(certificate)?;
    let mut rest = tbs;
    // An explicit version is tagged [0].
    let (tag, _, after) = element(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    // serialNumber, signature, issuer, then validity.
    for _ in 0..3 {
        rest = element(rest)?.2;
    }
    let (_, validity, _) = element(rest)?;
    let (_, _, after_not_before) = element(validity)?;
    let (tag, time, _) = element(after_not_before)?;
    let text = std::str::from_utf8(time).ok()?;
    let digits = |s: &str| s.parse::<i64>().ok();
    let (year, rest) = match tag {
        // UTCTime: YYMMDDHHMMSSZ
        0x17 => {
            let yy = digits(text.get(0..2)?)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        // GeneralizedTime: YYYYMMDDHHMMSSZ
        0x18 => (digits(text.get(0..4)?)?, text.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| digits(rest.get(i..i + 2)?);
    let days = days_from_civil(year, field(0)?, field(2)?);
    Some(days * 86_400 + field(4)? * 3600 + field(6)? * 60 + field(8)?)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 12, 1), 20_788);
    }

    #[test]
    fn malformed_der_reads_as_nothing() {
        assert_eq!(not_after(&[]), None);
        assert_eq!(not_after(&[0x30, 0x85, 1, 2]), None);
        assert_eq!(not_after(&[0x30, 0x03, 0x30, 0x01]), None);
    }
}

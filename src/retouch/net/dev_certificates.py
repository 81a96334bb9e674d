"""A local certificate authority for `retouch serve --tls-self-signed`.

The official fal client only speaks https, so trying it against a local server needs a certificate the client
trusts. This makes one without any other tool: a CA created once in the data directory (its key never leaves it,
mode 0600) signs a server certificate for the loopback names and the address the server listens on. The client
then trusts the CA alone through ``SSL_CERT_FILE``. For production, give Retouch a real certificate instead
(``--tls-certfile/--tls-keyfile``).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_CA_DAYS = 3650
_SERVER_DAYS = 397
_RENEW_BEFORE = datetime.timedelta(days=30)


@dataclass(frozen=True)
class DevCertificates:
    ca: Path  # what clients trust: SSL_CERT_FILE
    cert: Path
    key: Path


def ensure_dev_certificates(directory: Path, hosts: list[str]) -> DevCertificates:
    """The CA and a server certificate covering ``hosts`` and the loopback names; reused while valid and covering,
    otherwise the server certificate is issued again (the CA stays, so clients keep trusting it)."""
    directory.mkdir(parents=True, exist_ok=True)
    names = sorted({*LOOPBACK_NAMES, *(h for h in hosts if h and h not in ("0.0.0.0", "::"))})
    found = DevCertificates(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    ca_key_path = directory / "ca-key.pem"
    if not (found.ca.exists() and ca_key_path.exists()):
        _write_ca(found.ca, ca_key_path)
    if not _covers(found.cert, names):
        ca_cert = x509.load_pem_x509_certificate(found.ca.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
        _write_server(found, ca_cert, ca_key, names)
    return found


def _write_ca(cert_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Retouch local development CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_server(
    paths: DevCertificates, ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, names: list[str]
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(paths.key, key)
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _covers(cert_path: Path, names: list[str]) -> bool:
    if not cert_path.exists():
        return False
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        listed = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    have = {str(v) for v in listed.get_values_for_type(x509.DNSName)}
    have |= {str(v) for v in listed.get_values_for_type(x509.IPAddress)}
    fresh = cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > _RENEW_BEFORE
    return fresh and all(str(_normalised(n)) in have for n in names)


def _normalised(name: str) -> object:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return name


def _general_name(name: str) -> x509.GeneralName:
    value = _normalised(name)
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return x509.IPAddress(value)
    return x509.DNSName(name)


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)

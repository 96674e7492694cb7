"""A throwaway certificate authority and a server certificate for 127.0.0.1, made at start.

``trustme`` (the ``bench`` extra) makes them when it is installed. Without it (CI installs
only the ``dev`` extra) the same two certificates are made with ``cryptography``, which
``dev`` has, so the TLS scenarios still run in the quick pass. Nothing is written outside
the directory the driver gives, which it deletes at the end.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path
from typing import NamedTuple

KEY_TYPES = ("ecdsa", "rsa")


class Certificates(NamedTuple):
    """Where the PEM files are, and how they were made."""

    ca: Path
    """The CA certificate: what clients trust."""
    chain: Path
    """The server certificate followed by the CA (what the server presents)."""
    key: Path
    """The server's private key."""
    key_type: str
    """``ecdsa`` (P-256) or ``rsa`` (2048 bits)."""
    maker: str
    """``trustme`` or ``cryptography``."""


def make_certificates(directory: Path, key_type: str = "ecdsa") -> Certificates:
    """Write a fresh CA and a server certificate for ``127.0.0.1`` into ``directory``."""
    if key_type not in KEY_TYPES:
        raise ValueError(f"key_type must be one of {', '.join(KEY_TYPES)}")
    directory.mkdir(parents=True, exist_ok=True)
    paths = (directory / "ca.pem", directory / "server-chain.pem", directory / "server-key.pem")
    try:
        import trustme
    except ImportError:
        maker = "cryptography"
        _with_cryptography(*paths, key_type)
    else:
        maker = "trustme"
        kind = trustme.KeyType.ECDSA if key_type == "ecdsa" else trustme.KeyType.RSA
        ca = trustme.CA(key_type=kind)
        leaf = ca.issue_cert("127.0.0.1", key_type=kind)
        ca.cert_pem.write_to_path(str(paths[0]))
        with paths[1].open("wb") as f:
            for blob in leaf.cert_chain_pems:
                f.write(blob.bytes())
            f.write(ca.cert_pem.bytes())
        leaf.private_key_pem.write_to_path(str(paths[2]))
    return Certificates(*paths, key_type=key_type, maker=maker)


def _with_cryptography(ca_path: Path, chain_path: Path, key_path: Path, key_type: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def new_key() -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
        if key_type == "ecdsa":
            return ec.generate_private_key(ec.SECP256R1())
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
    ca_key = new_key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "benchmark CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = new_key()
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_path.write_bytes(ca_cert.public_bytes(pem))
    chain_path.write_bytes(leaf_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    key_path.write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def client_context(ca: Path | str) -> ssl.SSLContext:
    """A verifying client context that trusts ``ca`` (and nothing else)."""
    return ssl.create_default_context(cafile=str(ca))


def server_context(certificates: Certificates) -> ssl.SSLContext:
    """The server's context: its chain and key."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(certificates.chain), str(certificates.key))
    return ctx


def system_bundle() -> Path | None:
    """The system's CA bundle file, when there is one."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    try:
        import certifi
    except ImportError:
        return None
    return Path(certifi.where())


def cold_start_bundle(directory: Path, ca: Path) -> tuple[Path, int]:
    """The system's CA bundle with our CA appended; its path and size in bytes.

    Cold starts run with ``SSL_CERT_FILE`` pointing here, so each client builds its default
    context the way it does in production (aiohttp at import, httpx per client) from a
    bundle of production size, and the throwaway CA is one of the trusted roots.
    """
    system = system_bundle()
    blob = (system.read_bytes() if system is not None else b"") + b"\n" + ca.read_bytes()
    path = directory / "bundle.pem"
    path.write_bytes(blob)
    return path, len(blob)

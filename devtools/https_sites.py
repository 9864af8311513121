"""Our site and a partner's site over HTTPS on this machine — nginx with a certificate made here —
for the widget as a merchant meets it: the chat in a frame of another site, where browsers treat
our cookie as a third-party one.

Two sites, not two ports of one: https://127.0.0.1:<ours> (the stack behind nginx) and
https://localhost:<partner> (a page with the widget's one tag). Tests only: the certificate is
self-signed and the browser is told to accept it.
"""

from __future__ import annotations

import datetime
import ipaddress
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from devtools.cluster import NGINX
from devtools.stack import stop, wait_until_ready

NGINX_CONF = """\
# Written by devtools/https_sites.py for a test.
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp/body;
  proxy_temp_path {dir}/tmp/proxy;
  fastcgi_temp_path {dir}/tmp/fastcgi;
  uwsgi_temp_path {dir}/tmp/uwsgi;
  scgi_temp_path {dir}/tmp/scgi;
  types {{ text/html html; application/javascript js; }}
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  ssl_certificate {dir}/site.crt;
  ssl_certificate_key {dir}/site.key;

  server {{  # ours
    listen 127.0.0.1:{ours_port} ssl;
    location / {{
      proxy_pass {upstream};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 120s;
    }}
  }}

  server {{  # the partner's: one page, written here (nginx's workers may not read a test's files)
    listen 127.0.0.1:{partner_port} ssl;
    location = / {{
      default_type "text/html; charset=utf-8";
      return 200 '{partner_page}';
    }}
  }}
}}
"""

PARTNER_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>某商户服务网站</title></head>
<body><h1>某商户服务网站</h1><p>合作网站的页面：右下角是注销助手的窗口按钮。</p>
<script src="{ours}/static/widget.js"></script></body></html>
"""


@dataclass(frozen=True)
class HttpsSites:
    ours: str  # https://127.0.0.1:<port>
    partner: str  # https://localhost:<port>/ : the partner's page with the widget


def _certificate(directory: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "zhuxiao test sites")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (directory / "site.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (directory / "site.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


@contextmanager
def https_sites(directory: Path, upstream: str, ours_port: int, partner_port: int) -> Iterator[HttpsSites]:
    """nginx in front of `upstream` (the stack) as our site, beside a partner's page, until the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tmp").mkdir(exist_ok=True)
    _certificate(directory)
    sites = HttpsSites(f"https://127.0.0.1:{ours_port}", f"https://localhost:{partner_port}/")
    page = PARTNER_PAGE.format(ours=sites.ours)
    conf = directory / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            dir=directory, ours_port=ours_port, partner_port=partner_port, upstream=upstream, partner_page=page
        ),
        encoding="utf-8",
    )
    log = directory / "nginx.log"
    nginx = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(directory)], stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        wait_until_ready(f"{sites.ours}/healthz", nginx, log, lambda r: r.ok, verify=False)
        yield sites
    finally:
        stop(nginx)

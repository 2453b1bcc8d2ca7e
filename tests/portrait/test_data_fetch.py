"""`portrait data fetch` against a local HTTP server: resume, truncation, checksums, zips, mirrors, no network."""

import hashlib
import io
import re
import socket
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import yaml

from geodata.errors import InputError
from portrait.fetch import fetch, load_downloads
from tests.portrait.test_cli_indicators import assert_one_line_error, run

PAYLOAD = b"".join(b"%06d;%s\n" % (n, b"x" * 60) for n in range(20000))  # ~1.3 MB, several reads
TABLE = "CODGEO;NBMENFISC21;TP6021\n93001;100;30,0\n94002;200;12,0\n1001;50;8,0\n93066;300;35,0\n"


class Handler(BaseHTTPRequestHandler):
    """Serves `server.files` by name; honours Range unless `server.ranges` is False; cuts `server.truncate` in half."""

    timeout = 10  # a stuck client cannot hold the test server

    def do_GET(self):
        server = self.server
        name = self.path.rsplit("/", 1)[-1]
        server.requests.append((self.path, self.headers.get("Range")))
        body = server.files.get(name)
        if body is None:
            self.send_error(404)
            return
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match and server.ranges:
            start = int(match.group(1))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if name in server.truncate:
            payload = payload[: len(payload) // 2]
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    httpd.files, httpd.truncate, httpd.ranges, httpd.requests = {}, set(), True, []
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_port}/fr/statistiques/fichier/123"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)
    assert not thread.is_alive()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def downloads_file(tmp_path, *entries):
    defaults = {
        "family": "filosofi",
        "vintage": 2021,
        "archive": "plain",
        "sha256": None,
        "licence": "Licence Ouverte / Open Licence, Insee",
    }
    path = tmp_path / "downloads.yaml"
    path.write_text(
        yaml.safe_dump({"downloads": [{**defaults, **e} for e in entries]}), encoding="utf-8"
    )
    return path


def plain(server_or_base, name="table.csv", **extra):
    base = server_or_base if isinstance(server_or_base, str) else server_or_base.base
    return {"id": "table", "url": f"{base}/{name}", "files": [name], **extra}


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def get(tmp_path, downloads, **kwargs):
    lines = []
    written = fetch(downloads, tmp_path / "data", log=lines.append, timeout=10, **kwargs)
    return written, lines


def leftovers(directory):
    return sorted(p.name for p in directory.rglob("*") if p.name.endswith((".part", ".tmp")))


def test_normal_download(server, tmp_path):
    server.files["table.csv"] = PAYLOAD
    written, lines = get(tmp_path, downloads_file(tmp_path, plain(server)))
    assert written == [tmp_path / "data" / "table" / "table.csv"]
    assert written[0].read_bytes() == PAYLOAD
    assert leftovers(tmp_path / "data") == []
    assert server.requests == [("/fr/statistiques/fichier/123/table.csv", None)]
    assert any("table.csv" in line and "complet" in line for line in lines)
    again, lines = get(tmp_path, downloads_file(tmp_path, plain(server)))
    assert again == written and len(server.requests) == 1 and "déjà présent" in lines[1]


def test_resumed_download_uses_a_range_request(server, tmp_path):
    server.files["table.csv"] = PAYLOAD
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table.csv.part").write_bytes(PAYLOAD[:500_000])
    written, lines = get(tmp_path, downloads_file(tmp_path, plain(server)))
    assert server.requests == [("/fr/statistiques/fichier/123/table.csv", "bytes=500000-")]
    assert written[0].read_bytes() == PAYLOAD
    assert any("repris à 500000 octets" in line for line in lines)
    assert leftovers(tmp_path / "data") == []


def test_server_without_ranges_restarts_from_zero(server, tmp_path):
    server.files["table.csv"] = PAYLOAD
    server.ranges = False
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table.csv.part").write_bytes(b"stale bytes that must not stay")
    written, _ = get(tmp_path, downloads_file(tmp_path, plain(server)))
    assert written[0].read_bytes() == PAYLOAD


def test_truncated_transfer_leaves_no_file_then_resumes(server, tmp_path):
    server.files["table.csv"] = PAYLOAD
    server.truncate.add("table.csv")
    downloads = downloads_file(tmp_path, plain(server))
    with pytest.raises(InputError) as error:
        get(tmp_path, downloads)
    assert "transfer interrupted after" in str(error.value) and f"of {len(PAYLOAD)} bytes" in str(
        error.value
    )
    assert "table.csv.part" in str(error.value)
    assert not (tmp_path / "data" / "table" / "table.csv").exists()
    assert 0 < (tmp_path / "data" / "table.csv.part").stat().st_size < len(PAYLOAD)
    server.truncate.clear()
    written, _ = get(tmp_path, downloads)
    assert server.requests[-1][1] is not None  # the second run resumed
    assert written[0].read_bytes() == PAYLOAD


def test_wrong_checksum_deletes_the_download(server, tmp_path):
    server.files["table.csv"] = PAYLOAD
    expected = hashlib.sha256(b"another file").hexdigest()
    downloads = downloads_file(tmp_path, plain(server, sha256=expected))
    with pytest.raises(InputError) as error:
        get(tmp_path, downloads)
    message = str(error.value)
    assert (
        "table.csv" in message
        and expected in message
        and hashlib.sha256(PAYLOAD).hexdigest() in message
    )
    assert "\n" not in message
    assert not (tmp_path / "data" / "table" / "table.csv").exists()
    assert leftovers(tmp_path / "data") == []


def test_right_checksum_passes(server, tmp_path):
    server.files["table.csv"] = PAYLOAD
    written, _ = get(
        tmp_path,
        downloads_file(tmp_path, plain(server, sha256=hashlib.sha256(PAYLOAD).hexdigest().upper())),
    )
    assert written[0].read_bytes() == PAYLOAD


def test_zip_unpacked_with_one_departement_kept(server, tmp_path):
    server.files["base_CSV.zip"] = zipped(
        {
            "cc_2021_COM.csv": TABLE,
            "sub/cc_2021_DEP.csv": "CODGEO;TP6021\n93;28,4\n",
            "meta_cc_2021.csv": "COD_VAR;LIB_VAR\n",
        }
    )
    entry = {
        "id": "filosofi-2021",
        "url": f"{server.base}/base_CSV.zip",
        "archive": "zip",
        "files": ["cc_2021_COM.csv", "cc_2021_DEP.csv"],
        "filter": {"column": "CODGEO", "files": ["cc_2021_COM.csv"]},
    }
    written, _ = get(tmp_path, downloads_file(tmp_path, entry), dept="93")
    folder = tmp_path / "data" / "filosofi-2021"
    assert sorted(p.name for p in folder.iterdir()) == ["cc_2021_COM.csv", "cc_2021_DEP.csv"]
    assert (
        folder / "cc_2021_COM.csv"
    ).read_text() == "CODGEO;NBMENFISC21;TP6021\n93001;100;30,0\n93066;300;35,0\n"
    assert (folder / "cc_2021_DEP.csv").read_text() == "CODGEO;TP6021\n93;28,4\n"
    assert leftovers(tmp_path / "data") == [] and not (tmp_path / "data" / "base_CSV.zip").exists()
    everything, _ = get(tmp_path / "all", downloads_file(tmp_path, entry))
    assert everything[0].read_text() == TABLE  # without --dept every row is kept


@pytest.mark.parametrize("member", ["../evil.csv", "/etc/evil.csv", "a/../../evil.csv"])
def test_zip_with_a_member_outside_its_folder_is_refused(server, tmp_path, member):
    server.files["bad.zip"] = zipped({"ok.csv": TABLE, member: "pwned"})
    entry = {"id": "bad", "url": f"{server.base}/bad.zip", "archive": "zip", "files": ["ok.csv"]}
    with pytest.raises(InputError, match="refused"):
        get(tmp_path, downloads_file(tmp_path, entry))
    assert (
        not list(tmp_path.rglob("evil.csv")) and not (tmp_path / "data" / "bad" / "ok.csv").exists()
    )
    assert leftovers(tmp_path / "data") == []


def test_zip_without_the_expected_file(server, tmp_path):
    server.files["base.zip"] = zipped({"other.csv": TABLE})
    entry = {
        "id": "base",
        "url": f"{server.base}/base.zip",
        "archive": "zip",
        "files": ["cc_2021_COM.csv"],
    }
    with pytest.raises(InputError, match="no file cc_2021_COM.csv in the archive"):
        get(tmp_path, downloads_file(tmp_path, entry))


def test_mirror_directory_replaces_the_publisher(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "table.csv").write_bytes(PAYLOAD)
    unreachable = f"http://127.0.0.1:{closed_port()}/fichier"
    written, lines = get(tmp_path, downloads_file(tmp_path, plain(unreachable)), mirror=str(mirror))
    assert written[0].read_bytes() == PAYLOAD
    assert str(mirror) in lines[0]


def test_mirror_url_replaces_the_publisher(server, tmp_path):
    server.files["table.csv"] = PAYLOAD
    unreachable = f"http://127.0.0.1:{closed_port()}/fichier"
    written, _ = get(
        tmp_path,
        downloads_file(tmp_path, plain(unreachable)),
        mirror=f"http://127.0.0.1:{server.server_port}/copie/",
    )
    assert written[0].read_bytes() == PAYLOAD
    assert server.requests == [("/copie/table.csv", None)]


def test_mirror_without_the_file(tmp_path):
    (tmp_path / "mirror").mkdir()
    with pytest.raises(InputError, match="not in the mirror directory"):
        get(
            tmp_path,
            downloads_file(tmp_path, plain("https://www.insee.fr/fichier")),
            mirror=str(tmp_path / "mirror"),
        )


def test_unreachable_address_gives_one_line_error(tmp_path):
    port = closed_port()
    downloads = downloads_file(tmp_path, plain(f"http://127.0.0.1:{port}/fichier"))
    with pytest.raises(InputError) as error:
        get(tmp_path, downloads)
    message = str(error.value)
    assert message.startswith(f"cannot reach 127.0.0.1:{port}: ")
    assert (
        message.endswith("; use --mirror DIR_OR_URL to fetch from a local copy")
        and "\n" not in message
    )
    assert leftovers(tmp_path) == [] and not list((tmp_path / "data").rglob("*.csv"))
    result = run("data", "fetch", "--downloads", str(downloads), "--dest", str(tmp_path / "cli"))
    assert_one_line_error(result, f"error: cannot reach 127.0.0.1:{port}", "--mirror")


def test_silent_server_times_out_with_the_same_error(tmp_path):
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        downloads = downloads_file(tmp_path, plain(f"http://127.0.0.1:{port}/fichier"))
        with pytest.raises(
            InputError, match=rf"^cannot reach 127.0.0.1:{port}: .*timed out.* ; use --mirror"
        ):
            fetch(downloads, tmp_path / "data", log=lambda line: None, timeout=1)
    assert not (tmp_path / "data" / "table" / "table.csv").exists()


def test_unwritable_destination_is_one_line(server, tmp_path):
    server.files["table.csv"] = PAYLOAD
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table").write_text("a file where the entry's folder goes")
    with pytest.raises(InputError, match="cannot write"):
        get(tmp_path, downloads_file(tmp_path, plain(server)))


def test_http_error_names_the_address(server, tmp_path):
    with pytest.raises(InputError, match="HTTP 404"):
        get(tmp_path, downloads_file(tmp_path, plain(server, "absent.csv")))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"archive": "rar"}, "archive must be one of zip, plain"),
        ({"sha256": "abc"}, "sha256 must be 64 hexadecimal digits"),
        ({"files": ["../x.csv"]}, "plain file names"),
        ({"url": "ftp://example.org/x.csv"}, "http(s) address"),
        ({"filter": {"column": "CODGEO", "files": ["other.csv"]}}, "filter needs"),
        ({"licence": None}, "missing licence"),
    ],
)
def test_bad_downloads_file(tmp_path, change, message):
    path = downloads_file(tmp_path, {**plain("https://www.insee.fr/fichier"), **change})
    with pytest.raises(InputError) as error:
        load_downloads(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_shipped_downloads_file_is_valid():
    entries = load_downloads()
    assert entries and len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert entry.url.startswith(
            ("https://www.insee.fr/fr/statistiques/fichier/", "https://data.geopf.fr/")
        )
        assert entry.licence and entry.files
        from indicators.sources import source_meta

        assert entry.family in source_meta()

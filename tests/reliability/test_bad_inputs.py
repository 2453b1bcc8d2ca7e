"""A corpus of bad inputs, one case each, run through the `portrait` command as a user would.

A file that cannot be used gives exactly one line `error: <file>: <where>: <what is wrong>: <what to
do>`, exit code 1 and no traceback, and a failed build leaves the earlier output byte for byte.
A file that is only awkward (leading zeros dropped, Latin-1, UTF-16, decimal commas, quoted
separators, blanks) loads with the right values. Data that loads but cannot be true gives a
`warning:` line and the commune keeps its portrait.

Negative counts are an error, not a warning: a count below zero can only be a corrupted or
misread cell, and a portrait must not show it.
"""

import json
import os
import shutil
import warnings
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import pytest
import reliability_fakes as fakes
import shapely
from reliability_fakes import BOUNDARIES, CODES, COMPARATEUR, FILOSOFI

HEADER = fakes.filosofi_text().splitlines()[0]
POVERTY_2A002 = "\n2A002;200;500;21000;11,0;11,1;"  # up to TP6021 of 2A002
FIELDS = HEADER.count(";") + 1


# ---------------------------------------------------------------- mutations of a good data directory


def write(name, content, encoding="utf-8"):
    def mutate(root):
        (root / name).write_bytes(
            content if isinstance(content, bytes) else content.encode(encoding)
        )

    return mutate


def edit(name, old, new):
    def mutate(root):
        text = (root / name).read_text(encoding="utf-8")
        assert old in text, old
        (root / name).write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def cut(name, after):
    """Keep a file up to the end of the first occurrence of `after`, as an interrupted download does."""

    def mutate(root):
        text = (root / name).read_text(encoding="utf-8")
        (root / name).write_text(text[: text.index(after) + len(after)], encoding="utf-8")

    return mutate


def geojson(*features, **members):
    return json.dumps({"type": "FeatureCollection", "features": list(features), **members})


def metres_shapefile(root):
    """A Shapefile without .prj whose coordinates are Lambert-93 metres: nothing says so."""
    (root / BOUNDARIES).unlink()
    frame = gpd.GeoDataFrame(
        {"code": ["2A001"], "nom": ["Commune 0"]},
        geometry=[shapely.box(1200000, 6100000, 1201000, 6101000)],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_file(root / "communes-2A.shp", engine="pyogrio")


def copy_table(root):
    shutil.copy(root / FILOSOFI, root / "cc_filosofi_2021_COM (1).csv")


POLYGON = {"type": "Polygon", "coordinates": fakes.square(0)}
FLAT = [[[8, 41], [9, 42], [10, 43], [8, 41]]]
NOT_LONLAT = (
    "coordinates are not longitude/latitude (x 1200000 to 1201000, y 6100000 to 6101000) and the file declares no projected CRS: "
    "add a .prj or a crs member (e.g. EPSG:2154 for Lambert-93), or convert it to WGS84"
)
CUT_LINE = f"line 5: 3 fields where the header has {FIELDS} (the file is cut, or a value holds an unquoted ';'): download it again or fix the line"

# id, mutation, expected error with {root} for the data directory, extra arguments
ERRORS = [
    (
        "empty_file",
        write(FILOSOFI, ""),
        f"{{root}}/{FILOSOFI}: empty file: download it again, or remove it from the data directory",
    ),
    (
        "header_only",
        write(FILOSOFI, HEADER + "\n"),
        f"{{root}}/{FILOSOFI}: header only, no data rows: the export or download failed, get the file again",
    ),
    (
        "column_missing",
        write(FILOSOFI, "CODGEO;NBMENFISC21;MED21\n2A001;100;20000\n"),
        f"{{root}}/{FILOSOFI}: looks like a filosofi table but has no TP6021 column (add it, or remove the file)",
    ),
    (
        "column_renamed_by_a_new_vintage",
        edit(FILOSOFI, "MED21", "MEDIANE21"),
        f"{{root}}/{FILOSOFI}: looks like a filosofi table but has no MED21 column (found MEDIANE21: renamed by a new vintage? rename it MED21)",
    ),
    (
        "duplicated_commune_code",
        edit(FILOSOFI, "\n2A002;", "\n2A001;"),
        f"{{root}}/{FILOSOFI}: line 3: duplicate code 2A001 in column CODGEO (already on line 2; 1 duplicated row(s)): "
        "each territory must appear once, remove the extra rows",
    ),
    (
        "negative_count",
        edit(COMPARATEUR, "\n2A002;2000;", "\n2A002;-2000;"),
        f"{{root}}/{COMPARATEUR}: line 3, column P22_POP: '-2000' is a negative count: correct it, or write s / nd to mark it missing",
    ),
    (
        "text_in_a_number_column",
        edit(FILOSOFI, "\n2A003;300;", "\n2A003;trois cents;"),
        f"{{root}}/{FILOSOFI}: line 4, column NBMENFISC21: 'trois cents' is not a number (expected a number, or s / nd / empty for a missing value)",
    ),
    ("csv_cut_mid_line", cut(FILOSOFI, "\n2A004;400;1000"), f"{{root}}/{FILOSOFI}: {CUT_LINE}"),
    (
        "csv_cut_inside_a_quoted_value",
        write(FILOSOFI, HEADER + '\n2A001;"100'),
        f"{{root}}/{FILOSOFI}: line 2: malformed CSV (unexpected end of data): the file is cut or a quote is not closed",
    ),
    (
        "unquoted_separator_in_a_value",
        edit(FILOSOFI, "\n2A002;200;", "\n2A002;2;00;"),
        f"{{root}}/{FILOSOFI}: line 3: {FIELDS + 1} fields where the header has {FIELDS} (the file is cut, or a value holds an unquoted ';'): "
        "download it again or fix the line",
    ),
    (
        "duplicated_column",
        edit(FILOSOFI, "D921;RD21", "D921;D921"),
        f"{{root}}/{FILOSOFI}: column D921 appears twice in the header (columns {FIELDS - 1} and {FIELDS}): remove one",
    ),
    (
        "zip_archive_named_csv",
        write(FILOSOFI, b"PK\x03\x04\x14\x00\x00\x00\x08\x00cc_filosofi"),
        f"{{root}}/{FILOSOFI}: binary file, not a CSV text table (a ZIP archive: unzip it)",
    ),
    (
        "empty_commune_code",
        edit(FILOSOFI, "\n2A003;", "\n;"),
        f"{{root}}/{FILOSOFI}: line 4: empty CODGEO (every row needs the code of its territory)",
    ),
    (
        "second_copy_of_a_table",
        copy_table,
        f"{{root}}/{FILOSOFI}: territory 2A001 is also in {{root}}/cc_filosofi_2021_COM (1).csv: two files of the same source "
        "and vintage give it twice, remove it from one of them",
    ),
    (
        "geojson_bare_geometry",
        write(BOUNDARIES, json.dumps(POLYGON)),
        f"{{root}}/{BOUNDARIES}: a boundary GeoJSON is a FeatureCollection (or one Feature) whose features carry a code, this file is a Polygon: "
        "export the layer as a FeatureCollection",
    ),
    (
        "topojson_named_geojson",
        write(BOUNDARIES, json.dumps({"type": "Topology", "objects": {}, "arcs": []})),
        f"{{root}}/{BOUNDARIES}: a boundary GeoJSON is a FeatureCollection (or one Feature) whose features carry a code, this file is a Topology: "
        "export the layer as a FeatureCollection",
    ),
    (
        "geojson_cut_mid_way",
        cut(BOUNDARIES, '"nom": "Commune 1'),
        f"{{root}}/{BOUNDARIES}: invalid JSON at line 1, column {{column}} (Unterminated string starting at): the file is cut or is not GeoJSON, "
        "download it again",
    ),
    (
        "empty_geojson",
        write(BOUNDARIES, ""),
        f"{{root}}/{BOUNDARIES}: empty file: download it again, or remove it from the data directory",
    ),
    (
        "geojson_in_metres_without_crs",
        write(
            BOUNDARIES,
            geojson(
                fakes.feature(
                    "2A001",
                    "x",
                    [
                        [
                            [1200000, 6100000],
                            [1201000, 6100000],
                            [1201000, 6101000],
                            [1200000, 6100000],
                        ]
                    ],
                )
            ),
        ),
        f"{{root}}/{BOUNDARIES}: {NOT_LONLAT}",
    ),
    (
        "shapefile_in_metres_without_prj",
        metres_shapefile,
        f"{{root}}/communes-2A.shp: {NOT_LONLAT}",
    ),
    (
        "point_instead_of_outline",
        write(BOUNDARIES, geojson(fakes.feature("2A001", "x", [8.7, 41.9], "Point"))),
        f"{{root}}/{BOUNDARIES}: commune 2A001 is a Point, not a polygon: a boundary file holds the outline of each territory",
    ),
    (
        "feature_without_geometry",
        write(
            BOUNDARIES,
            geojson(
                fakes.feature("2A001", "x", fakes.square(0)),
                {**fakes.feature("2A002", "y", []), "geometry": None},
            ),
        ),
        f"{{root}}/{BOUNDARIES}: commune 2A002 has no geometry: give it its outline, or remove the feature",
    ),
    (
        "flat_outline",
        write(BOUNDARIES, geojson(fakes.feature("2A001", "x", FLAT))),
        f"{{root}}/{BOUNDARIES}: commune 2A001 has a flat outline (no area once repaired): fix its geometry",
    ),
    (
        "duplicated_boundary_code",
        write(
            BOUNDARIES,
            geojson(
                fakes.feature("2A001", "x", fakes.square(0)),
                fakes.feature("2A001", "y", fakes.square(1)),
            ),
        ),
        f"{{root}}/{BOUNDARIES}: duplicate commune code 2A001 (1 duplicates): each code must appear once",
    ),
]
ERRORS_WITH_ARGUMENTS = [
    (
        "unknown_departement_code",
        ("--dept", "99"),
        "unknown département code '99' (expected a code such as 93, 2A or 974)",
    ),
    (
        "departement_without_files",
        ("--dept", "2B"),
        "{root}: no commune of département 2B in the data directory",
    ),
    (
        "data_directory_missing",
        ("--data", "{root}/nowhere"),
        "{root}/nowhere: data directory given by --data does not exist",
    ),
    (
        "data_directory_is_a_file",
        ("--data", f"{{root}}/{FILOSOFI}"),
        f"{{root}}/{FILOSOFI}: data directory given by --data is not a directory",
    ),
]


def _expected(template, root):
    text = (root / BOUNDARIES).read_text(encoding="utf-8") if (root / BOUNDARIES).exists() else ""
    column = text.rfind('"Commune 1') + 1
    return "error: " + template.format(root=root, column=column)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every error case run at once (the command starts in about a second; the cases run side by side)."""
    base = tmp_path_factory.mktemp("bad")
    jobs = {}
    for name, mutate, _ in ERRORS:
        root = fakes.write_departement(base / name)
        mutate(root)
        jobs[name] = (
            root,
            ("indicators", "--dept", "2A", "--indicator", "taux_pauvrete", "--data", root),
        )
    for name, arguments, _ in ERRORS_WITH_ARGUMENTS:
        root = fakes.write_departement(base / name)
        options = dict(zip(arguments[::2], (a.format(root=root) for a in arguments[1::2])))
        options = {"--dept": "2A", "--data": str(root), **options}
        jobs[name] = (root, ("indicators", *[x for pair in options.items() for x in pair]))
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        results = dict(zip(jobs, pool.map(lambda job: fakes.run(*job[1]), jobs.values())))
    return {name: (jobs[name][0], results[name]) for name in jobs}


EXPECTED = {name: template for name, _, template in ERRORS + ERRORS_WITH_ARGUMENTS}


@pytest.mark.parametrize("name", EXPECTED)
def test_bad_input_gives_one_line_error(outcomes, name):
    root, result = outcomes[name]
    assert fakes.one_line_error(result) == _expected(EXPECTED[name], root)


# ---------------------------------------------------------------- awkward files that load


def indicator_json(root, dept="2A", *indicators, commune=None):
    arguments = ["indicators", "--dept", dept, "--format", "json", "--data", root]
    arguments += [x for i in indicators for x in ("--indicator", i)]
    result = fakes.run(*arguments, *(("--commune", commune) if commune else ()))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout), fakes.warnings_of(result)


def record(records, code, indicator, vintage):
    return next(
        r
        for r in records
        if r["code"] == code and r["indicator"] == indicator and r["vintage"] == vintage
    )


def test_the_fake_departement_loads_without_any_warning(tmp_path):
    records, warned = indicator_json(
        fakes.write_departement(tmp_path), "2A", "taux_pauvrete", "taux_chomage_15_64"
    )
    assert warned == []
    assert record(records, "2A001", "taux_pauvrete", 2021)["value"] == pytest.approx(10.1)


def test_codes_without_leading_zeros_are_found_under_their_code(tmp_path):
    codes = ("01001", "01002", "01004", "01005")
    root = fakes.write_departement(tmp_path, codes)
    text = fakes.filosofi_text(codes)
    (root / FILOSOFI).write_text(
        text.replace("\n0", "\n"), encoding="utf-8"
    )  # as Excel saves it: 1001
    assert "\n1001;" in (root / FILOSOFI).read_text()
    records, warned = indicator_json(root, "01", "taux_pauvrete", commune="01001")
    assert warned == []
    assert record(records, "01001", "taux_pauvrete", 2021)["value"] == pytest.approx(10.1)


def derived_table(root, names, encoding="utf-8", bom=False):
    """The 2018 census table, whose names become the portraits' commune names, rewritten in `encoding`."""
    text = fakes.counts_text(fakes.DERIVED, CODES, names)
    (root / fakes.DERIVED).write_bytes(
        ("\ufeff" if bom else "").encode(encoding) + text.encode(encoding)
    )


NAMES = ("Ajaccio; centre", "Île-Rousse", "Évisa", "Œuf-en-Ternois")


@pytest.mark.parametrize(
    "encoding, bom",
    [("utf-8", False), ("utf-8", True), ("cp1252", False)],
    ids=["utf8", "utf8_with_bom", "latin1"],
)
def test_names_with_accents_and_quoted_semicolons_load(tmp_path, encoding, bom):
    root = fakes.write_departement(tmp_path)
    derived_table(root, NAMES, encoding, bom)
    records, _ = indicator_json(root, "2A", "population")
    names = {r["code"]: r["name"] for r in records if r["level"] == "commune"}
    assert names == dict(zip(CODES, NAMES))
    assert '"Ajaccio; centre"' in (root / fakes.DERIVED).read_text(encoding=encoding)
    assert record(records, "2A002", "population", 2018)["value"] == 1940


def test_utf16_tab_separated_export_with_decimal_commas_loads(tmp_path):
    root = fakes.write_departement(tmp_path)
    text = fakes.filosofi_text().replace(";", "\t")
    (root / FILOSOFI).write_bytes(text.encode("utf-16"))
    records, warned = indicator_json(root, "2A", "taux_pauvrete")
    assert warned == []
    assert record(records, "2A002", "taux_pauvrete", 2021)["value"] == pytest.approx(11.1)


def test_decimal_commas_mixed_with_points_and_crlf_line_ends_load(tmp_path):
    root = fakes.write_departement(tmp_path)
    text = fakes.filosofi_text().replace(";10,1;", ";10.1;").replace(";11,1;", ";11,1;")
    (root / FILOSOFI).write_bytes(text.replace("\n", "\r\n").encode())
    records, warned = indicator_json(root, "2A", "taux_pauvrete")
    assert warned == []
    assert [record(records, c, "taux_pauvrete", 2021)["value"] for c in CODES] == pytest.approx(
        [10.1, 11.1, 12.1, 13.1]
    )


@pytest.mark.parametrize(
    "token, reason",
    [
        ("s", "secret statistique"),
        ("nd", "non disponible dans la source"),
        ("-", "non renseigné dans la source"),
        ("", "non renseigné dans la source"),
        ("NA", "non renseigné dans la source"),
    ],
    ids=["s", "nd", "dash", "empty", "NA"],
)
def test_blank_tokens_stay_missing_with_their_reason(tmp_path, token, reason):
    root = fakes.write_departement(tmp_path)
    edit(FILOSOFI, POVERTY_2A002, POVERTY_2A002.replace("11,1;", f"{token};"))(root)
    records, _ = indicator_json(root, "2A", "taux_pauvrete")
    value = record(records, "2A002", "taux_pauvrete", 2021)
    assert value["value"] is None and value["missing_reason"] == reason
    departement = record(records, "2A", "taux_pauvrete", 2021)
    assert (
        departement["value"] is None and reason in departement["missing_reason"]
    )  # never summed as a 0


def test_lambert93_boundaries_are_reprojected(tmp_path):
    from geodata import boundaries

    root = fakes.write_departement(tmp_path)
    frame = gpd.read_file(root / BOUNDARIES).set_crs(4326, allow_override=True).to_crs(2154)
    frame.to_file(root / BOUNDARIES, driver="GeoJSON")
    assert "2154" in (root / BOUNDARIES).read_text()
    records, warned = indicator_json(root, "2A", "taux_pauvrete")
    assert warned == [] and {r["name"] for r in records if r["level"] == "commune"} == {
        f"Commune {n}" for n in range(4)
    }
    minx, miny, maxx, maxy = boundaries.load_communes(root, "2A", []).total_bounds
    assert (minx, miny, maxx, maxy) == pytest.approx((8.7, 41.9, 8.74, 41.91), abs=1e-6)


def test_shapefile_without_prj_in_longitude_latitude_is_assumed_wgs84(tmp_path):
    root = fakes.write_departement(tmp_path)
    frame = gpd.read_file(root / BOUNDARIES).set_crs(None, allow_override=True)
    (root / BOUNDARIES).unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_file(root / "communes-2A.shp", engine="pyogrio")
    assert not (root / "communes-2A.prj").exists()
    records, warned = indicator_json(root, "2A", "taux_pauvrete")
    assert warned == [] and record(records, "2A004", "taux_pauvrete", 2021)["name"] == "Commune 3"


# ---------------------------------------------------------------- data that loads with a warning


BOWTIE = [[[8.72, 41.9], [8.73, 41.91], [8.73, 41.9], [8.72, 41.91], [8.72, 41.9]]]


def test_self_intersecting_outline_is_repaired_with_a_warning(tmp_path):
    root = fakes.write_departement(tmp_path)
    fakes.write_boundaries(root / BOUNDARIES, shapes={"2A003": BOWTIE})
    records, warned = indicator_json(root, "2A", "taux_pauvrete")
    assert warned == [
        f"warning: {BOUNDARIES}: 1 invalid outline(s) repaired on load (2A003 self-intersection): correct the file to keep its exact shapes"
    ]
    assert record(records, "2A003", "taux_pauvrete", 2021)["value"] == pytest.approx(12.1)


def test_commune_of_the_boundaries_missing_from_the_statistics_keeps_a_portrait(tmp_path):
    root = fakes.write_departement(tmp_path)
    fakes.write_boundaries(root / BOUNDARIES, (*CODES, "2A005"))
    records, warned = indicator_json(root, "2A", "taux_pauvrete")
    tables = [
        (FILOSOFI, "filosofi 2021"),
        (COMPARATEUR, "rp_comparateur 2022"),
        (fakes.DOSSIER, "rp_dossier 2022"),
        (fakes.DERIVED, "rp_communes_derived 2018"),
    ]
    assert sorted(warned) == sorted(
        f"warning: {name} has no row for 2A005 (Commune 4): their {table} figures are n.d."
        for name, table in tables
    )
    missing = record(records, "2A005", "taux_pauvrete", 2021)
    assert (
        missing["value"] is None and missing["missing_reason"] == f"commune absente de {FILOSOFI}"
    )


def test_commune_of_the_statistics_missing_from_the_boundaries_is_reported(tmp_path):
    root = fakes.write_departement(tmp_path)
    fakes.write_boundaries(root / BOUNDARIES, CODES[:3])
    records, warned = indicator_json(root, "2A", "taux_pauvrete")
    assert warned == [
        "warning: communes in the statistics but not in the boundaries, left out: 2A004"
    ]
    assert {r["code"] for r in records if r["level"] == "commune"} == set(CODES[:3])


def test_rate_above_100_is_a_warning(tmp_path):
    root = fakes.write_departement(tmp_path)
    edit(FILOSOFI, POVERTY_2A002, POVERTY_2A002.replace("11,1;", "111,1;"))(root)
    _, warned = indicator_json(root, "2A", "taux_pauvrete")
    assert warned == [
        f"warning: {FILOSOFI}: TP60 is a rate but lies outside 0-100 for 2A002 (111.1): check the file"
    ]


def test_numerator_above_its_denominator_is_a_warning(tmp_path):
    root = fakes.write_departement(tmp_path)
    edit(COMPARATEUR, ";920;125\n", ";920;960\n")(root)  # 2A002: 960 unemployed out of 920 active
    records, warned = indicator_json(root, "2A", "taux_chomage_15_64")
    assert warned == [
        "warning: taux_chomage_15_64 2022 is above 100 % for 2A002 (Commune 1) (104.3 %): P22_CHOM1564 is larger than P22_ACT1564 "
        f"in {COMPARATEUR}, check the file"
    ]
    assert record(records, "2A002", "taux_chomage_15_64", 2022)["value"] == pytest.approx(
        960 / 920 * 100
    )


# ---------------------------------------------------------------- builds: the earlier output stays as it was


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small département built once (HTML and CSV) with good data: the output the bad builds must not touch."""
    base = tmp_path_factory.mktemp("built")
    data = fakes.write_departement(base / "data")
    out = base / "site"
    result = fakes.run(
        "build", "--dept", "2A", "--data", data, "--out", out, "--format", "csv,html", "--jobs", "1"
    )
    assert result.returncode == 0, result.stderr
    return data, out


@pytest.fixture
def site(built, tmp_path):
    """A copy of the good build and of its data, and the bytes of every file of the copy."""
    data, out = built
    shutil.copytree(data, tmp_path / "data")
    shutil.copytree(out, tmp_path / "site")
    return tmp_path / "data", tmp_path / "site", fakes.snapshot(tmp_path / "site")


def bad_build(site, *extra):
    data, out, before = site
    result = fakes.run(
        "build",
        "--dept",
        "2A",
        "--data",
        data,
        "--out",
        out,
        "--format",
        "csv,html",
        "--jobs",
        "1",
        *extra,
    )
    line = fakes.one_line_error(result)
    assert fakes.snapshot(out) == before
    return line


def test_build_with_a_bad_table_leaves_the_site_intact(site):
    data = site[0]
    edit(FILOSOFI, "\n2A003;300;", "\n2A003;3OO;")(data)
    assert bad_build(site) == (
        f"error: {data / FILOSOFI}: line 4, column NBMENFISC21: '3OO' is not a number (expected a number, or s / nd / empty for a missing value)"
    )


def test_build_with_an_unknown_format(site):
    assert (
        bad_build(site, "--format", "html,docx")
        == "error: unknown format 'docx' (choose among html, pdf, csv)"
    )


def test_build_with_a_missing_pst_directory(site, tmp_path):
    assert (
        bad_build(site, "--pst", tmp_path / "pst")
        == f"error: {tmp_path / 'pst'}: PST directory does not exist"
    )


def pst_file(directory, change):
    """A valid PST file of commune 2A001 from the template, then `change`d; returns its path and text."""
    from portrait import pst

    path = pst.new_pst("2A001", "Commune 0", directory)
    text = change(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return path, text


def line_of(text, fragment):
    return text[: text.index(fragment)].count("\n") + 1


BOMB = (
    "\n".join(
        [f"a: &a [{', '.join(['lol'] * 9)}]"]
        + [
            f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]"
            for previous, name in zip("abcdefgh", "bcdefghi")
        ]
    )
    + "\n"
)
HUGE = 50 * 1024 * 1024


def billion_laughs(text):
    return BOMB


def fifty_megabytes(text):
    return text.replace("  duration: 3\n", "  duration: 3\nname_long: " + "x" * HUGE + "\n")


def year_20250(text):
    return text.replace("  date:\n", "  date: 20250-03-14\n", 1)


def unknown_keys(text):
    return text.replace("  duration: 3\n", "  duration: 3\n  budjet: 1000\ncouleur: bleu\n")


PST_CASES = [
    (
        "billion_laughs",
        billion_laughs,
        lambda p, t: [
            f"{p}:5: too many YAML values once aliases are expanded (more than 50000): remove the anchors (&) and aliases (*)"
        ],
    ),
    (
        "fifty_megabyte_field",
        fifty_megabytes,
        lambda p, t: [f"{p}: file too large (52.4 MB, at most 256 KB)"],
    ),
    (
        "year_20250",
        year_20250,
        lambda p, t: [
            f"{p}:{line_of(t, '20250')}: agreement.date: '20250-03-14' is not a date (write AAAA-MM-JJ, e.g. 2025-03-14)"
        ],
    ),
    (
        "unknown_keys",
        unknown_keys,
        lambda p, t: [
            f"{p}:{line_of(t, 'budjet')}: agreement.budjet: unknown key (expected one of date, signatories, duration)",
            f"{p}:{line_of(t, 'couleur')}: couleur: unknown key (expected one of commune, name, example, agreement, projects, governance, follow_up)",
        ],
    ),
]


@pytest.mark.parametrize(
    "change, expected", [c[1:] for c in PST_CASES], ids=[c[0] for c in PST_CASES]
)
def test_hostile_pst_file_fails_the_build_and_the_check(site, tmp_path, change, expected):
    path, text = pst_file(tmp_path / "pst", change)
    errors = expected(path, text)
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    assert bad_build(site, "--pst", tmp_path / "pst") == f"error: {errors[0]}{more}"
    check = fakes.run("pst", "check", "--pst", tmp_path / "pst")
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert check.stderr.splitlines() == [f"error: {e}" for e in errors]


def test_output_path_under_a_regular_file(site, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("keep me")
    line = bad_build(site, "--out", blocker / "site")
    assert (
        line
        == f"error: {blocker / 'site'}: cannot create output directory (Not a directory): choose another --out"
    )
    assert blocker.read_text() == "keep me"


def test_output_path_is_a_file(site, tmp_path):
    blocker = tmp_path / "site.html"
    blocker.write_text("keep me")
    assert (
        bad_build(site, "--out", blocker)
        == f"error: {blocker}: output path exists and is not a directory: choose another --out"
    )
    assert blocker.read_text() == "keep me"

"""Regenerate ``analogcast/data/files/`` from the raw project data (``../shared/data``).

Run from the repository root::

    python -m analogcast.data._build --source ../shared/data

Deterministic: CSVs are written with shortest round-trip float repr, ``\\n`` line ends, rows sorted,
and gzip with ``mtime=0`` and no file name, so re-running gives byte-identical files and the same
sha256 in ``MANIFEST.json``. The runtime never reads ``../shared``; only this script does.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analogcast.data._manifest_meta import DATASETS, FILE_META, NOTES
from analogcast.data._readr import readr_double
from analogcast.data._spaces import REGION_NAMES, SPACES
from analogcast.data.coder import compute_cutpoint, series_changes
from analogcast.data.crosswalk import _CROSSWALK_COLUMNS

YEARS = (1968, 2023)
OUT = Path(__file__).resolve().parent / "files"

LITE_COLUMNS = [
    "v2x_gencl",
    "v2x_gender",
    "v2x_gencs",
    "v2x_genpp",
    "v2x_regime",
    "v2x_polyarchy",
    "v2x_libdem",
    "v2x_civlib",
    "v2x_cspart",
    "v2xpe_exlgender",
    "v2cldmovew",
    "v2clprptyw",
    "v2lgfemleg",
    "v2x_corr",
    "e_total_resources_income_pc",
]
WDI_COLUMNS = [
    "DT.ODA.ODAT.GN.ZS",
    "DT.ODA.ODAT.PC.ZS",
    "NY.GDP.PETR.RT.ZS",
    "IT.NET.USER.ZS",
    "SL.TLF.CACT.FE.ZS",
]
WBL_COLUMNS = [
    "wbl_index",
    "mobility",
    "workplace",
    "pay",
    "marriage",
    "parenthood",
    "entrepreneurship",
    "assets",
    "pension",
]
COUP_COLUMNS = [
    "pt_attempt",
    "pt_coup",
    "pt_failed",
    "pt_attempt_num5yrs",
    "pt_coup_num5yrs",
    "years_since_last_pt_attempt",
    "years_since_last_pt_coup",
]
# GSDB target codes (as the shared-data curators coded them) that are not panel text ids -> the V-Dem
# text id of the Gleditsch-Ward unit they refer to, for years first..last (inclusive). Rows outside
# these windows are listed in unmatched.csv.gz, not merged.
GSDB_ALIASES: list[tuple[str, str, int, int]] = [
    ("SUN", "RUS", 1900, 1991),  # Soviet Union -> gwcode 365
    ("CSK", "CZE", 1900, 1992),  # Czechoslovakia -> gwcode 315
    (
        "YUG",
        "SRB",
        1900,
        2100,
    ),  # Yugoslavia / Serbia and Montenegro -> gwcode 345, then 340 (continuator)
    ("YAR", "YEM", 1900, 2100),  # 'Yemen, North': gwcode 678 continues as unified Yemen after 1990
    ("RVN", "VDR", 1900, 1975),  # 'South Vietnam' up to 1975 -> gwcode 817
    (
        "RVN",
        "VNM",
        1976,
        2100,
    ),  # 'South Vietnam' rows after 1975 can only be Vietnam (e.g. the US embargo)
    ("RHO", "ZWE", 1900, 2100),  # Rhodesia -> gwcode 552
]
UNGA_COLUMNS = ["n_votes", "agree_us", "agree_cn", "agree_ru"]
# UNGA iso3 codes (as the shared-data curators derived them) that are not panel text ids -> the panel
# country they denote, for years first..last (inclusive): the USSR already is RUS in the source.
UNGA_ALIASES: list[tuple[str, str, int, int]] = [
    ("CSK", "CZE", 1900, 1992),  # Czechoslovakia -> gwcode 315, as in the spaces data
    ("YUG", "SRB", 1900, 2100),  # Yugoslavia / Serbia and Montenegro / Serbia ('YU' throughout the source)
]
CHINA_COLUMNS = ["oda_amt", "oof_amt", "vof_amt", "oda_adj", "oof_adj", "vof_adj"]
GCDF_UNMATCHED_NAMES: dict[int, str] = {31: "Bahamas", 835: "Brunei"}
# World Bank codes that differ from the V-Dem text id of the same country.
WB_ALIASES: dict[str, str] = {"KSV": "XKX"}  # WBL codes Kosovo KSV; WDI and V-Dem use XKX


_KEY_ORDER = {
    k: i
    for i, k in enumerate(
        (
            "description",
            "producer",
            "dataset",
            "version",
            "license",
            "citation",
            "citations",
            "source_repository",
            "source_commit",
            "source_file",
            "original_source",
            "changes",
            "sha256",
            "bytes",
            "rows",
            "columns",
        )
    )
}


def _csv_gz_bytes(df: pd.DataFrame) -> bytes:
    text = df.to_csv(index=False, lineterminator="\n")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buf.getvalue()


def _write(name: str, df: pd.DataFrame, out: Path, hashes: dict[str, dict[str, object]]) -> None:
    data = _csv_gz_bytes(df)
    (out / name).write_bytes(data)
    hashes[name] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "rows": len(df),
        "columns": list(map(str, df.columns)),
    }


def _int_cols(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    for c in cols:
        if c in df:
            df[c] = df[c].astype("Int64")
    return df


def build(source: Path, out: Path = OUT) -> dict[str, object]:
    """Build every package file and ``MANIFEST.json`` from ``source`` (the shared data folder).

    Parameters
    ----------
    source
        Folder with ``vdem_demspaces/``, ``vdem_v14_lite/``, ``wbl_2024_panel/``, ``wdi_selected/``,
        ``gsdb_v4/``.
    out
        Output folder (default: the package's ``files/``).

    Returns
    -------
    dict
        The manifest written.
    """
    out.mkdir(parents=True, exist_ok=True)
    ds = source / "vdem_demspaces"
    hashes: dict[str, dict[str, object]] = {}
    lo, hi = YEARS

    # ---- spaces (the universe) ------------------------------------------------------------
    idx = [SPACES[s] for s in SPACES if s != "women"]
    sp = pd.read_csv(ds / "spaces_1968_2023.csv", dtype={c: str for c in idx})
    n_reparsed = 0
    for col in idx:
        # values as the Barometer's R code read them (readr), see _readr.py
        text = sp[col]
        sp[col] = [readr_double(t) for t in text]
        n_reparsed += int((sp[col].to_numpy() != text.astype(float).to_numpy()).sum())
    sp = sp.sort_values(["gwcode", "year"]).reset_index(drop=True)
    sp = sp[["gwcode", "year", "country_name", "country_id", "country_text_id", *idx]]
    _write("spaces.csv.gz", sp, out, hashes)

    # ---- crosswalk ----------------------------------------------------------------------
    spells = (
        sp.groupby(["country_text_id", "gwcode"], as_index=False)
        .agg(
            vdem_id=("country_id", "first"),
            country_name=("country_name", "last"),
            gw_first_year=("year", "min"),
            gw_last_year=("year", "max"),
        )
        .sort_values(["country_text_id", "gw_first_year"])
    )
    regions = pd.read_csv(ds / "region_mapping.csv")
    spells = spells.merge(regions, on="gwcode", how="left", validate="m:1")
    if spells["e_regionpol_6C"].isna().any():
        raise SystemExit("region_mapping.csv misses gwcodes of the spaces data")
    wdi = pd.read_csv(source / "wdi_selected" / "wdi_selected_country_year.csv")
    wdi_c = wdi[wdi["is_aggregate"] == 0]
    wbl = pd.read_csv(source / "wbl_2024_panel" / "wbl_panel_2024_1971_2024.csv")
    wbl["iso3"] = wbl["iso3"].replace(WB_ALIASES)
    wdi_c = wdi_c.assign(iso3=wdi_c["iso3"].replace(WB_ALIASES))
    wb_codes = set(wdi_c["iso3"]) | set(wbl["iso3"])
    spells["wb_code"] = np.where(
        spells["country_text_id"].isin(wb_codes), spells["country_text_id"], ""
    )
    spells["region_name"] = spells["e_regionpol_6C"].map(REGION_NAMES)
    spells = spells[list(_CROSSWALK_COLUMNS)]  # the columns crosswalk.py reads back
    _write("crosswalk.csv.gz", spells.reset_index(drop=True), out, hashes)
    universe = set(spells["country_text_id"])

    # covariate window of each gwcode: its spell, open-ended at the country's first/last spell
    win = spells[["country_text_id", "gwcode", "gw_first_year", "gw_last_year"]].copy()
    first = win.groupby("country_text_id")["gw_first_year"].transform("min")
    last = win.groupby("country_text_id")["gw_last_year"].transform("max")
    win["from"] = np.where(win["gw_first_year"] == first, lo, win["gw_first_year"])
    win["to"] = np.where(win["gw_last_year"] == last, hi, win["gw_last_year"])

    def by_gw(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
        df = df.merge(win[["gwcode", "from", "to"]], on="gwcode", how="inner")
        df = df[(df["year"] >= df["from"]) & (df["year"] <= df["to"])]
        df = df[["gwcode", "year", *cols]].sort_values(["gwcode", "year"])
        return df.dropna(subset=cols, how="all").reset_index(drop=True)

    unmatched: list[dict[str, object]] = []

    # ---- Barometer events and cutpoints ---------------------------------------------------
    ev = sp[["gwcode", "year"]]
    for col in idx:
        e = pd.read_csv(ds / "events" / f"{col}.csv")
        ev = ev.merge(e, on=["gwcode", "year"], how="left", validate="1:1")
    _write(
        "barometer_events.csv.gz",
        _int_cols(ev, [c for c in ev if c.endswith("next2")]),
        out,
        hashes,
    )
    cps = pd.read_csv(ds / "cutpoints.csv")
    _write("barometer_cutpoints.csv.gz", cps, out, hashes)

    # ---- Barometer covariates (keyed by gwcode) -------------------------------------------
    gdp = pd.read_csv(ds / "gdp.csv")
    _write(
        "gdp.csv.gz",
        by_gw(gdp, ["NY.GDP.MKTP.KD", "NY.GDP.MKTP.KD.ZG", "NY.GDP.PCAP.KD", "NY.GDP.PCAP.KD.ZG"]),
        out,
        hashes,
    )
    _write("population.csv.gz", by_gw(pd.read_csv(ds / "population.csv"), ["pop"]), out, hashes)
    inf = pd.read_csv(ds / "wdi-infmort.csv")
    _write("infmort.csv.gz", by_gw(inf, ["infmort", "infmort_yearadj"]), out, hashes)
    coups = by_gw(pd.read_csv(ds / "ptcoups.csv"), COUP_COLUMNS)
    _write("ptcoups.csv.gz", _int_cols(coups, COUP_COLUMNS), out, hashes)
    age = by_gw(pd.read_csv(ds / "gwstate-age.csv"), ["state_age"])
    _write("state_age.csv.gz", _int_cols(age, ["state_age"]), out, hashes)

    # ---- V-Dem v14 lite ------------------------------------------------------------------
    lite = pd.read_csv(source / "vdem_v14_lite" / "vdem_v14_lite_1970_2023.csv")
    for code, g in lite[~lite["country_text_id"].isin(universe)].groupby("country_text_id"):
        unmatched.append(
            {
                "source": "vdem_v14_lite",
                "code": code,
                "name": g["country_name"].iloc[-1],
                "first_year": int(g["year"].min()),
                "last_year": int(g["year"].max()),
                "reason": "not among the Barometer's 172 spaces countries (panel universe)",
            }
        )
    chk = sp.merge(lite, on=["country_text_id", "year"], suffixes=("", "_lite"))
    for col in ("v2xcs_ccsi", "v2x_freexp_altinf"):
        if not np.allclose(chk[col], chk[f"{col}_lite"], equal_nan=True):
            raise SystemExit(f"{col} differs between the spaces file and vdem_v14_lite")
    lite = lite[lite["country_text_id"].isin(universe)]
    lite = lite[["country_text_id", "year", *LITE_COLUMNS]].sort_values(["country_text_id", "year"])
    _write(
        "vdem_v14_lite.csv.gz", _int_cols(lite.reset_index(drop=True), ["v2x_regime"]), out, hashes
    )

    # ---- World Bank: WDI and WBL (keyed by WB code) ----------------------------------------
    matched_wb = set(spells.loc[spells["wb_code"] != "", "wb_code"])
    for src, df, name_col, year_col in (
        ("wdi_selected", wdi_c, "country_name", "year"),
        ("wbl_2024_panel", wbl, "country", "report_year"),
    ):
        for code, g in df[~df["iso3"].isin(matched_wb)].groupby("iso3"):
            unmatched.append(
                {
                    "source": src,
                    "code": code,
                    "name": g[name_col].iloc[-1],
                    "first_year": int(g[year_col].min()),
                    "last_year": int(g[year_col].max()),
                    "reason": "World Bank economy not among the panel's countries",
                }
            )
    w = wdi_c[wdi_c["iso3"].isin(matched_wb)][["iso3", "year", *WDI_COLUMNS]]
    w = w[(w["year"] >= lo) & (w["year"] <= hi)].dropna(subset=WDI_COLUMNS, how="all")
    _write("wdi.csv.gz", w.sort_values(["iso3", "year"]).reset_index(drop=True), out, hashes)
    b = wbl[wbl["iso3"].isin(matched_wb)][["iso3", "report_year", *WBL_COLUMNS]]
    _write("wbl.csv.gz", b.sort_values(["iso3", "report_year"]).reset_index(drop=True), out, hashes)

    # ---- GSDB counts ----------------------------------------------------------------------
    gs = pd.read_csv(source / "gsdb_v4" / "gsdb_v4_target_country_year.csv")
    counts = [c for c in gs.columns if c.startswith("n_")]
    gs["country_text_id"] = gs["iso3"].where(gs["iso3"].isin(universe), "")
    for code, succ, first_year, last_year in GSDB_ALIASES:
        sel = (gs["iso3"] == code) & (gs["year"] >= first_year) & (gs["year"] <= last_year)
        gs.loc[sel, "country_text_id"] = succ
    for (code, name), g in gs[gs["country_text_id"] == ""].groupby(["iso3", "gsdb_target_name"]):
        reason = (
            "former state; these years have no successor unit in the panel"
            if code in {a[0] for a in GSDB_ALIASES}
            else "sanctions target not among the panel's countries"
        )
        unmatched.append(
            {
                "source": "gsdb_v4",
                "code": code,
                "name": name,
                "first_year": int(g["year"].min()),
                "last_year": int(g["year"].max()),
                "reason": reason,
            }
        )
    gs = gs[gs["country_text_id"] != ""]
    gs = gs.groupby(["country_text_id", "year"], as_index=False)[counts].sum()
    gs = gs[(gs["year"] >= lo) & (gs["year"] <= hi)].sort_values(["country_text_id", "year"])
    _write("gsdb_counts.csv.gz", _int_cols(gs.reset_index(drop=True), counts), out, hashes)

    # ---- alternative patrons: UNGA voting agreement (keyed by text id) and Chinese finance ----
    un = pd.read_csv(
        source / "patrons" / "unga_agreement.csv", keep_default_na=False, na_values=[""]
    )  # keep_default_na=False: Namibia's iso2 is "NA"
    un["country_text_id"] = un["iso3"].where(un["iso3"].isin(universe), "")
    for code, succ, first_year, last_year in UNGA_ALIASES:
        sel = (un["iso3"] == code) & (un["year"] >= first_year) & (un["year"] <= last_year)
        un.loc[sel, "country_text_id"] = succ
    for code, g in un[un["country_text_id"] == ""].groupby("iso3"):
        unmatched.append(
            {
                "source": "unga_agreement",
                "code": code,
                "name": g["country"].iloc[-1],
                "first_year": int(g["year"].min()),
                "last_year": int(g["year"].max()),
                "reason": "UN member not among the panel's countries",
            }
        )
    un = un[(un["country_text_id"] != "") & (un["year"] >= lo) & (un["year"] <= hi)]
    if un.duplicated(["country_text_id", "year"]).any():
        raise SystemExit("unga_agreement.csv maps two codes onto one panel country-year")
    un = un[["country_text_id", "year", "iso3", *UNGA_COLUMNS]].sort_values(["country_text_id", "year"])
    _write("unga_agreement.csv.gz", _int_cols(un.reset_index(drop=True), ["n_votes"]), out, hashes)

    cf = pd.read_csv(source / "patrons" / "china_finance_gcdf3.csv")
    known_gw = set(spells["gwcode"])
    for code, g in cf[~cf["gwcode"].isin(known_gw)].groupby("gwcode"):
        unmatched.append(
            {
                "source": "china_finance_gcdf3",
                "code": str(code),
                "name": GCDF_UNMATCHED_NAMES.get(int(code), ""),
                "first_year": int(g["year"].min()),
                "last_year": int(g["year"].max()),
                "reason": "recipient (Gleditsch-Ward code) not among the panel's countries",
            }
        )
    _write("china_finance.csv.gz", by_gw(cf, CHINA_COLUMNS), out, hashes)

    # ---- universe countries without a World Bank code --------------------------------------
    for _, r in spells[spells["wb_code"] == ""].drop_duplicates("country_text_id").iterrows():
        unmatched.append(
            {
                "source": "crosswalk",
                "code": r["country_text_id"],
                "name": r["country_name"],
                "first_year": int(r["gw_first_year"]),
                "last_year": int(r["gw_last_year"]),
                "reason": "panel country with no World Bank code (no WDI/WBL values; NaN)",
            }
        )
    um = (
        pd.DataFrame(unmatched).sort_values(["source", "code", "first_year"]).reset_index(drop=True)
    )
    _write("unmatched.csv.gz", um, out, hashes)

    # ---- cutpoints recomputed (documented in the manifest) ---------------------------------
    recomputed: dict[str, float] = {}
    for col in idx:
        ch = np.concatenate([series_changes(g[col].to_numpy()) for _, g in sp.groupby("gwcode")])
        recomputed[col] = compute_cutpoint(ch)
    full = pd.read_csv(source / "vdem_v14_lite" / "vdem_v14_lite_1970_2023.csv")
    full = full.sort_values(["country_text_id", "year"])
    ch = np.concatenate(
        [series_changes(g["v2x_gencl"].to_numpy()) for _, g in full.groupby("country_text_id")]
    )
    recomputed["v2x_gencl"] = compute_cutpoint(ch)

    files = {}
    for name, meta in FILE_META.items():
        if name not in hashes:
            raise SystemExit(f"FILE_META lists {name}, which the build did not write")
        dataset = DATASETS[str(meta["dataset"])]
        entry = {**dataset, **{k: v for k, v in meta.items() if k != "dataset"}, **hashes[name]}
        cites = [str(c) for c in entry.pop("citation")]  # type: ignore[union-attr]
        entry["citation"] = " ".join(cites)  # one string per file (readers print it as is)
        entry["citations"] = cites  # the same, one item per work
        files[name] = dict(sorted(entry.items(), key=lambda kv: _KEY_ORDER.get(kv[0], 99)))
    missing = set(hashes) - set(files)
    if missing:
        raise SystemExit(f"no FILE_META for {sorted(missing)}")
    manifest: dict[str, object] = {
        "description": "Data shipped with analogcast: provenance, license, citation and sha256 per file.",
        "build": "python -m analogcast.data._build --source ../shared/data",
        "years": list(YEARS),
        "notes": NOTES,
        "cutpoints_recomputed": recomputed,
        "spaces_values_reparsed_like_readr": n_reparsed,
        "files": files,
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    manifest = build(args.source, args.out)
    print(f"wrote {len(manifest['files'])} files + MANIFEST.json to {args.out}")  # type: ignore[arg-type]
    print("cutpoints recomputed:", manifest["cutpoints_recomputed"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

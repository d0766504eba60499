"""Description of every panel variable: shipped file, source, units, description (attrs of load_panel)."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Var", "VARIABLES", "DERIVED", "MIN_UNGA_VOTES", "ODA_GRADUATES"]

#: Agreement scores are NaN in a year the country voted on fewer roll calls than this (2020 has one).
MIN_UNGA_VOTES = 10

#: Recipients that left the DAC list of ODA recipients (OECD DAC list history): their ODA is a
#: structural 0 from the year after the last year with a recorded ODA value. Membership is from the
#: DAC list history, the year from the data. Turkey, whose WDI series stops in 1970 although it
#: stayed a recipient, is deliberately NOT here: its later years are missing, not zero.
ODA_GRADUATES: frozenset[str] = frozenset(
    {"ARE", "BRB", "CHL", "CYP", "HRV", "ISR", "KOR", "KWT", "OMN", "QAT", "SAU", "SGP", "SVN",
     "TTO", "URY"}
)

#: Panel variables computed at load time from the shipped files (not columns of ``file``).
DERIVED: frozenset[str] = frozenset({"cn_fin_gdp", "oda_recipient"})


class Var(NamedTuple):
    file: str
    source: str
    units: str
    description: str


_SP = "V-Dem v14 via the Democratic Spaces Barometer (spaces.csv.gz)"
_LITE = "V-Dem v14 (vdemlite subset, vdem_v14_lite.csv.gz); starts 1970"
_BGDP = "World Bank WDI via the Democratic Spaces Barometer inputs (gdp.csv.gz)"
_WDI = "World Bank WDI (wdi.csv.gz)"
_WBL = (
    "World Bank Women, Business and the Law 2024 (wbl.csv.gz); stored at calendar year = report_year - 1, "
    "because a WBL report measures laws in force at a reference date in the preceding year"
)
_GSDB = (
    "Global Sanctions Data Base V4, derived counts (gsdb_counts.csv.gz). No GSDB row for a country-year in "
    "the panel (GSDB covers 1949-2023) means no recorded active sanction: stored as 0, not NaN. NaN where "
    "the country is outside the spaces data that year (not yet independent / dissolved)."
)
_UNGA = (
    "UN General Assembly voting (Voeten; unvotes), unga_agreement.csv.gz; 1968-2019 in the panel. NaN for a "
    f"state's agreement with itself and in years it voted on fewer than {MIN_UNGA_VOTES} roll calls (2020 has one)"
)
_COUP = "Powell & Thyne coups via the Democratic Spaces Barometer inputs (ptcoups.csv.gz)"

VARIABLES: dict[str, Var] = {
    # the six Barometer spaces
    "v2xcs_ccsi": Var(
        "spaces.csv.gz",
        _SP,
        "index 0-1",
        "Core civil society index (associational space); higher = more open",
    ),
    "v2x_freexp_altinf": Var(
        "spaces.csv.gz",
        _SP,
        "index 0-1",
        "Freedom of expression and alternative sources of information (informational space)",
    ),
    "v2xcl_rol": Var(
        "spaces.csv.gz",
        _SP,
        "index 0-1",
        "Equality before the law and individual liberty (individual space)",
    ),
    "v2x_horacc_osp": Var(
        "spaces.csv.gz", _SP, "index 0-1", "Horizontal accountability (governing space)"
    ),
    "v2x_veracc_osp": Var(
        "spaces.csv.gz", _SP, "index 0-1", "Vertical accountability (electoral space)"
    ),
    "v2x_pubcorr": Var(
        "spaces.csv.gz",
        _SP,
        "index 0-1",
        "Public sector corruption as the Barometer uses it (economic space): 1 - V-Dem v2x_pubcorr, so higher = LESS corrupt = more open",
    ),
    # V-Dem v14 lite
    "v2x_gencl": Var(
        "vdem_v14_lite.csv.gz",
        _LITE,
        "index 0-1",
        "Women's civil liberties index (women space): domestic movement, freedom from forced labour, property rights, access to justice",
    ),
    "v2x_gender": Var(
        "vdem_v14_lite.csv.gz", _LITE, "index 0-1", "Women's political empowerment index"
    ),
    "v2x_gencs": Var(
        "vdem_v14_lite.csv.gz", _LITE, "index 0-1", "Women's civil society participation index"
    ),
    "v2x_genpp": Var(
        "vdem_v14_lite.csv.gz", _LITE, "index 0-1", "Women's political participation index"
    ),
    "v2x_regime": Var(
        "vdem_v14_lite.csv.gz",
        _LITE,
        "category 0-3",
        "Regimes of the World: 0 closed autocracy, 1 electoral autocracy, 2 electoral democracy, 3 liberal democracy",
    ),
    "v2x_polyarchy": Var("vdem_v14_lite.csv.gz", _LITE, "index 0-1", "Electoral democracy index"),
    "v2x_libdem": Var("vdem_v14_lite.csv.gz", _LITE, "index 0-1", "Liberal democracy index"),
    "v2x_civlib": Var("vdem_v14_lite.csv.gz", _LITE, "index 0-1", "Civil liberties index"),
    "v2x_cspart": Var(
        "vdem_v14_lite.csv.gz", _LITE, "index 0-1", "Civil society participation index"
    ),
    "v2xpe_exlgender": Var(
        "vdem_v14_lite.csv.gz",
        _LITE,
        "index 0-1",
        "Exclusion by gender index (higher = MORE exclusion)",
    ),
    "v2cldmovew": Var(
        "vdem_v14_lite.csv.gz",
        _LITE,
        "latent scale (~ -5..5)",
        "Freedom of domestic movement for women (higher = freer)",
    ),
    "v2clprptyw": Var(
        "vdem_v14_lite.csv.gz",
        _LITE,
        "latent scale (~ -5..5)",
        "Property rights for women (higher = stronger)",
    ),
    "v2lgfemleg": Var(
        "vdem_v14_lite.csv.gz", _LITE, "percent", "Share of female legislators, lower chamber"
    ),
    "v2x_corr": Var(
        "vdem_v14_lite.csv.gz",
        _LITE,
        "index 0-1",
        "Political corruption index (higher = MORE corrupt)",
    ),
    "e_total_resources_income_pc": Var(
        "vdem_v14_lite.csv.gz",
        _LITE + "; covers 1970-2006 only",
        "V-Dem codebook units (resource income per capita)",
        "Total natural-resource income per capita",
    ),
    # Barometer covariates
    "NY.GDP.MKTP.KD": Var("gdp.csv.gz", _BGDP, "constant US$", "GDP"),
    "NY.GDP.MKTP.KD.ZG": Var("gdp.csv.gz", _BGDP, "percent", "GDP growth (annual %)"),
    "NY.GDP.PCAP.KD": Var("gdp.csv.gz", _BGDP, "constant US$ per person", "GDP per capita"),
    "NY.GDP.PCAP.KD.ZG": Var("gdp.csv.gz", _BGDP, "percent", "GDP per capita growth (annual %)"),
    "pop": Var(
        "population.csv.gz",
        "Population as compiled by the Democratic Spaces Barometer (population.csv.gz)",
        "thousands of people",
        "Population",
    ),
    "infmort": Var(
        "infmort.csv.gz",
        "World Bank WDI infant mortality via the Barometer inputs (infmort.csv.gz)",
        "deaths per 1,000 live births",
        "Infant mortality rate",
    ),
    "infmort_yearadj": Var(
        "infmort.csv.gz",
        "Barometer inputs (infmort.csv.gz)",
        "relative to the year (unitless)",
        "Infant mortality adjusted for the global level of its year (the Barometer's construction, see demspaces create-data)",
    ),
    "pt_attempt": Var("ptcoups.csv.gz", _COUP, "0/1", "Any coup attempt in the year"),
    "pt_coup": Var("ptcoups.csv.gz", _COUP, "0/1", "Any successful coup in the year"),
    "pt_failed": Var("ptcoups.csv.gz", _COUP, "0/1", "Any failed coup in the year"),
    "pt_attempt_num5yrs": Var(
        "ptcoups.csv.gz", _COUP, "count", "Coup attempts in the last 5 years"
    ),
    "pt_coup_num5yrs": Var(
        "ptcoups.csv.gz", _COUP, "count", "Successful coups in the last 5 years"
    ),
    "years_since_last_pt_attempt": Var(
        "ptcoups.csv.gz", _COUP, "years", "Years since the last coup attempt"
    ),
    "years_since_last_pt_coup": Var(
        "ptcoups.csv.gz", _COUP, "years", "Years since the last successful coup"
    ),
    "state_age": Var(
        "state_age.csv.gz",
        "Gleditsch-Ward state list via the Barometer inputs (state_age.csv.gz)",
        "years",
        "Years since independence",
    ),
    # WDI
    "DT.ODA.ODAT.GN.ZS": Var(
        "wdi.csv.gz",
        _WDI + "; release 2021-12-16; no values after 2019",
        "percent of GNI",
        "Net ODA received (% of GNI)",
    ),
    "DT.ODA.ODAT.PC.ZS": Var(
        "wdi.csv.gz",
        _WDI + "; release 2022-02-15; no values after 2019",
        "current US$ per person",
        "Net ODA received per capita",
    ),
    "NY.GDP.PETR.RT.ZS": Var(
        "wdi.csv.gz", _WDI + "; release 2023-03-01; to 2020", "percent of GDP", "Oil rents"
    ),
    "IT.NET.USER.ZS": Var(
        "wdi.csv.gz", _WDI + "; to 2023", "percent of population", "Individuals using the Internet"
    ),
    "SL.TLF.CACT.FE.ZS": Var(
        "wdi.csv.gz",
        _WDI + "; release 2022-02-15; 1990-2020",
        "percent of female population ages 15+",
        "Labor force participation rate, female (modeled ILO estimate)",
    ),
    # WBL
    "wbl_index": Var(
        "wbl.csv.gz",
        _WBL,
        "score 0-100",
        "Women, Business and the Law index (mean of the 8 indicators)",
    ),
    "mobility": Var("wbl.csv.gz", _WBL, "score 0-100", "WBL indicator: mobility"),
    "workplace": Var("wbl.csv.gz", _WBL, "score 0-100", "WBL indicator: workplace"),
    "pay": Var("wbl.csv.gz", _WBL, "score 0-100", "WBL indicator: pay"),
    "marriage": Var("wbl.csv.gz", _WBL, "score 0-100", "WBL indicator: marriage"),
    "parenthood": Var("wbl.csv.gz", _WBL, "score 0-100", "WBL indicator: parenthood"),
    "entrepreneurship": Var("wbl.csv.gz", _WBL, "score 0-100", "WBL indicator: entrepreneurship"),
    "assets": Var("wbl.csv.gz", _WBL, "score 0-100", "WBL indicator: assets"),
    "pension": Var("wbl.csv.gz", _WBL, "score 0-100", "WBL indicator: pension"),
    # alternative patrons
    "agree_us": Var(
        "unga_agreement.csv.gz",
        _UNGA,
        "share 0-1",
        "UNGA voting agreement with the United States (1 = always voted alike, 0 = always opposite)",
    ),
    "agree_cn": Var(
        "unga_agreement.csv.gz",
        _UNGA + "; the PRC holds China's seat from 1971",
        "share 0-1",
        "UNGA voting agreement with the People's Republic of China",
    ),
    "agree_ru": Var(
        "unga_agreement.csv.gz",
        _UNGA + "; the USSR to 1991",
        "share 0-1",
        "UNGA voting agreement with the USSR (to 1991) / Russia",
    ),
    "unga_votes": Var(
        "unga_agreement.csv.gz",
        "UN General Assembly voting (Voeten; unvotes), unga_agreement.csv.gz (source column n_votes)",
        "count of roll calls",
        "UNGA roll calls the country voted on in the year (yes, no or abstain)",
    ),
    "cn_fin_gdp": Var(
        "china_finance.csv.gz",
        "AidData GCDF 3.0 (china_finance.csv.gz) over GDP (gdp.csv.gz, NY.GDP.MKTP.KD). 0 in a year with no "
        "recorded commitment of a country that has commitments in other years; NaN before 2000, after "
        "2021 and for countries never in GCDF 3.0 (which covers low- and middle-income countries)",
        "percent of GDP",
        "Chinese official finance commitments (ODA-like + OOF + vague flows) as % of GDP. Numerator in "
        "constant 2021 US$, denominator in constant 2015 US$ (the Barometer's GDP): the ratio is about "
        "14% above a same-price-year ratio (US GDP deflator 2021/2015), uncorrected",
    ),
    "oda_recipient": Var(
        "wdi.csv.gz",
        "Derived from WDI DT.ODA.ODAT.GN.ZS / DT.ODA.ODAT.PC.ZS (wdi.csv.gz) and the DAC list history",
        "0/1",
        "1 = an ODA recipient (the country has recorded ODA in some year, and has not left the DAC list); "
        "0 = not a recipient: never any recorded ODA although the World Bank reports the economy (e.g. "
        "USA, DEU), or after leaving the DAC list (e.g. SAU from 2008); NaN = unknown (no World Bank code). "
        "Where 0, ODA received is a structural 0, not missing",
    ),
    # GSDB
    "n_active_cases": Var(
        "gsdb_counts.csv.gz",
        _GSDB,
        "count of cases",
        "Sanction cases active in the year against the country",
    ),
    "n_new_cases": Var(
        "gsdb_counts.csv.gz", _GSDB, "count of cases", "Sanction cases beginning in the year"
    ),
    "n_trade": Var(
        "gsdb_counts.csv.gz", _GSDB, "count of cases", "Active cases with trade sanctions"
    ),
    "n_arms": Var(
        "gsdb_counts.csv.gz", _GSDB, "count of cases", "Active cases with arms sanctions"
    ),
    "n_military": Var(
        "gsdb_counts.csv.gz",
        _GSDB,
        "count of cases",
        "Active cases with military-assistance sanctions",
    ),
    "n_financial": Var(
        "gsdb_counts.csv.gz", _GSDB, "count of cases", "Active cases with financial sanctions"
    ),
    "n_travel": Var(
        "gsdb_counts.csv.gz", _GSDB, "count of cases", "Active cases with travel sanctions"
    ),
    "n_other": Var(
        "gsdb_counts.csv.gz", _GSDB, "count of cases", "Active cases with other sanctions"
    ),
    "n_multilateral_sender": Var(
        "gsdb_counts.csv.gz", _GSDB, "count of cases", "Active cases with multiple senders"
    ),
    "n_us_sender": Var(
        "gsdb_counts.csv.gz",
        _GSDB,
        "count of cases",
        "Active cases with the United States among senders",
    ),
    "n_un_sender": Var(
        "gsdb_counts.csv.gz", _GSDB, "count of cases", "Active cases with the UN among senders"
    ),
    "n_eu_sender": Var(
        "gsdb_counts.csv.gz", _GSDB, "count of cases", "Active cases with the EU among senders"
    ),
    "n_obj_democracy": Var(
        "gsdb_counts.csv.gz",
        _GSDB,
        "count of cases",
        "Active cases whose objectives include democracy",
    ),
    "n_obj_human_rights": Var(
        "gsdb_counts.csv.gz",
        _GSDB,
        "count of cases",
        "Active cases whose objectives include human rights",
    ),
}

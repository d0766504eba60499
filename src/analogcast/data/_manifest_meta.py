"""Provenance text for ``MANIFEST.json`` (used only by ``_build.py``; the runtime reads the JSON)."""

from __future__ import annotations

VDEM_CITATION = [
    "Coppedge, Michael, John Gerring, Carl Henrik Knutsen, Staffan I. Lindberg, Jan Teorell et al. 2024. "
    '"V-Dem [Country-Year/Country-Date] Dataset v14". Varieties of Democracy (V-Dem) Project. '
    "https://doi.org/10.23696/mcwt-fr58",
    'Pemstein, Daniel et al. 2024. "The V-Dem Measurement Model: Latent Variable Analysis for Cross-National '
    'and Cross-Temporal Expert-Coded Data". V-Dem Working Paper No. 21, 9th edition.',
]
BAROMETER_CITATION = (
    'Beger, Andreas, Richard K. Morgan and Laura Maxwell. 2020. "The Democratic Spaces Barometer: Global '
    'Forecasts of Autocratization and Democratization". V-Dem Institute. https://github.com/vdeminstitute/demspaces'
)
WDI_CITATION = (
    "World Bank. World Development Indicators (releases as listed per series). "
    "https://databank.worldbank.org/source/world-development-indicators"
)
PT_CITATION = (
    'Powell, Jonathan M. and Clayton L. Thyne. 2011. "Global Instances of Coups from 1950 to 2010: A New '
    'Dataset". Journal of Peace Research 48(2): 249-259.'
)
GW_CITATION = (
    'Gleditsch, Kristian S. and Michael D. Ward. 1999. "Interstate System Membership: A Revised List of the '
    'Independent States since 1816". International Interactions 25(4): 393-413.'
)
UNGA_CITATION = (
    "Voeten, Erik. 2013. \"Data and Analyses of Voting in the United Nations General Assembly\". In "
    "Routledge Handbook of International Organization, ed. Bob Reinalda. Routledge. Data: Voeten, Erik, "
    "Anton Strezhnev and Michael Bailey, \"United Nations General Assembly Voting Data\", Harvard Dataverse, "
    "hdl:1902.1/12379."
)
BSV_CITATION = (
    'Bailey, Michael A., Anton Strezhnev and Erik Voeten. 2017. "Estimating Dynamic State Preferences from '
    'United Nations Voting Data". Journal of Conflict Resolution 61(2): 430-456.'
)
GCDF_CITATION = (
    "Custer, S., Dreher, A., Elston, T.B., Escobar, B., Fedorochko, R., Fuchs, A., Ghose, S., Lin, J., "
    "Malik, A., Parks, B.C., Solomon, K., Strange, A., Tierney, M.J., Vlasenko, K., and Zhang, S. 2023. "
    "Tracking Chinese Development Finance: An Application of AidData's TUFF 3.0 Methodology. "
    "Williamsburg, VA: AidData at William & Mary."
)
DREHER_CITATION = (
    "Dreher, Axel, Andreas Fuchs, Bradley Parks, Austin Strange and Michael J. Tierney. 2021. \"Aid, China, "
    'and Growth: Evidence from a New Global Development Finance Dataset". American Economic Journal: '
    "Economic Policy 13(2): 135-174."
)
VDEM_LICENSE = (
    "CC BY-SA 4.0 (V-Dem data). ShareAlike: the derived V-Dem files shipped here stay under CC BY-SA 4.0 "
    "and credit V-Dem."
)

DATASETS: dict[str, dict[str, object]] = {
    "demspaces": {
        "producer": "V-Dem Institute, Democratic Spaces Barometer (Beger, Morgan and Maxwell)",
        "dataset": "Democratic Spaces Barometer data (V-Dem v14 spaces indices, coded events, cutpoints)",
        "version": "V-Dem v14; demspaces repository at commit 1012a66 (2026-01-23)",
        "license": VDEM_LICENSE + " The demspaces repository itself carries no license file.",
        "citation": [BAROMETER_CITATION, *VDEM_CITATION],
        "source_repository": "https://github.com/vdeminstitute/demspaces",
        "source_commit": "1012a66d590d2315c292f2ec745f168abbf84d05",
    },
    "demspaces_covariates": {
        "producer": "Democratic Spaces Barometer input data, compiled from the sources named per file",
        "dataset": "Democratic Spaces Barometer covariate inputs (create-data/input)",
        "version": "demspaces repository at commit 1012a66 (2026-01-23)",
        "license": "No license file in the demspaces repository; underlying sources as named per file.",
        "citation": [BAROMETER_CITATION],
        "source_repository": "https://github.com/vdeminstitute/demspaces",
        "source_commit": "1012a66d590d2315c292f2ec745f168abbf84d05",
    },
    "vdem_v14_lite": {
        "producer": "Varieties of Democracy (V-Dem) Institute, University of Gothenburg",
        "dataset": "V-Dem Country-Year Dataset v14 (subset via the vdemlite R package, year >= 1970)",
        "version": "v14",
        "license": VDEM_LICENSE,
        "citation": VDEM_CITATION,
        "source_repository": "https://github.com/eteitelbaum/vdemlite (data/vdemlite.rda)",
        "source_commit": "a992948a1cf30282f6ccac4a06f9e53222ce1006 (file last changed in 981944f7ad1ef74fa34a3c1708158bf615d78783)",
    },
    "wbl": {
        "producer": "World Bank Group, Women, Business and the Law",
        "dataset": "WBL 1.0 historical panel (WBL2024-1-0-Historical-Panel-Data.xlsx, sheet 'WBL Panel 2024')",
        "version": "WBL 2024 release, report years 1971-2024",
        "license": "CC BY 4.0 (World Bank Terms of Use for Datasets)",
        "citation": [
            "World Bank. 2024. Women, Business and the Law 2024. Washington, DC: World Bank."
        ],
        "source_repository": "https://github.com/damiancalabresi/msml602-final-project "
        "(datasets/processed/women/world-bank/women-business-and-the-law-historical.csv)",
        "source_commit": "fde46d7329e8d9c240a69aaf5cdab924631d07c1 (file last changed in 51259c2b5994abdccd0d1eb8911aa4305f6151fc)",
    },
    "wdi": {
        "producer": "World Bank, World Development Indicators",
        "dataset": "WDI series DT.ODA.ODAT.GN.ZS, DT.ODA.ODAT.PC.ZS, NY.GDP.PETR.RT.ZS, IT.NET.USER.ZS, SL.TLF.CACT.FE.ZS",
        "version": "mixed WDI releases: DT.ODA.ODAT.GN.ZS 2021-12-16; DT.ODA.ODAT.PC.ZS 2022-02-15; "
        "NY.GDP.PETR.RT.ZS 2023-03-01; IT.NET.USER.ZS file committed 2024-11-29; SL.TLF.CACT.FE.ZS 2022-02-15",
        "license": "CC BY 4.0 (World Bank Terms of Use for Datasets). Caveat: DT.ODA.ODAT.GN.ZS was taken from "
        "hdesaioecd/oecd-sof-2022-public, whose LICENCE file restricts redistribution of the repository content; "
        "the values are verbatim World Bank WDI (CC BY 4.0) and should be re-pulled from the World Bank when "
        "network access allows.",
        "citation": [WDI_CITATION],
        "source_repository": "hdesaioecd/oecd-sof-2022-public @ 6d9ba76875007eefdde133e8c9fe42e96c7f6131 (ODA % GNI); "
        "ZhiyuanJ/ECON642-Development-Term-Paper @ d5983cb7d2a55d75ba1561696b830ff579c446c6 (ODA per capita, FLFP); "
        "SainavyaGadde/Sainavya_CAFP_Assignment_3 @ 9027be963cfc965b702c5545c0ae782c0a66f2a0 (oil rents); "
        "plotly/Figure-Friday @ 55cb522196cfeae09ee4f9a80a4cbee7401a4026 (internet users)",
        "source_commit": "per series, see source_repository",
    },
    "gsdb": {
        "producer": "Felbermayr, Kirilakha, Syropoulos, Yalcin and Yotov (Global Sanctions Data Base)",
        "dataset": "Global Sanctions Data Base, case list GSDB_V4.csv (1,547 cases, 1949-2023); "
        "only target-country-year counts derived from it are shipped",
        "version": "V4",
        "license": "NO OPEN LICENSE FOUND. The producers' website and papers state no license; they provide the "
        "data for research and request citation. Only derived yearly counts are shipped, with attribution; "
        "check the producers' current terms before redistributing outside the project.",
        "citation": [
            "Felbermayr, Gabriel, Aleksandra Kirilakha, Constantinos Syropoulos, Erdal Yalcin and Yoto V. Yotov. "
            '2020. "The Global Sanctions Data Base". European Economic Review 129: 103561.',
            "Kirilakha, Aleksandra, Gabriel Felbermayr, Constantinos Syropoulos, Erdal Yalcin and Yoto V. Yotov. "
            '2021. "The Global Sanctions Data Base (GSDB): An Update that Includes the Years of the Trump '
            'Presidency".',
        ],
        "source_repository": "https://github.com/xintong-utk/civil-wars-research-paper (GSDB_V4.csv)",
        "source_commit": "131c5b0fb8f92ffcb688f96fe489851de4759baa (file added in aa4bb9243f5140be7c469e3c7a328d4dbbedf8e8)",
    },
    "unga": {
        "producer": "Erik Voeten (United Nations General Assembly Voting Data, Harvard Dataverse, "
        "hdl:1902.1/12379); country-year agreement scores derived by the project's shared-data curators",
        "dataset": "UN General Assembly roll-call votes (via the R package unvotes), agreement with the US, "
        "the PRC and the USSR/Russia by country and year",
        "version": "unvotes repository dgrtwo/unvotes at commit 7eb7034 (roll calls 1946-2019; 2020 holds "
        "one roll call)",
        "license": "CC0 1.0 (Voeten's data, public domain dedication); the unvotes R code is MIT.",
        "citation": [UNGA_CITATION, BSV_CITATION],
        "source_repository": "https://github.com/dgrtwo/unvotes (data/un_votes.rda sha256 "
        "cf814a48bc536e8f87f8e027942ac515fe6aae9d63cd71dd88ed718b14887e87, data/un_roll_calls.rda sha256 "
        "ff2070ae600cfd32176c6d149637306b9b677d6b910f48bec59a15357d673b4b)",
        "source_commit": "7eb7034314ff79c49c9e0785fcd9d216fa04cf14",
    },
    "gcdf": {
        "producer": "AidData at William & Mary, Global Chinese Development Finance Dataset (Custer et al. 2023)",
        "dataset": "GCDF 3.0 official-finance commitments by recipient (Gleditsch-Ward code), commitment year "
        "and flow class (ODA-like, OOF, vague), constant 2021 US$; projects 'recommended for aggregates'",
        "version": "GCDF 3.0 (2000-2021), recipient-year aggregation of milesdwilliams15/odadata at commit 3c1f895",
        "license": "AidData: attribution required; check AidData's terms before redistributing outside this "
        "project. The odadata aggregation code is MIT.",
        "citation": [GCDF_CITATION, DREHER_CITATION],
        "source_repository": "https://github.com/milesdwilliams15/odadata (data/gw_gcdf.csv, sha256 "
        "45ea82a2209f95ee89101498d787c421368859258feb48d0e053be4b9e7e21a1; aggregation in clean_gcdf_data.R)",
        "source_commit": "3c1f8955597e21246abbc1607df7b0c6f7dcd5b2",
    },
    "analogcast": {
        "producer": "analogcast (derived from the files named in 'changes')",
        "dataset": "analogcast country crosswalk and match report",
        "version": "built by analogcast.data._build",
        "license": "CC BY-SA 4.0 (derived from V-Dem identifiers and the Barometer's region mapping)",
        "citation": [BAROMETER_CITATION, *VDEM_CITATION],
        "source_repository": "this package (src/analogcast/data/_build.py)",
        "source_commit": "n/a",
    },
}

_SAME = "Kept only the columns listed, sorted rows; values unchanged."

FILE_META: dict[str, dict[str, object]] = {
    "spaces.csv.gz": {
        "dataset": "demspaces",
        "source_file": "vdem_demspaces/spaces_1968_2023.csv (repo: create-data/output/dv_data_1968_on.csv)",
        "description": "Six space indices (V-Dem v14; v2x_pubcorr as the Barometer uses it: higher = less "
        "corrupt) by gwcode and year, 172 countries (174 gwcodes), 1968-2023. The panel's universe.",
        "changes": "Sorted by gwcode, year. The six index columns were parsed from the source CSV text the "
        "way the Barometer's R pipeline reads that file (readr/vroom's bsd_strtod, which is not correctly "
        "rounded for 17-digit strings such as 0.23099999999999998), so each value is bit-identical to the "
        "double the Barometer coded its events from; 932 of 52,776 values differ from the correctly rounded "
        "parse by a few ulp (< 1e-15). Nothing else changed.",
    },
    "barometer_events.csv.gz": {
        "dataset": "demspaces",
        "source_file": "vdem_demspaces/events/<index>.csv (repo: create-data/output/dv-lists/<index>.csv)",
        "description": "The Barometer's coded events: dv_<index>_change (up/down/same/first year of "
        "independence), dv_<index>_up_next2, dv_<index>_down_next2, by gwcode and year.",
        "changes": "Joined the six per-index files on (gwcode, year); values unchanged.",
    },
    "barometer_cutpoints.csv.gz": {
        "dataset": "demspaces",
        "source_file": "vdem_demspaces/cutpoints.csv (repo: create-data/output/cutpoints.csv)",
        "description": "Frozen cutpoints per index (up, down) and the SD of yearly changes (all).",
        "changes": "None (gzip only).",
    },
    "gdp.csv.gz": {
        "dataset": "demspaces_covariates",
        "source_file": "vdem_demspaces/gdp.csv (repo: create-data/input/gdp.csv)",
        "original_source": "World Bank WDI constant-US$ GDP (with the Barometer's gap filling), by gwcode",
        "citation": [BAROMETER_CITATION, WDI_CITATION],
        "description": "NY.GDP.MKTP.KD, NY.GDP.MKTP.KD.ZG, NY.GDP.PCAP.KD, NY.GDP.PCAP.KD.ZG by gwcode, year.",
        "changes": "Kept the panel's gwcodes within their spells and years 1968-2023. " + _SAME,
    },
    "population.csv.gz": {
        "dataset": "demspaces_covariates",
        "source_file": "vdem_demspaces/population.csv (repo: create-data/input/population.csv)",
        "original_source": "Population in thousands (World Bank / UN / Gleditsch, as compiled by the Barometer)",
        "description": "pop (thousands) by gwcode, year.",
        "changes": "Kept the panel's gwcodes within their spells and years 1968-2023. " + _SAME,
    },
    "infmort.csv.gz": {
        "dataset": "demspaces_covariates",
        "source_file": "vdem_demspaces/wdi-infmort.csv (repo: create-data/input/wdi-infmort.csv)",
        "original_source": "World Bank WDI infant mortality (SP.DYN.IMRT.IN), Barometer's year-adjusted version",
        "citation": [BAROMETER_CITATION, WDI_CITATION],
        "description": "infmort (per 1,000 live births), infmort_yearadj by gwcode, year.",
        "changes": "Kept the panel's gwcodes within their spells and years 1968-2023; dropped infmort_imputed. "
        + _SAME,
    },
    "ptcoups.csv.gz": {
        "dataset": "demspaces_covariates",
        "source_file": "vdem_demspaces/ptcoups.csv (repo: create-data/input/ptcoups.csv)",
        "original_source": "Powell & Thyne coup data (updated), as compiled by the Barometer",
        "citation": [BAROMETER_CITATION, PT_CITATION],
        "description": "Coup attempts/successes/failures (counts, 5-year counts, years since last) by gwcode, year.",
        "changes": "Kept 7 of 18 columns, the panel's gwcodes within their spells, years 1968-2023. "
        + _SAME,
    },
    "state_age.csv.gz": {
        "dataset": "demspaces_covariates",
        "source_file": "vdem_demspaces/gwstate-age.csv (repo: create-data/input/gwstate-age.csv)",
        "original_source": "Gleditsch-Ward list of independent states, as compiled by the Barometer",
        "citation": [BAROMETER_CITATION, GW_CITATION],
        "description": "state_age (years since independence, Gleditsch-Ward state list) by gwcode, year.",
        "changes": "Kept the panel's gwcodes within their spells and years 1968-2023. " + _SAME,
    },
    "vdem_v14_lite.csv.gz": {
        "dataset": "vdem_v14_lite",
        "source_file": "vdem_v14_lite/vdem_v14_lite_1970_2023.csv",
        "description": "V-Dem v14 women's rights, civil society, democracy and regime columns, by "
        "country_text_id, year, 1970-2023 (v2x_gencl is the 'women' space).",
        "changes": "Kept 15 of 39 columns and the 172 panel countries (the 10 others are listed in "
        "unmatched.csv.gz); dropped v2xcs_ccsi and v2x_freexp_altinf (identical to spaces.csv.gz, checked "
        "at build). " + _SAME,
    },
    "wbl.csv.gz": {
        "dataset": "wbl",
        "source_file": "wbl_2024_panel/wbl_panel_2024_1971_2024.csv",
        "description": "wbl_index and its 8 indicator scores (0-100) by World Bank code and report_year. The "
        "panel aligns report_year - 1 to calendar year (a report measures laws of the previous autumn).",
        "changes": "Kept 9 of 52 columns (no question-level answers) and economies matched to panel countries; "
        "recoded Kosovo's WBL code KSV to XKX (the WDI and V-Dem code). " + _SAME,
    },
    "wdi.csv.gz": {
        "dataset": "wdi",
        "source_file": "wdi_selected/wdi_selected_country_year.csv",
        "description": "Net ODA received (% of GNI; per capita, current US$), oil rents (% of GDP), internet "
        "users (% of population), female labour force participation (% ages 15+) by WB code, year.",
        "changes": "Kept 5 of 7 indicators, economies matched to panel countries (no aggregates), years "
        "1968-2023, rows with at least one value. " + _SAME,
    },
    "gsdb_counts.csv.gz": {
        "dataset": "gsdb",
        "source_file": "gsdb_v4/gsdb_v4_target_country_year.csv (counts derived by the shared-data curators "
        "from GSDB_V4.csv)",
        "description": "Sparse counts of sanction cases by target country and year: active, new, by type, "
        "sender (US, UN, EU, multilateral) and objective (democracy, human rights). An absent country-year "
        "means no GSDB-recorded active sanction (count 0).",
        "changes": "Mapped target codes to V-Dem text ids. Codes that are not panel text ids go to the "
        "Gleditsch-Ward unit they denote: SUN->RUS (to 1991), CSK->CZE (to 1992), YUG->SRB (all years; "
        "continuator), YAR 'Yemen, North'->YEM (all years: gwcode 678 continues as unified Yemen, and the "
        "source has no YEM rows), RVN 'South Vietnam'->VDR to 1975 and ->VNM from 1976 (no South Vietnam "
        "existed then; these rows cover e.g. the US embargo on Vietnam), RHO->ZWE. Counts are summed per "
        "text id and year (in 1976 VNM gets the 'North Vietnam' and 'South Vietnam' rows; a case listing "
        "both would count twice). Unmatched targets are listed in unmatched.csv.gz. Years 1968-2023.",
    },
    "unga_agreement.csv.gz": {
        "dataset": "unga",
        "source_file": "patrons/unga_agreement.csv (sha256 "
        "0b7601bbadba844f1ba4a2fb0a0dadc656865a4a0b6fd92bf06a49cfa8d77427)",
        "description": "UNGA voting agreement with the US, the PRC and the USSR/Russia (0-1: mean over the "
        "year's roll calls of 1 - |v - v_ref| / 2, votes yes 1 / abstain 2 / no 3; absences not counted), "
        "and the number of roll calls voted on, by V-Dem text id and year. A state's agreement with itself "
        "is empty (NaN).",
        "changes": "Mapped iso3 codes to V-Dem text ids: CSK (Czechoslovakia) -> CZE to 1992, YUG "
        "(Yugoslavia, Serbia and Montenegro, Serbia) -> SRB; the USSR is RUS in the source, the ROC (seat "
        "to 1971) TWN, South Yemen YMD, the GDR DDR. UN members outside the panel are listed in "
        "unmatched.csv.gz. Kept years 1968-2023 (the source ends with one roll call in 2020). Dropped the "
        "iso2 and name columns; values unchanged.",
    },
    "china_finance.csv.gz": {
        "dataset": "gcdf",
        "source_file": "patrons/china_finance_gcdf3.csv (sha256 "
        "45ea82a2209f95ee89101498d787c421368859258feb48d0e053be4b9e7e21a1)",
        "description": "Chinese official finance commitments by recipient gwcode and commitment year, "
        "constant 2021 US$: oda_amt (ODA-like), oof_amt (other official flows), vof_amt (vague official "
        "flows), and AidData's adjusted amounts (*_adj). An absent year of a country present in other "
        "years means no recorded commitment (0); the data start in 2000.",
        "changes": "Kept the panel's gwcodes within their spells (Bahamas 31 and Brunei 835 are listed in "
        "unmatched.csv.gz). " + _SAME,
    },
    "crosswalk.csv.gz": {
        "dataset": "analogcast",
        "source_file": "built from spaces.csv.gz, vdem_demspaces/region_mapping.csv, WDI and WBL codes",
        "description": "One row per (V-Dem text id, Gleditsch-Ward gwcode) spell: vdem_id, years of the "
        "spell, name, World Bank code (empty when none), e_regionpol_6C and its name.",
        "changes": "Derived: gwcode spells from the spaces data; wb_code = V-Dem text id where it is a WDI or "
        "WBL economy code (V-Dem text ids equal ISO3 for these states); region from region_mapping.csv.",
    },
    "unmatched.csv.gz": {
        "dataset": "analogcast",
        "source_file": "built from every source's country codes",
        "description": "Every source entity that does not map to a panel country (and panel countries "
        "without a World Bank code), with years and reason. Nothing is dropped silently.",
        "changes": "Derived.",
    },
}

NOTES: list[str] = [
    "V-Dem data are CC BY-SA 4.0: the shipped files derived from V-Dem (spaces, events, cutpoints, "
    "vdem_v14_lite, crosswalk) stay under CC BY-SA 4.0 and credit V-Dem (Coppedge et al. 2024, v14).",
    "GSDB: no open license was found; only derived yearly counts are shipped, with attribution.",
    "AidData GCDF 3.0: attribution required; only recipient-year sums are shipped; check AidData's terms "
    "before redistributing outside the project.",
    "WDI DT.ODA.ODAT.GN.ZS came via a repository whose LICENCE restricts redistribution; values are verbatim "
    "World Bank (CC BY 4.0); re-pull from the World Bank when possible.",
    "Event cutpoints: the six Barometer spaces use its frozen cutpoints (electoral 0.08, associational 0.05, "
    "individual 0.04, informational 0.05, governing 0.06, economic 0.03). The women space (v2x_gencl) uses "
    "0.03, computed as the Barometer computes cutpoints: the mean of the SD of non-negative and the SD of "
    "non-positive year-to-year changes (first year of a series = 0), rounded up to the next 0.01.",
]

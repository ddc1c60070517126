"""M4 scoring for ``benchmarks/m4.py``: sMAPE, MASE and OWA as M4 computed them.

The measures themselves come from :mod:`tsrnn.metrics`; this module averages them over a
group, checks them against the official table (:func:`self_check`), and formats the tables:
the group's scores beside the official entries (:func:`table`) and the scores by training
length (:func:`per_series`, :func:`length_table`).
"""

import pandas as pd
from _m4_data import OFFICIAL_ROWS, best_entry

from tsrnn.metrics import mase, owa, smape

#: Largest difference allowed between a score recomputed here and the official table.
TOLERANCE = 1e-3


def score(insample, y, f, m):
    """Mean sMAPE and mean MASE over the series (:mod:`tsrnn.metrics`, M4's definitions).

    Parameters
    ----------
    insample : list of array_like
        Training values of each series.
    y, f : array_like of shape (n_series, horizon)
        Test values and forecasts.
    m : int
        Seasonal lag of the MASE scale (24 Hourly, 1 Weekly).

    Returns
    -------
    (float, float)
        sMAPE and MASE, each averaged over the series.
    """
    return smape(y, f), mase(y, f, insample, m=m)


def self_check(data, official):
    """Score the official benchmark forecasts on the whole group against the official table.

    Parameters
    ----------
    data : GroupData
        The whole group.
    official : dict
        As returned by :func:`read_official`.

    Returns
    -------
    list of str
        One line per benchmark checked.

    Raises
    ------
    SystemExit
        When a recomputed sMAPE or MASE differs from the table by more than ``TOLERANCE``.
    """
    lines = []
    for method, fc in data.benchmarks.items():
        got = score(data.train, data.test, fc, data.spec.m)
        want = official[method][data.name][:2]
        diff = max(abs(g - w) for g, w in zip(got, want, strict=True))
        status = "ok" if diff <= TOLERANCE else "MISMATCH"
        lines.append(
            f"self-check {data.name} {method}: sMAPE {got[0]:.4f} (official {want[0]:.3f}), "
            f"MASE {got[1]:.4f} (official {want[1]:.3f}): {status}"
        )
        if diff > TOLERANCE:
            raise SystemExit(
                "\n".join(lines) + f"\nthe {method} scores differ from the official table by "
                f"{diff:.4g} > {TOLERANCE}: the data or the scoring is not M4's."
            )
    return lines


def table(data, official, model_label, forecasts):
    """Markdown table: the official entries, the subset's benchmarks and the model.

    Parameters
    ----------
    data : GroupData
        The series scored.
    official : dict
        As returned by :func:`read_official`.
    model_label : str
    forecasts : ndarray of shape (n_series, horizon)

    Returns
    -------
    str
    """
    g = data.name
    rows = [
        (f"{label} — official", *official[key][g])
        for key, label in OFFICIAL_ROWS
        if key in official
    ]
    best = best_entry(official, g)
    rows.append((f"best entry (#{best}) — official", *official[best][g]))
    n2 = score(data.train, data.test, data.benchmarks["Naive2"], data.spec.m)
    n = len(data.ids)
    for method, fc in data.benchmarks.items():
        s, m = score(data.train, data.test, fc, data.spec.m)
        rows.append((f"{method} — the {n} series scored", s, m, owa(s, m, *n2)))
    s, m = score(data.train, data.test, forecasts, data.spec.m)
    rows.append((f"**{model_label}** — the {n} series scored", s, m, owa(s, m, *n2)))
    lines = [f"| M4 {g} | sMAPE | MASE | OWA |", "|---|---:|---:|---:|"]
    lines += [f"| {r[0]} | {r[1]:.3f} | {r[2]:.3f} | {r[3]:.3f} |" for r in rows]
    return "\n".join(lines)


def per_series(data, forecasts):
    """sMAPE and MASE of every series, for the model and the official benchmarks.

    Parameters
    ----------
    data : GroupData
    forecasts : ndarray of shape (n_series, horizon)

    Returns
    -------
    pandas.DataFrame
        One row per series: ``id``, ``n_train`` (training values), then ``smape_<method>``
        and ``mase_<method>`` for ``model`` and each benchmark.
    """
    frame = pd.DataFrame({"id": data.ids, "n_train": [len(x) for x in data.train]})
    for method, fc in {"model": forecasts, **data.benchmarks}.items():
        frame[f"smape_{method}"] = smape(data.test, fc, per_series=True)
        frame[f"mase_{method}"] = mase(data.test, fc, data.train, m=data.spec.m, per_series=True)
    return frame


def length_table(frame, max_groups=4):
    """Markdown table of the scores by training length (from :func:`per_series`).

    Series of the same length form a group when there are at most ``max_groups`` distinct
    lengths; otherwise the lengths are cut at their quantiles into ``max_groups`` groups.
    OWA is relative to Naive2 on the same group.

    Parameters
    ----------
    frame : pandas.DataFrame
    max_groups : int, default=4

    Returns
    -------
    str
    """
    lengths = frame["n_train"]
    if lengths.nunique() <= max_groups:
        groups = lengths.astype(str)
    else:
        bins = pd.qcut(lengths, max_groups, duplicates="drop")
        groups = bins.map(lambda b: f"{int(b.left) + 1}-{int(b.right)}").astype(str)
    methods = [c[len("smape_") :] for c in frame if c.startswith("smape_") and c != "smape_Naive2"]
    lines = [
        "| training length | series | "
        + " | ".join(f"OWA {m}" for m in methods)
        + " | sMAPE model | MASE model |",
        "|---|---:|" + "---:|" * (len(methods) + 2),
    ]
    order = sorted(groups.unique(), key=lambda g: int(g.split("-")[0]))
    for g in order:
        part = frame[groups == g]
        n2 = part["smape_Naive2"].mean(), part["mase_Naive2"].mean()
        owas = [owa(part[f"smape_{m}"].mean(), part[f"mase_{m}"].mean(), *n2) for m in methods]
        lines.append(
            f"| {g} | {len(part)} | "
            + " | ".join(f"{v:.3f}" for v in owas)
            + f" | {part['smape_model'].mean():.3f} | {part['mase_model'].mean():.3f} |"
        )
    return "\n".join(lines)

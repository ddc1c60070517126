"""Helpers shared by the benchmark scripts: the machine they ran on, and markdown tables.

Standard library only, so that a script can import it before it times anything else.
"""

import os
import platform


def cpu_name():
    """The processor's model name.

    Returns
    -------
    str
        The ``model name`` line of ``/proc/cpuinfo`` (Linux), else what :mod:`platform`
        says.
    """
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores():
    """Number of CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_average():
    """The 1, 5 and 15 minute load averages, or None where the system has none."""
    try:
        return os.getloadavg()
    except OSError:
        return None


def load_text(load):
    """Load averages from :func:`load_average` as text (``"n/a"`` for None)."""
    return "n/a" if load is None else " ".join(f"{v:.2f}" for v in load)


def fmt(value, digits=0):
    """``value`` with thousands separators and ``digits`` decimals."""
    return f"{value:,.{digits}f}"


def markdown_table(header, rows, align=None):
    """A markdown table.

    Parameters
    ----------
    header : sequence of str
    rows : iterable of sequence of str
        Cells, already formatted.
    align : str, optional
        One letter per column, ``"l"`` (left) or ``"r"`` (right). None leaves the alignment
        to the renderer (``---``).

    Returns
    -------
    list of str
        The lines of the table.
    """
    marks = {"l": "---", "r": "---:"}
    sep = ["---"] * len(header) if align is None else [marks[a] for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines

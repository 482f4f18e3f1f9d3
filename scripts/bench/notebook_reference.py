"""The notebook a team would write instead of memgrowth, as the fleet benchmark's
reference: for every service, fetch its memory series from the Prometheus HTTP API
(requests), put them in pandas frames, take 15-minute means, test each for a trend with
Mann-Kendall (pymannkendall, Hamed-Rao correction), fit a line and a saturating
exponential (scipy curve_fit), and give each service on each host a verdict.

Usage: python notebook_reference.py URL START END STEP_SECONDS LABEL
Prints one line per target (service, host, verdict) and a summary line on stderr.
"""

import sys
import time
import warnings

import numpy as np
import pandas as pd
import pymannkendall as mk
import requests
from scipy.optimize import curve_fit

APP = [
    "nodejs_heap_size_used_bytes",
    "nodejs_heap_size_total_bytes",
    "nodejs_external_memory_bytes",
    "process_resident_memory_bytes",
    "process_start_time_seconds",
]
CONTAINER = [
    "container_memory_usage_bytes",
    "container_memory_working_set_bytes",
    "container_memory_rss",
    "container_memory_cache",
]
MAX_POINTS = 11_000  # Prometheus refuses more points per series in one query


def query_range(session, url, promql, start, end, step):
    """Every sample of a range query, split under the server's points limit."""
    frames = {}
    chunk = MAX_POINTS * step
    t = start
    while t <= end:
        stop = min(end, t + chunk - step)
        r = session.get(
            f"{url}/api/v1/query_range",
            params={"query": promql, "start": t, "end": stop, "step": step},
            timeout=300,
        )
        r.raise_for_status()
        for result in r.json()["data"]["result"]:
            host = result["metric"].get("instance", "").rsplit(":", 1)[0]
            values = pd.DataFrame(result["values"], columns=["t", "v"]).astype(float)
            frames.setdefault(host, []).append(values)
        t = stop + step
    return {h: pd.concat(f).drop_duplicates("t") for h, f in frames.items()}


def saturating(t, a, b, tau):
    return a - b * np.exp(-t / tau)


def assess(series):
    """Trend test and fits on 15-minute means: (significant growth, slope per hour, saturates)."""
    s = series.resample("15min").mean().dropna()
    if len(s) < 12:
        return False, 0.0, False
    test = mk.hamed_rao_modification_test(s.values)
    hours = (s.index - s.index[0]).total_seconds().values / 3600.0
    slope, intercept = np.polyfit(hours, s.values, 1)
    saturates = False
    try:
        span = hours[-1] if hours[-1] > 0 else 1.0
        params, _ = curve_fit(
            saturating,
            hours,
            s.values,
            p0=[s.values.max(), s.values.max() - s.values.min() + 1.0, span / 5],
            maxfev=2000,
        )
        lin = np.sum((s.values - (slope * hours + intercept)) ** 2)
        sat = np.sum((s.values - saturating(hours, *params)) ** 2)
        saturates = sat < 0.8 * lin and 0 < params[2] < span / 2
    except (RuntimeError, ValueError):
        pass
    level = max(abs(s.values.mean()), 1.0)
    material = abs(slope) * 24 / level > 0.005
    return test.trend == "increasing" and material, slope, saturates


def verdict(frame):
    grows = {}
    saturated = {}
    for column in frame.columns:
        g, _, sat = assess(frame[column])
        grows[column] = g
        saturated[column] = sat
    restarts = frame.get("process_start_time_seconds")
    restarted = restarts is not None and restarts.dropna().nunique() > 1
    heap = grows.get("nodejs_heap_size_used_bytes", False)
    rss = grows.get("process_resident_memory_bytes", False) or grows.get(
        "container_memory_rss", False
    )
    if heap and saturated.get("nodejs_heap_size_used_bytes"):
        return "plateau"
    if heap:
        return "restart_masked_leak" if restarted else "leak"
    if rss:
        return "native_growth"
    if grows.get("container_memory_cache") and grows.get("container_memory_usage_bytes"):
        return "cache_growth"
    return "stable"


def main():
    warnings.filterwarnings("ignore")  # fits that do not converge are expected
    url, start, end, step, label = sys.argv[1:6]
    start, end, step = int(float(start)), int(float(end)), int(float(step))
    began = time.time()
    session = requests.Session()
    services = session.get(
        f"{url}/api/v1/label/{label}/values",
        params={"match[]": APP[0]},
        timeout=60,
    ).json()["data"]
    targets = 0
    samples = 0
    for service in sorted(services):
        per_host = {}
        for metric in APP + CONTAINER:
            selector = f'{label}="{service}"' if metric in APP else f'name="{service}"'
            for host, df in query_range(
                session, url, f"{metric}{{{selector}}}", start, end, step
            ).items():
                samples += len(df)
                column = pd.Series(
                    df["v"].values, index=pd.to_datetime(df["t"], unit="s"), name=metric
                )
                per_host.setdefault(host, []).append(column)
        for host, columns in sorted(per_host.items()):
            frame = pd.concat(columns, axis=1)
            print(f"{service}\t{host}\t{verdict(frame)}")
            targets += 1
    print(
        f"notebook: {targets} targets, {samples} samples, {time.time() - began:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

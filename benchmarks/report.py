"""The benchmark report: a Markdown table of medians and ratios, and a PNG chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .scenarios import SCENARIOS


def brief(r: dict[str, Any], sc: Any) -> str:
    if "count" not in r:
        return r.get("skipped") or r.get("error") or "?"
    scale = (1 << 20) if sc.unit == "MiB/s" else 1
    return f"{r['count'] / scale / r['seconds']:,.0f} {sc.unit}"


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# Benchmarks {results['date']} (Python {results['python']}, "
        f"{'quick' if results['quick'] else 'full'}, median of {results['runs']} run(s), "
        f"server/client CPUs {results['pinned']})",
        "",
    ]
    if "compiled" in results:  # results files from before the compiled build lack it
        if results["compiled"]:
            build = "compiled (mypyc); clients ending in `@pure` run its Python source"
        else:
            build = "pure Python"
        lines += [f"aiohttpc: {build}.", ""]
    for server, per in results["servers"].items():
        cap = per.get("capacity", {})
        cap_text = (
            f"{cap['req_per_s']:,.0f} req/s ({cap['by']})"
            if "req_per_s" in cap
            else cap.get("note")
        )
        lines += [f"## Server: {server} — capacity {cap_text}", ""]
        for key, sc in SCENARIOS.items():
            if key not in per:
                continue
            rows = per[key]
            if "_skipped" in rows:
                lines += [f"### {key}: {sc.title} — left out: {rows['_skipped']}", ""]
                continue
            ref = rows.get("_reference")
            lines += [
                f"### {key}: {sc.title} — ratios to {ref}",
                "",
                f"| client | {sc.unit} | ratio | peak RSS MiB |",
                "|---|---:|---:|---:|",
            ]
            ranked = sorted(
                ((c, e) for c, e in rows.items() if not c.startswith("_")),
                key=lambda ce: -ce[1].get("median", -1),
            )
            for client, e in ranked:
                if "median" in e:
                    rss = f"{e['peak_rss'] / (1 << 20):.0f}" if "peak_rss" in e else ""
                    ratio = f"{e['ratio']:.2f}" if "ratio" in e else ""
                    lines.append(f"| {client} | {e['median']:,.0f} | {ratio} | {rss} |")
                else:
                    lines.append(f"| {client} | — | | {e.get('note', '')} |")
            lines.append("")
    return "\n".join(lines) + "\n"


def chart_grid(results: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The chart's rows (scenarios run on any server) and columns (servers)."""
    servers = list(results["servers"])
    keys = [k for k in SCENARIOS if any(k in per for per in results["servers"].values())]
    return keys, servers


def chart(results: dict[str, Any], path: Path) -> Path | None:
    """Bar charts of ratios to each reference: a row per scenario, a column per server.

    None without matplotlib or without any scenario.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    keys, servers = chart_grid(results)
    if not keys:
        return None
    fig, axes = plt.subplots(
        len(keys), len(servers), figsize=(9 * len(servers), 2.6 * len(keys)), squeeze=False
    )
    for col, server in enumerate(servers):
        per = results["servers"][server]
        for row, key in enumerate(keys):
            ax = axes[row, col]
            rows = per.get(key)
            title = f"[{server}] {key}: {SCENARIOS[key].title}"
            if rows is None or "_skipped" in rows:
                why = "not run" if rows is None else f"left out: {rows['_skipped']}"
                ax.set_title(title, fontsize=9)
                ax.text(0.5, 0.5, why, ha="center", va="center", wrap=True, fontsize=8)
                ax.set_axis_off()
                continue
            items = [
                (c, e["ratio"]) for c, e in rows.items() if not c.startswith("_") and "ratio" in e
            ]
            items.sort(key=lambda ce: ce[1])
            names = [c for c, _ in items]
            colors = [
                "tab:red" if c.startswith(("aiohttpc", "sync_facade")) else "tab:gray"
                for c in names
            ]
            ax.barh(names, [v for _, v in items], color=colors)
            ax.axvline(1.0, color="black", linewidth=0.8)
            ax.set_title(f"{title} (ratio to {rows['_reference']})", fontsize=9)
            ax.tick_params(labelsize=8)
    fig.suptitle(f"aiohttpc benchmarks, {', '.join(servers)}, {results['date']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

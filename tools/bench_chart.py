#!/usr/bin/env python3
"""Draws the throughput-against-batch-size chart of docs/benchmarks.md as an SVG.

    bench_chart.py OUTPUT.svg < hsync_bench output

Reads the table that follows "records per transaction" in hsync_bench's output (batch
size, rows, hsync rows/s, baseline rows/s, ratio) and plots both series against the batch
size on a logarithmic axis. Standard library only.
"""

import math
import re
import sys


def read_sweep(text):
    points = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("| records per transaction"):
            in_table = True
            continue
        if in_table:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 5 and re.fullmatch(r"\d+", cells[0]):
                points.append((int(cells[0]), float(cells[2]), float(cells[3])))
            elif points:
                break
    return points


def nice_ceiling(value):
    """The next 1, 2 or 5 times a power of ten at or above value."""
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def svg(points):
    width, height = 640, 360
    left, right, top, bottom = 80, 170, 30, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [math.log10(b) for b, _, _ in points]
    x_min, x_max = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y_max = nice_ceiling(max(max(h, b) for _, h, b in points) * 1.05)

    def px(batch):
        return left + (math.log10(batch) - x_min) / (x_max - x_min) * plot_w

    def py(rate):
        return top + plot_h - rate / y_max * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="14">Shared records committed: rows per second '
        f"against records per transaction</text>",
    ]
    for i in range(6):  # horizontal grid and y labels
        rate = y_max * i / 5
        y = py(rate)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{rate:,.0f}</text>')
    for batch, _, _ in points:  # x labels
        x = px(batch)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle">{batch:,}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 10}" text-anchor="middle">'
               f"records per transaction (log scale)</text>")
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>')
    series = [("hsync", 1, "#d6542b", ""), ("hand-written SQLite", 2, "#2b6cd6", ' stroke-dasharray="6 4"')]
    for index, (name, column, color, dash) in enumerate(series):
        path = " ".join(f"{px(p[0]):.1f},{py(p[column]):.1f}" for p in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for p in points:
            out.append(f'<circle cx="{px(p[0]):.1f}" cy="{py(p[column]):.1f}" r="3" fill="{color}"/>')
        y = top + 20 + 20 * index
        out.append(f'<line x1="{left + plot_w + 12}" y1="{y}" x2="{left + plot_w + 36}" y2="{y}" '
                   f'stroke="{color}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{left + plot_w + 42}" y="{y + 4}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench_chart.py OUTPUT.svg < hsync_bench output")
    points = read_sweep(sys.stdin.read())
    if len(points) < 2:
        sys.exit("bench_chart.py: no batch-size table in the input (is it hsync_bench's output?)")
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write(svg(points))
    print(f"bench_chart.py: wrote {sys.argv[1]} ({len(points)} batch sizes)")


if __name__ == "__main__":
    main()

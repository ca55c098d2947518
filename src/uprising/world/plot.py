"""Draw a world: population density, and mean hardship by department, with department borders."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from uprising.data.peru_data import PeruData
from uprising.engine.lattice import World
from uprising.errors import UprisingError
from uprising.figures import place_labels, polygon_rings
from uprising.files import atomic_path, describe_os_error
from uprising.world.projection import lonlat_to_xy_km
from uprising.world.summary import department_hardship


def plot_world(
    world: World,
    path: Path,
    data: PeruData | None = None,
    title: str = "",
    formats: tuple[str, ...] = ("png",),
    dpi: int = 110,
) -> list[Path]:
    """Save a two-panel figure: people per km^2 (log scale) and mean hardship by department: a
    PNG at `path`, or with other `formats` (png, svg, pdf) one file of each, `path` with its
    suffix; returns the files written.

    With `data` (the map of Peru) both panels show the department borders and names, in km of
    the lattice's projection; without it (the torus) the axes are in sites.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm, Normalize

    lattice = world.lattice
    h, w = lattice.height, lattice.width
    dept = lattice.department.reshape(h, w)
    outside = dept < 0
    counts = np.bincount(world.citizen_cell, minlength=lattice.cells).reshape(h, w)
    geo = lattice.cell_km is not None and lattice.origin_lonlat is not None
    if geo:
        cell = float(lattice.cell_km)
        density = counts * (world.population_scale / cell**2)
        extent = (0.0, w * cell, 0.0, h * cell)
        unit = "people per km²"
    else:
        density = counts * world.population_scale
        extent = (0.0, float(w), 0.0, float(h))
        unit = "people per site"
    _, mean_h = department_hardship(world)

    tall = extent[3] / max(extent[1], 1e-9)
    fig, axes = plt.subplots(1, 2, figsize=(13, max(4.5, min(10, 5.3 * tall))), layout="constrained")
    ax1, ax2 = axes

    positive = density[(density > 0) & ~outside]
    shown = np.ma.masked_where(outside, density)
    # White: outside every department; grey: a department cell with nobody on it.
    cmap1 = plt.get_cmap("viridis").with_extremes(bad="white", under="#e6e6e6")
    if geo and positive.size:
        lo, hi = float(positive.min()), float(positive.max())
        norm = LogNorm(vmin=lo, vmax=max(hi, lo * 1.0001))
        values = np.ma.masked_where(outside, np.where(density > 0, density, lo / 10))
        label = f"population density ({unit}, log scale)"
    else:  # the torus: at most a few agents per site, a linear scale
        norm = Normalize(vmin=0.5 * world.population_scale, vmax=max(1.0, float(density.max())))
        values = shown
        label = f"population density ({unit})"
    im1 = ax1.imshow(values, extent=extent, origin="upper", cmap=cmap1, norm=norm, interpolation="nearest")
    fig.colorbar(im1, ax=ax1, shrink=0.8, extend="min", label=label)
    ax1.set_title(f"population density (grey: {'department cell' if geo else 'site'} with no agent)")

    hard = np.ma.masked_where(outside, np.where(outside, 0.0, mean_h[np.maximum(dept, 0)]))
    cmap2 = plt.get_cmap("YlOrRd").with_extremes(bad="white")
    finite = mean_h[np.isfinite(mean_h)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if vmax - vmin < 1e-3:
        vmin, vmax = vmin - 0.05, vmax + 0.05
    im2 = ax2.imshow(
        hard,
        extent=extent,
        origin="upper",
        cmap=cmap2,
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
    )
    fig.colorbar(im2, ax=ax2, shrink=0.8, label="mean hardship H of the citizens (0 to 1, no unit)")
    ax2.set_title("mean hardship by department")

    if geo and data is not None:
        lon_w, lat_n = lattice.origin_lonlat
        lat_s = lat_n - h * cell / 110.574
        for ax in axes:
            for geom in data.polygons:
                for ring in polygon_rings(geom):
                    x, y = lonlat_to_xy_km(lattice, ring[:, 0], ring[:, 1])
                    ax.plot(x, y, color="black", linewidth=0.5)
            ax.set_xlabel(f"km east of {abs(lon_w):.2f}°W")
            ax.set_ylabel(f"km north of {abs(lat_s):.2f}°S")
        points, texts = [], []
        for d, geom in enumerate(data.polygons):
            p = geom.representative_point()
            x, y = lonlat_to_xy_km(lattice, p.x, p.y)
            value = "" if not np.isfinite(mean_h[d]) else f"\n{mean_h[d]:.2f}"
            points.append((float(x), float(y)))
            texts.append(f"{data.names[d]}{value}")
        # Small departments (Callao) first, offered spots out at sea; no two labels overlap.
        order = sorted(range(len(texts)), key=lambda d: data.area_km2[d])
        place_labels(
            ax2, [points[d] for d in order], [texts[d] for d in order], fontsize=6,
            prefer_west=[bool(data.area_km2[d] < 2000) for d in order],
        )  # fmt: skip
    else:
        for ax in axes:
            ax.set_xlabel("sites")
            ax.set_ylabel("sites")
    for ax in axes:
        ax.set_aspect("equal")
    if title:
        fig.suptitle(title)
    targets = [(path, "png")] if formats == ("png",) else [(path.with_suffix(f".{f}"), f) for f in formats]
    try:
        for target, fmt in targets:
            with atomic_path(target) as tmp:  # a failure leaves no empty or partial file
                fig.savefig(tmp, dpi=dpi, format=fmt)
    except OSError as err:
        raise UprisingError(f"--png {path}: cannot write ({describe_os_error(err)})") from None
    finally:
        plt.close(fig)
    return [target for target, _ in targets]

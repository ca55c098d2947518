"""The figure library of the report and the dashboard: Agg figures outside pyplot, axis
conventions (days or dates on x, people on y) and the map of Peru's departments.

It draws; it runs nothing and reads only the packaged data (`uprising.data`).
"""

from uprising.figures.axes import PEOPLE, DayAxis, from_zero, people
from uprising.figures.canvas import new_figure, png_bytes
from uprising.figures.peru_map import (
    MAP_CMAP,
    DepartmentShapes,
    department_patch,
    department_shapes,
    draw_departments,
    label_point,
    on_peru_map,
    place_labels,
    polygon_rings,
)

__all__ = [
    "MAP_CMAP",
    "PEOPLE",
    "DayAxis",
    "DepartmentShapes",
    "department_patch",
    "department_shapes",
    "draw_departments",
    "from_zero",
    "label_point",
    "new_figure",
    "on_peru_map",
    "people",
    "place_labels",
    "png_bytes",
    "polygon_rings",
]

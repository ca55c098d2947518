"""The interactive dashboard (`uprising serve`): scenarios, parameters, runs, the map of Peru by day.

Built on Solara: pure-Python reactive components on the Jupyter widget stack (the choice of
Mesa's own visualisation), per-session state and background tasks with progress built in, and
a Starlette server we extend with a small JSON API; its JavaScript ships in a pip package.
"""

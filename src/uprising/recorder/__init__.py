"""What a run yields: the daily table per department, events, metadata (DESIGN.md section 3)."""

from uprising.recorder.output import DAILY_COLUMNS, EVENT_COLUMNS, RunOutput
from uprising.recorder.recorder import Recorder

__all__ = ["DAILY_COLUMNS", "EVENT_COLUMNS", "Recorder", "RunOutput"]

"""The `posture` laptop tool: replay, simulate, sync, summarise, suggest, report."""

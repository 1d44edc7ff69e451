import sys
from pathlib import Path

# tests/ helpers (grading_harness) importable from every test module
sys.path.insert(0, str(Path(__file__).resolve().parent))

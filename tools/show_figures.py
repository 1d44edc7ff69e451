"""Save the images of an executed notebook as PNG files, to look at them: show_figures.py NB.ipynb OUTDIR"""
import base64
import sys
from pathlib import Path

import nbformat

nb = nbformat.read(sys.argv[1], as_version=4)
out = Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
n = 0
for i, cell in enumerate(nb.cells):
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            n += 1
            path = out / f"cell{i:03d}_{n}.png"
            path.write_bytes(base64.b64decode(data["image/png"]))
            print(path)

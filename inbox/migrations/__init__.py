"""The schema's migrations, shipped as package data: one aerich file per step under models/."""

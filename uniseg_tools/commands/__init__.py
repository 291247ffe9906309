"""The toolchain's commands, one module each (see ``uniseg_tools/__main__.py``)."""
